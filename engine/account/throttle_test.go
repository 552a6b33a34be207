package account_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/enginetest"
)

// TestWaitsGrow checks the throttle on both databases: five failures at
// an account from one address are free, then each try waits twice as long
// as the one before from the last failure; the account from another
// address is untouched; a success clears the account's failures from that
// address.
func TestWaitsGrow(t *testing.T) {
	en := enginetest.New(t)
	try, other := account.LoginTry("jiedai", "10.0.0.1"), account.LoginTry("jiedai", "10.0.0.2")
	for _, want := range []time.Duration{0, 0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second} {
		got, err := en.Accounts.Admit(ctx, try)
		if err != nil || got != want {
			t.Fatalf("after some failures: wait %s (%v), want %s", got, err, want)
		}
		if _, err := en.Accounts.Refuse(ctx, try, true); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := en.Accounts.Admit(ctx, other); got != 0 {
		t.Errorf("another address waits %s", got)
	}
	en.Clock.Advance(8 * time.Second)
	if got, _ := en.Accounts.Admit(ctx, try); got != 0 {
		t.Errorf("after the wait: %s", got)
	}
	if err := en.Accounts.Admitted(ctx, try); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Accounts.Refuse(ctx, try, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := en.Accounts.Admit(ctx, try); got != 0 {
		t.Errorf("one failure after a success waits %s", got)
	}
}

// TestLoginThrottle checks who a throttle slows, on both databases: an
// office behind one address, where someone tried 55 names that do not
// exist, still logs in with right passwords (while further wrong tries
// from there are told to wait); an account guessed from 60 addresses is
// slowed from every address, even for the right password, once twenty
// have failed; and names of megabytes or of bytes no database stores are
// counted under a short key without an error.
func TestLoginThrottle(t *testing.T) {
	en := enginetest.New(t)
	for _, name := range []string{"intake@T1", "mediator@T1", "mediator@G11"} {
		if err := en.Accounts.ChangePassword(ctx, name, "正确的密码123"); err != nil {
			t.Fatal(err)
		}
	}
	const office = "10.1.1.1"
	for i := range 55 {
		_, err := en.Accounts.Login(ctx, fmt.Sprintf("nobody%d", i), "猜的密码", office)
		if want := map[bool]string{true: engine.EUNAUTHORIZED, false: engine.ETOOMANY}[i < 49]; engine.ErrorCode(err) != want {
			t.Fatalf("invented name %d from the office: %v, want %s", i+1, err, want)
		}
	}
	for _, name := range []string{"intake@T1", "mediator@T1"} {
		if u, err := en.Accounts.Login(ctx, name, "正确的密码123", office); err != nil || u.Name != name {
			t.Errorf("%s's right password from the office: %v", name, err)
		}
	}
	if _, err := en.Accounts.Login(ctx, "intake@T1", "错误的密码", office); engine.ErrorCode(err) != engine.ETOOMANY {
		t.Errorf("a wrong password from the throttled office: %v, want %s, as for a name that does not exist", err, engine.ETOOMANY)
	}

	for i := range 60 {
		_, err := en.Accounts.Login(ctx, "mediator@G11", "猜的密码", fmt.Sprintf("10.2.0.%d", i))
		if want := map[bool]string{true: engine.EUNAUTHORIZED, false: engine.ETOOMANY}[i < 20]; engine.ErrorCode(err) != want {
			t.Fatalf("guess %d at one account from a new address: %v, want %s", i+1, err, want)
		}
	}
	if _, err := en.Accounts.Login(ctx, "mediator@G11", "正确的密码123", "10.3.0.1"); engine.ErrorCode(err) != engine.ETOOMANY {
		t.Errorf("the guessed account's right password during the attack: %v, want %s", err, engine.ETOOMANY)
	}
	en.Clock.Advance(16 * time.Minute)
	if _, err := en.Accounts.Login(ctx, "mediator@G11", "正确的密码123", "10.3.0.1"); err != nil {
		t.Errorf("the guessed account's right password after the window: %v", err)
	}

	huge := strings.Repeat("长", 700000)
	for _, name := range []string{huge, "ab\x00cd", "ab\xffcd", "\xc0\xaf"} {
		if _, err := en.Accounts.Login(ctx, name, "x", "10.4.0.1"); engine.ErrorCode(err) != engine.EUNAUTHORIZED {
			t.Errorf("a name of %d bytes: %v, want %s", len(name), err, engine.EUNAUTHORIZED)
		}
	}
	counts, _, err := en.DB.Failures(ctx, []string{"login-from:10.4.0.1", "login:" + huge + "|10.4.0.1", "login:" + huge}, en.Clock.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if counts["login-from:10.4.0.1"] != 4 || len(counts) != 1 {
		t.Errorf("failures by key: %d under the address, %d keys; want the four under the address alone", counts["login-from:10.4.0.1"], len(counts))
	}
}

// TestTwoServersShareSessionsAndFailures opens two engines on one database
// (one PostgreSQL schema on CI), as two servers would be: a session saved
// through one is ended through the other, a new password set on one ends
// sessions read through the other, and failures counted on one slow the
// other down.
func TestTwoServersShareSessionsAndFailures(t *testing.T) {
	a, second := enginetest.TwoServers(t)
	b := account.New(engine.New(second), second)
	now := time.Now()
	user := a.Actors["mediator@G11"]
	for _, h := range []string{"one", "two"} {
		if err := a.Accounts.StartSession(ctx, &account.WebSession{Hash: h, UserID: user.UserID, Data: []byte("x"), Expiry: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.EndSession(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Accounts.FindSession(ctx, "one", now); ok {
		t.Error("a session ended on the second server lives on the first")
	}
	// A request that loaded the session before it ended saves it when it
	// is done: the ended session stays ended.
	if err := a.Accounts.SaveSession(ctx, &account.WebSession{Hash: "one", UserID: user.UserID, Data: []byte("y"), Expiry: now.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := b.FindSession(ctx, "one", now); ok {
		t.Error("a refresh on the first server brought back a session ended on the second")
	}
	if err := b.ChangePassword(ctx, "mediator@G11", "第二台服务器上的新密码"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Accounts.FindSession(ctx, "two", now); ok {
		t.Error("a new password set on the second server left a session on the first")
	}
	try := account.LoginTry("jiedai", "10.0.0.1")
	for range 5 {
		if _, err := a.Accounts.Refuse(ctx, try, true); err != nil {
			t.Fatal(err)
		}
	}
	b.Now = a.Now
	if wait, err := b.Admit(ctx, try); err != nil || wait != time.Second {
		t.Errorf("failures on the first server: the second waits %s (%v), want 1s", wait, err)
	}
}
