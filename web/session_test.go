package web_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/web"
	_ "github.com/mattn/go-sqlite3" // The test reads the database file as a backup's reader would.
)

// sessionCookie is the session cookie a client holds now.
func (c *client) sessionCookie() *http.Cookie {
	c.t.Helper()
	u, _ := http.NewRequest(http.MethodGet, c.s.URL, nil)
	for _, ck := range c.http.Jar.Cookies(u.URL) {
		if ck.Name == "mediation_session" {
			return ck
		}
	}
	c.t.Fatal("no session cookie")
	return nil
}

// with sends a GET with only the given session cookie, as someone who
// copied it would.
func with(t *testing.T, base, path string, ck *http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.AddCookie(ck)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSessionsEnd checks that a session can be ended: a cookie kept from
// before a logout, a new password or a long idle spell opens nothing, on
// this server or another on the same database; and that the database holds
// nothing a reader of a backup could make a cookie from.
func TestSessionsEnd(t *testing.T) {
	s := newSite(t)
	b := httptest.NewServer(s.secondServer(t))
	t.Cleanup(b.Close)

	// Logging out on one server ends the session on both.
	c := s.login(t, "mediator@G11")
	kept := c.sessionCookie()
	for _, base := range []string{s.URL, b.URL} {
		if code := with(t, base, "/api/v1/cases", kept); code != 200 {
			t.Fatalf("a live session on %s: %d", base, code)
		}
	}
	c.get("/cases")
	if code, _ := c.post("/logout", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	for _, base := range []string{s.URL, b.URL} {
		if code := with(t, base, "/api/v1/cases", kept); code != 401 {
			t.Errorf("a cookie kept from before the logout, on %s: %d, want 401", base, code)
		}
	}

	// A new password ends every session of the user.
	c = s.login(t, "mediator@G11")
	kept = c.sessionCookie()
	if err := account.New(s.e, s.db).ChangePassword(ctx, "mediator@G11", "另一个足够长的密码"); err != nil {
		t.Fatal(err)
	}
	if code := with(t, b.URL, "/api/v1/cases", kept); code != 401 {
		t.Errorf("a cookie from before the new password: %d, want 401", code)
	}

	// A session unused for the idle timeout (two hours) ends, and its
	// expiry says so: two hours from the last use, not twelve.
	c = s.login(t, "supervisor@T1")
	kept = c.sessionCookie()
	raw, err := sql.Open("sqlite3", "file:"+s.db.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var expiry time.Time
	var user int64
	if err := raw.QueryRow("SELECT expiry, user_id FROM web_sessions WHERE user_id IS NOT NULL ORDER BY expiry DESC LIMIT 1").Scan(&expiry, &user); err != nil {
		t.Fatal(err)
	}
	if left := time.Until(expiry); left < 119*time.Minute || left > 121*time.Minute {
		t.Errorf("a fresh session expires in %s, want two hours", left)
	}
	if _, err := raw.Exec("UPDATE web_sessions SET expiry = ? WHERE user_id = ?", time.Now().Add(-time.Second).UTC(), user); err != nil {
		t.Fatal(err)
	}
	if code := with(t, s.URL, "/api/v1/cases", kept); code != 401 {
		t.Errorf("a cookie past the idle timeout: %d, want 401", code)
	}

	// What a backup holds: the hashes of tokens, never a token, and no key.
	c = s.login(t, "intake@T1")
	token := c.sessionCookie().Value
	var stored, secrets int
	if err := raw.QueryRow("SELECT COUNT(*) FROM web_sessions WHERE hash = ?", token).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow("SELECT COUNT(*) FROM settings WHERE key LIKE '%secret%'").Scan(&secrets); err != nil {
		t.Fatal(err)
	}
	if stored != 0 || secrets != 0 {
		t.Errorf("the database holds %d raw session tokens and %d secrets", stored, secrets)
	}
	sum := sha256.Sum256([]byte(token))
	var hashed int
	if err := raw.QueryRow("SELECT COUNT(*) FROM web_sessions WHERE hash = ?", base64.RawURLEncoding.EncodeToString(sum[:])).Scan(&hashed); err != nil || hashed != 1 {
		t.Errorf("the session is not stored by the SHA-256 of its token: %d, %v", hashed, err)
	}
}

// TestTokenBoundToTheSession checks that a CSRF token counts only in the
// session it was given to: one copied from another session is refused.
func TestTokenBoundToTheSession(t *testing.T) {
	s := newSite(t)
	a, b := s.login(t, "mediator@G11"), s.login(t, "mediator@G11")
	a.get("/cases")
	b.get("/cases")
	if a.csrf == b.csrf {
		t.Fatal("two sessions got the same token")
	}
	k := s.caseNow(t, "grid")
	b.csrf = a.csrf
	code, body := b.post(casePath(k, "/do/note"), url.Values{"version": {"2"}, "note": {"电话联系"}})
	if code != 403 || !strings.Contains(body, "表单已过期") {
		t.Errorf("a token of another session: %d", code)
	}
	if now := s.caseNow(t, "grid"); now.Version != k.Version {
		t.Errorf("the case changed to version %d", now.Version)
	}
}

// from sends a form as a client behind a trusted proxy that names addr,
// with the client's session and token.
func (c *client) from(addr, path string, form url.Values) int {
	c.t.Helper()
	form.Set("csrf", c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// behindProxy serves the site as from behind a proxy on this machine,
// whose X-Forwarded-For names the client: a test sends from any address.
func (s *site) behindProxy(t *testing.T) {
	t.Helper()
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	proxied, err := web.NewServer(web.NewServices(s.e, s.db), web.Options{TrustedProxies: []*net.IPNet{loopback}})
	if err != nil {
		t.Fatal(err)
	}
	behind := httptest.NewServer(proxied)
	t.Cleanup(behind.Close)
	s.Server.Close()
	s.Server = behind
}

// TestThrottling checks that failures slow down the one who fails, and
// nobody else: after five wrong passwords from one address, the right one
// works at once from another and, from the same, after a wait of a second;
// a party's lookup works while another party's code is being guessed from
// the same address. Failures are counted in the database, so a second
// server sees them; addresses come from X-Forwarded-For only when the
// proxy is trusted.
func TestThrottling(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	s := newSiteAt(t, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	s.behindProxy(t)

	c := s.client(t)
	c.get("/login")
	wrong := url.Values{"name": {"mediator@G11"}, "password": {"不对的密码"}}
	right := url.Values{"name": {"mediator@G11"}, "password": {password}}
	for i := range 5 {
		if code := c.from("10.0.0.1", "/login", wrong); code != 401 {
			t.Fatalf("wrong password %d: %d", i+1, code)
		}
	}
	if code := c.from("10.0.0.1", "/login", right); code != 429 {
		t.Errorf("the right password at once from the same address: %d, want 429", code)
	}
	other := s.client(t)
	other.get("/login")
	if code := other.from("10.0.0.2", "/login", right); code != 303 {
		t.Errorf("the right password from another address: %d, want 303", code)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	if code := c.from("10.0.0.1", "/login", right); code != 303 {
		t.Errorf("the right password after the wait: %d, want 303", code)
	}

	guesser := s.client(t)
	guesser.get("/lookup")
	target, party := s.cases["grid"], s.cases["agreed"]
	for range 8 {
		guesser.from("10.0.0.9", "/lookup", url.Values{"code": {target.Code}, "phone": {"13900000000"}})
	}
	if code := guesser.from("10.0.0.9", "/lookup", url.Values{"code": {target.Code}, "phone": {"13800000001"}}); code != 429 {
		t.Errorf("the guessed code, even with the right phone: %d, want 429", code)
	}
	if code := guesser.from("10.0.0.9", "/lookup", url.Values{"code": {party.Code}, "phone": {"13800000001"}}); code != 200 {
		t.Errorf("another party's lookup from the same address: %d, want 200", code)
	}
}

// TestForwardedForIgnored checks that without a trusted proxy a client
// cannot choose its address: failures sent with ever new X-Forwarded-For
// headers count against the one address that connected.
func TestForwardedForIgnored(t *testing.T) {
	s := newSite(t)
	c := s.client(t)
	c.get("/login")
	wrong := url.Values{"name": {"mediator@G11"}, "password": {"不对的密码"}}
	for i := range 5 {
		c.from(fmt.Sprintf("10.0.1.%d", i), "/login", wrong)
	}
	if code := c.from("10.0.1.99", "/login", url.Values{"name": {"mediator@G11"}, "password": {password}}); code != 429 {
		t.Errorf("a sixth try under a new X-Forwarded-For: %d, want 429", code)
	}
}

// TestCrossSitePostsRefused checks that a POST a browser marks as sent
// from another site is refused, even with the right session and token,
// while the same POST from the site itself goes through.
func TestCrossSitePostsRefused(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "mediator@G11")
	c.get("/cases")
	k := s.caseNow(t, "grid")
	var page string
	send := func(site string) int {
		form := url.Values{"version": {fmt.Sprint(s.caseNow(t, "grid").Version)}, "note": {"电话联系"}, "csrf": {c.csrf}}
		req, _ := http.NewRequest(http.MethodPost, s.URL+casePath(k, "/do/note"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", site)
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page = string(b)
		return resp.StatusCode
	}
	if code := send("cross-site"); code != 403 {
		t.Errorf("a cross-site POST: %d, want 403", code)
	}
	// The refusal says what happened and what to do, in words a clerk who
	// resent an old page understands.
	if want := "这次提交没有被接受：浏览器说它不是从本系统的页面发出的（重新提交了历史中的旧页面，或来自其他网站）。请打开案件页面，刷新后重新操作；已保存的内容不会丢失。"; !strings.Contains(page, want) {
		t.Errorf("the refusal does not say %s", want)
	}
	if now := s.caseNow(t, "grid"); now.Version != k.Version {
		t.Errorf("the cross-site POST changed the case")
	}
	if code := send("same-origin"); code != 303 {
		t.Errorf("a same-origin POST: %d, want 303", code)
	}
}

// TestAuditTrail follows a day of one supervisor and one intruder through
// the audit trail: a wrong password (under the name typed, a formula
// here), a login, a report downloaded, a page refused, a logout; the
// admin's page filters them by action and exports them with the name
// neutralised, and the other town's supervisor sees none of them.
func TestAuditTrail(t *testing.T) {
	s := newSite(t)
	intruder := s.client(t)
	intruder.get("/login")
	const typed = `=HYPERLINK("http://x","点")`
	if code, _ := intruder.post("/login", url.Values{"name": {typed}, "password": {"猜一个"}}); code != 401 {
		t.Fatalf("a wrong password: %d", code)
	}
	sup := s.login(t, "supervisor@T1")
	if code, _ := sup.get("/reports/export.csv?unit=T1&period=2026-10"); code != 200 {
		t.Fatalf("export: %d", code)
	}
	if code, _ := sup.get("/sweeps"); code != 403 {
		t.Fatalf("a supervisor opened the sweep form: %d", code)
	}
	sup.get("/cases")
	if code, _ := sup.post("/logout", url.Values{}); code != 303 {
		t.Fatalf("logout: %d", code)
	}

	admin := s.login(t, "admin@T1")
	_, page := admin.get("/audit")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	doc.Find("#audit tbody tr").Each(func(_ int, tr *goquery.Selection) {
		cells := tr.Find("td")
		got = append(got, cells.Eq(1).Text()+" "+cells.Eq(2).Text())
	})
	want := []string{"admin@T1 登录", "supervisor@T1 退出登录", "supervisor@T1 越权或无效请求被拒绝", "supervisor@T1 导出报表",
		"supervisor@T1 登录", typed + " 登录失败"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, page := admin.get("/audit?action=export"); strings.Count(page, "导出报表</td>") != 1 || strings.Contains(page, "登录失败</td>") {
		t.Errorf("the export filter shows other rows")
	}
	code, csv := admin.get("/audit.csv?action=login_failed")
	if code != 200 || !strings.Contains(csv, `"＝HYPERLINK(""http://x"",""点"")"`) || strings.Contains(csv, "导出报表") {
		t.Errorf("the CSV of failed logins: %d\n%s", code, csv)
	}
	_, other := s.login(t, "supervisor@T2").get("/audit")
	if strings.Contains(other, "supervisor@T1") || strings.Contains(other, "HYPERLINK") {
		t.Error("the other town's supervisor reads this town's trail")
	}
}

// TestOwnSessions checks that users see their live sessions, this one
// marked, and end another one, which then opens nothing; another user's
// session cannot be ended by its hash, and this one is ended by logging out.
func TestOwnSessions(t *testing.T) {
	s := newSite(t)
	phone, desk := s.login(t, "mediator@G11"), s.login(t, "mediator@G11")
	stranger := s.login(t, "intake@T1")
	code, page := desk.get("/sessions")
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(page))
	if code != 200 || doc.Find("#sessions tbody tr").Length() != 2 || doc.Find("#sessions .current").Length() != 1 ||
		!strings.Contains(doc.Find("#sessions").Text(), "127.0.0.1") {
		t.Fatalf("the list of sessions: %d\n%s", code, doc.Find("#sessions").Text())
	}
	other, _ := doc.Find(`#sessions input[name="session"]`).Attr("value")
	sum := sha256.Sum256([]byte(phone.sessionCookie().Value))
	if other != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatal("the other session offered is not the phone's")
	}
	strangerHash := func() string {
		sum := sha256.Sum256([]byte(stranger.sessionCookie().Value))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}()
	if code, _ := desk.post("/sessions/end", url.Values{"session": {strangerHash}}); code != 404 {
		t.Errorf("ending another user's session: %d, want 404", code)
	}
	if code := with(t, s.URL, "/api/v1/cases", stranger.sessionCookie()); code != 200 {
		t.Errorf("the other user's session ended: %d", code)
	}
	if code, _ := desk.post("/sessions/end", url.Values{"session": {other}}); code != 303 {
		t.Fatalf("ending the phone's session: %d", code)
	}
	if code := with(t, s.URL, "/api/v1/cases", phone.sessionCookie()); code != 401 {
		t.Errorf("the ended session still opens the API: %d", code)
	}
	if _, page := desk.get("/sessions"); strings.Count(page, "结束这次登录") != 0 {
		t.Error("the ended session is still listed")
	}
}

// TestDisabledAccount checks that disabling an account ends its sessions
// on every server and refuses its right password with a plain message;
// enabled again, it logs in.
func TestDisabledAccount(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "mediator@G11")
	kept := c.sessionCookie()
	if err := account.New(s.e, s.db).SetDisabled(ctx, "mediator@G11", true); err != nil {
		t.Fatal(err)
	}
	if code := with(t, s.URL, "/api/v1/cases", kept); code != 401 {
		t.Errorf("a session of the disabled account: %d, want 401", code)
	}
	again := s.client(t)
	again.get("/login")
	if code, body := again.post("/login", url.Values{"name": {"mediator@G11"}, "password": {password}}); code != 401 || !strings.Contains(body, "该账号已停用") {
		t.Errorf("the right password of a disabled account: %d", code)
	}
	if err := account.New(s.e, s.db).SetDisabled(ctx, "mediator@G11", false); err != nil {
		t.Fatal(err)
	}
	s.login(t, "mediator@G11")
}

// TestUnreadLabel: the navigation bar shows the unread notifications'
// count, nothing for none, and 99+ from the engine's cap on.
func TestUnreadLabel(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, ""}, {1, "1"}, {99, "99"}, {100, "99+"}, {250, "99+"}} {
		if got := web.UnreadLabel(tc.n); got != tc.want {
			t.Errorf("%d unread: %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestAdminEndsAllSessions: the console's 结束全部登录 ends every session
// of the account, in any browser, and writes the audit row; the account
// still logs in afterwards, and another account's session lives on.
func TestAdminEndsAllSessions(t *testing.T) {
	s := newSite(t)
	first, second := s.login(t, "mediator@G11"), s.login(t, "mediator@G11")
	other := s.login(t, "mediator@V1")
	admin := s.login(t, "admin@T1")
	if code, _ := admin.post("/admin/accounts/mediator@G11/logout", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("end all sessions: %d", code)
	}
	for i, c := range []*client{first, second} {
		if code := with(t, s.URL, "/api/v1/cases", c.sessionCookie()); code != http.StatusUnauthorized {
			t.Errorf("browser %d after the end of all sessions: %d, want 401", i+1, code)
		}
	}
	if code := with(t, s.URL, "/api/v1/cases", other.sessionCookie()); code != http.StatusOK {
		t.Errorf("another account's session: %d, want 200", code)
	}
	rows, err := account.New(s.e, s.db).Audit(ctx, engine.System, engine.AuditFilter{Action: engine.AuditAdmin})
	if err != nil || len(rows) != 1 || rows[0].Detail != "结束全部登录：mediator@G11" {
		t.Errorf("the audit row: %+v %v", rows, err)
	}
	s.login(t, "mediator@G11")
}
