package account_test

import (
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/enginetest"
)

// TestWaitsGrow checks the throttle on both databases: five failures are
// free, then each waits twice as long as the one before from the last
// failure; another key is untouched; a success clears the account's key.
func TestWaitsGrow(t *testing.T) {
	en := enginetest.New(t)
	keys, other := account.LoginKeys("jiedai", "10.0.0.1"), account.LoginKeys("jiedai", "10.0.0.2")
	for _, want := range []time.Duration{0, 0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second} {
		got, err := en.Accounts.Wait(ctx, keys)
		if err != nil || got != want {
			t.Fatalf("after some failures: wait %s (%v), want %s", got, err, want)
		}
		if err := en.Accounts.Failed(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := en.Accounts.Wait(ctx, other); got != 0 {
		t.Errorf("another address waits %s", got)
	}
	en.Clock.Advance(8 * time.Second)
	if got, _ := en.Accounts.Wait(ctx, keys); got != 0 {
		t.Errorf("after the wait: %s", got)
	}
	if err := en.Accounts.Succeeded(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if err := en.Accounts.Failed(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if got, _ := en.Accounts.Wait(ctx, keys); got != 0 {
		t.Errorf("one failure after a success waits %s", got)
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
		if err := a.Accounts.SaveSession(ctx, &account.WebSession{Hash: h, UserID: user.UserID, Data: []byte("x"), Expiry: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.EndSession(ctx, "one"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Accounts.FindSession(ctx, "one", now); ok {
		t.Error("a session ended on the second server lives on the first")
	}
	if err := b.ChangePassword(ctx, "mediator@G11", "第二台服务器上的新密码"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Accounts.FindSession(ctx, "two", now); ok {
		t.Error("a new password set on the second server left a session on the first")
	}
	keys := account.LoginKeys("jiedai", "10.0.0.1")
	for range 5 {
		if err := a.Accounts.Failed(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}
	b.Now = a.Now
	if wait, err := b.Wait(ctx, keys); err != nil || wait != time.Second {
		t.Errorf("failures on the first server: the second waits %s (%v), want 1s", wait, err)
	}
}
