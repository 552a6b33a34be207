package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

// secondServer serves the site's database from a second server, as
// another machine behind the load balancer would (another connection to
// the same PostgreSQL on CI, the same SQLite file otherwise).
func (s *site) secondServer(t *testing.T) *web.Server {
	t.Helper()
	db, err := store.Open(ctx, s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := web.NewServer(web.NewServices(engine.New(db), db), web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// serve sends req to h and returns the status.
func serve(h http.Handler, req *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// TestEndedSessionStaysEnded: a request that loaded its session before the
// session ended (its body still arriving on a second server) saves the
// session when it is done, and the session stays ended, whichever way it
// ended: a logout, a new password, another browser's 结束此登录, the
// console's 结束全部登录, or an account disabled and enabled again.
func TestEndedSessionStaysEnded(t *testing.T) {
	s := newSite(t)
	b := s.secondServer(t)
	admin := s.login(t, "admin@T1")
	k := s.caseNow(t, "grid")
	for _, tc := range []struct {
		user string
		end  func(c *client)
	}{
		{"mediator@G11", func(c *client) { c.post("/logout", url.Values{}) }},
		{"mediator@G12", func(*client) {
			if err := account.New(s.e, s.db).ChangePassword(ctx, "mediator@G12", "另一个足够长的密码"); err != nil {
				t.Fatal(err)
			}
		}},
		{"mediator@V1", func(c *client) {
			other := s.login(t, "mediator@V1")
			sum := sha256.Sum256([]byte(c.sessionCookie().Value))
			if code, _ := other.post("/sessions/end", url.Values{"session": {base64.RawURLEncoding.EncodeToString(sum[:])}}); code != http.StatusSeeOther {
				t.Fatalf("结束此登录: %d", code)
			}
		}},
		{"mediator@T1", func(*client) { admin.post("/admin/accounts/mediator@T1/logout", url.Values{}) }},
		{"supervisor@T1", func(*client) {
			admin.post("/admin/accounts/supervisor@T1/disable", url.Values{})
			admin.post("/admin/accounts/supervisor@T1/enable", url.Values{})
		}},
	} {
		c := s.login(t, tc.user)
		kept := c.sessionCookie()
		body, rest := io.Pipe()
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/cases/%d/activities/note", k.ID), body)
		req.ContentLength = 25
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", c.csrf)
		req.AddCookie(kept)
		done := make(chan int)
		go func() { done <- serve(b, req) }()
		// A pipe's write returns once read: the second server is reading
		// the body, with the session loaded.
		if _, err := rest.Write([]byte(`{"ver`)); err != nil {
			t.Fatal(err)
		}
		tc.end(c)
		rest.Write([]byte(`sion":1,"note":"x"}`))
		rest.Close()
		<-done
		if code := with(t, s.URL, "/api/v1/cases", kept); code != http.StatusUnauthorized {
			t.Errorf("%s: the ended session after the request in flight finished: %d, want 401", tc.user, code)
		}
		req = httptest.NewRequest(http.MethodGet, "/api/v1/cases", nil)
		req.AddCookie(kept)
		if code := serve(b, req); code != http.StatusUnauthorized {
			t.Errorf("%s: the ended session on the second server: %d, want 401", tc.user, code)
		}
	}
}

// sessionRows counts the stored sessions.
func (s *site) sessionRows(t *testing.T) int {
	t.Helper()
	var n int
	for _, pool := range s.db.Pools() {
		if err := pool.QueryRow("SELECT COUNT(*) FROM web_sessions").Scan(&n); err != nil {
			t.Fatal(err)
		}
		break
	}
	return n
}

// countingBody is a request body of n bytes that counts what was read.
type countingBody struct {
	mu         sync.Mutex
	left, read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	for i := range n {
		p[i] = 'x'
	}
	b.left -= n
	b.read += n
	return n, nil
}

// TestAnonymousCostsNothing: a visitor who has not logged in stores
// nothing and spools nothing: a 50 MB upload without a session is answered
// before its body is read, pages and a refused login store no session,
// and a login name of megabytes is refused by the form's limit.
func TestAnonymousCostsNothing(t *testing.T) {
	s := newSite(t)
	h := s.Config.Handler
	k := s.caseNow(t, "grid")
	for _, path := range []string{fmt.Sprintf("/cases/%d/do/attach", k.ID), fmt.Sprintf("/api/v1/cases/%d/attachments", k.ID)} {
		body := &countingBody{left: 50 << 20}
		req := httptest.NewRequest(http.MethodPost, path, body)
		req.ContentLength = 50 << 20
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		code := serve(h, req)
		if code != http.StatusSeeOther && code != http.StatusUnauthorized || body.read > 0 {
			t.Errorf("an anonymous upload to %s: %d after reading %d bytes, want an answer before the body", path, code, body.read)
		}
	}
	before := s.sessionRows(t)
	c := s.client(t)
	for range 20 {
		c.get("/login")
		c.get("/lookup")
	}
	if code, _ := c.post("/login", url.Values{"name": {"nobody"}, "password": {"x"}}); code != http.StatusUnauthorized {
		t.Errorf("a wrong login: %d", code)
	}
	if code, _ := c.post("/login", url.Values{"name": {strings.Repeat("长", 700000)}, "password": {"x"}}); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a login name of 2 MB: %d, want 413", code)
	}
	if after := s.sessionRows(t); after != before {
		t.Errorf("anonymous pages stored %d sessions", after-before)
	}
	if code, _ := c.post("/login", url.Values{"name": {"mediator@G11"}, "password": {password}}); code != http.StatusSeeOther {
		t.Errorf("the login after all that: %d", code)
	}
	if after := s.sessionRows(t); after != before+1 {
		t.Errorf("a login stored %d sessions, want 1", after-before)
	}
}

// TestOfficeBehindOneAddress: a town office behind one NAT address, where
// 55 names that do not exist were tried, keeps logging in with right
// passwords, and its parties keep looking their cases up after 55 codes
// that do not exist; an account guessed from sixty addresses is slowed
// from all of them.
func TestOfficeBehindOneAddress(t *testing.T) {
	s := newSite(t)
	s.behindProxy(t)

	c := s.client(t)
	c.get("/login")
	for i := range 55 {
		c.from("10.8.0.1", "/login", url.Values{"name": {fmt.Sprintf("nobody%d", i)}, "password": {"x"}})
		c.from("10.8.0.1", "/lookup", url.Values{"code": {fmt.Sprintf("NOPE%04d", i)}, "phone": {"13800000001"}})
	}
	for _, name := range []string{"intake@T1", "supervisor@T1", "mediator@T1"} {
		c := s.client(t)
		c.get("/login")
		if code := c.from("10.8.0.1", "/login", url.Values{"name": {name}, "password": {password}}); code != http.StatusSeeOther {
			t.Errorf("%s's right password from the office: %d, want 303", name, code)
		}
	}
	if code := c.from("10.8.0.1", "/lookup", url.Values{"code": {s.cases["agreed"].Code}, "phone": {"13800000001"}}); code != http.StatusOK {
		t.Errorf("a party's lookup from the office: %d, want 200", code)
	}
	for i := range 21 {
		c.from(fmt.Sprintf("10.9.0.%d", i), "/login", url.Values{"name": {"mediator@G11"}, "password": {"猜的密码"}})
	}
	if code := c.from("10.9.1.1", "/login", url.Values{"name": {"mediator@G11"}, "password": {"猜的密码"}}); code != http.StatusTooManyRequests {
		t.Errorf("a guess at an account guessed from many addresses: %d, want 429", code)
	}
	var admin *client
	for _, name := range []string{"admin@T1"} {
		admin = s.client(t)
		admin.get("/login")
		admin.from("10.8.0.2", "/login", url.Values{"name": {name}, "password": {password}})
		admin.get("/cases")
	}
	_, page := admin.get("/audit?action=lookup_failed")
	if !strings.Contains(page, "查询码 NOPE0054") {
		t.Error("the failed lookups are not on the audit trail")
	}
}

// TestSetupOnce: ten submissions of the setup form at once, half to each
// of two servers, set the system up once: one administrator, one unit,
// and nine answers that the link is spent.
func TestSetupOnce(t *testing.T) {
	dsn := storetest.DSN(t)
	var handlers []http.Handler
	var accounts *account.Service
	for range 2 {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		svc := web.NewServices(engine.New(db), db)
		accounts = svc.Accounts
		srv, err := web.NewServer(svc, web.Options{})
		if err != nil {
			t.Fatal(err)
		}
		handlers = append(handlers, srv)
	}
	token, err := accounts.SetupToken(ctx)
	if err != nil || token == "" {
		t.Fatalf("setup token: %q %v", token, err)
	}
	csrfCookie := regexp.MustCompile(`mediation_csrf=([0-9a-f]+)`)
	codes := make([]int, 10)
	var wg sync.WaitGroup
	for i := range codes {
		h := handlers[i%2]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/setup?token="+token, nil))
		m := csrfCookie.FindStringSubmatch(rec.Header().Get("Set-Cookie"))
		if m == nil {
			t.Fatalf("the setup form set no CSRF cookie: %q", rec.Header().Get("Set-Cookie"))
		}
		form := url.Values{"token": {token}, "csrf": {m[1]}, "unit_code": {fmt.Sprintf("T%d", i)}, "unit_name": {fmt.Sprintf("第%d镇", i)},
			"level": {"town"}, "case_prefix": {"甲"}, "name": {fmt.Sprintf("admin%d", i)}, "display": {"管理员"},
			"password": {"一个足够长的密码"}, "repeat": {"一个足够长的密码"}}
		req := httptest.NewRequest(http.MethodPost, "/setup", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "mediation_csrf", Value: m[1]})
		wg.Go(func() { codes[i] = serve(h, req) })
	}
	wg.Wait()
	done := 0
	for _, code := range codes {
		if code == http.StatusSeeOther {
			done++
		} else if code != http.StatusNotFound {
			t.Errorf("a losing submission: %d, want 404", code)
		}
	}
	users, err := accounts.AdminUsers(ctx, engine.System)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := accounts.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if done != 1 || len(users) != 1 || users[0].Role != workflow.RoleAdmin || len(tree.Units()) != 1 {
		t.Errorf("ten submissions: %d set up, %d accounts, %d units; want one of each", done, len(users), len(tree.Units()))
	}
}

// TestNoSecretAtRest: a temporary password and an API token the console
// shows once are in that answer and nowhere in the database, and the
// administrator of a town sees neither the accounts nor the units of
// another town on the console.
func TestNoSecretAtRest(t *testing.T) {
	s := newSite(t)
	admin := s.login(t, "admin@T1")
	code, page := admin.post("/admin/accounts", url.Values{"name": {"xinren"}, "display": {"新人"}, "role": {"mediator"}, "unit": {"G11"}})
	temp := regexp.MustCompile(`临时密码：([a-z0-9]+)`).FindStringSubmatch(page)
	if code != http.StatusOK || temp == nil {
		t.Fatalf("a new account: %d, no temporary password shown", code)
	}
	code, page = admin.post("/admin/tokens", url.Values{"unit": {"P1"}, "name": {"警务系统"}})
	token := regexp.MustCompile(`med_[A-Za-z0-9_-]+`).FindString(page)
	if code != http.StatusOK || token == "" {
		t.Fatalf("a new token: %d, none shown", code)
	}
	for _, secret := range []string{temp[1], token} {
		for _, table := range []string{"web_sessions", "settings", "users", "api_tokens", "audit_log"} {
			var n int
			for _, pool := range s.db.Pools() {
				q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE CAST(%s AS TEXT) LIKE ?", table, map[string]string{
					"web_sessions": "data", "settings": "value", "users": "password_hash", "api_tokens": "hash", "audit_log": "detail"}[table])
				if s.db.Postgres() {
					q = strings.Replace(q, "?", "$1", 1)
				}
				if err := pool.QueryRow(q, "%"+secret+"%").Scan(&n); err != nil {
					t.Fatal(err)
				}
				break
			}
			if n != 0 {
				t.Errorf("%s holds a secret shown once", table)
			}
		}
	}
	if _, again := admin.get("/admin"); strings.Contains(again, token) || strings.Contains(again, temp[1]) {
		t.Error("the console shows a secret a second time")
	}
	_, console := admin.get("/admin")
	for _, other := range []string{"新塍镇", "intake@T2", "新塍派出所"} {
		if strings.Contains(console, other) {
			t.Errorf("the town's console shows %s of the other town", other)
		}
	}
}

// TestWebhookFailureShown: the console tells the administrator what went
// wrong with a partner's webhook while its deliveries wait to be tried
// again, beside the partner body.
func TestWebhookFailureShown(t *testing.T) {
	s := newSite(t)
	police := s.units["P1"]
	police.Webhook = "https://jw.example/hook"
	if err := s.e.SaveUnit(ctx, police, "T1"); err != nil {
		t.Fatal(err)
	}
	mediator, err := s.db.FindUserByName(ctx, "mediator@G11")
	if err != nil {
		t.Fatal(err)
	}
	k := s.caseNow(t, "grid")
	if _, err := s.e.Fire(ctx, mediator.Actor(), k.ID, workflow.Refer, engine.Input{Version: k.Version, Partner: "P1", Reason: "涉嫌违法，需公安处理"}); err != nil {
		t.Fatal(err)
	}
	refused := func(context.Context, *engine.Notification) error { return fmt.Errorf("dial tcp: connection refused") }
	if _, failed, err := notify.New(s.e, s.db).DeliverPass(ctx, refused); err != nil || failed == 0 {
		t.Fatalf("a failing pass: %d failed, %v", failed, err)
	}
	_, page := s.login(t, "admin@T1").get("/admin")
	if !strings.Contains(page, "推送失败，1条待重试：dial tcp: connection refused") {
		t.Error("the console does not show the webhook's failure")
	}
}

// TestBrokenInputRefused: text no keyboard types, JSON that readers would
// take two ways, and oversized requests are refused with the right status
// and code, never a 500, on both databases: login names and lookup codes
// with NUL or broken UTF-8, a note with a control character, JSON with
// trailing garbage or a key given twice, a body not declared as JSON, a
// body over the API's limit, a referral naming 5,000 parties.
func TestBrokenInputRefused(t *testing.T) {
	s := newSite(t)
	anon := s.client(t)
	anon.get("/login")
	for _, name := range []string{"ab\x00cd", "ab\xffcd", "\xc0\xaf"} {
		if code, _ := anon.post("/login", url.Values{"name": {name}, "password": {"x"}}); code != http.StatusUnauthorized {
			t.Errorf("login as %q: %d, want 401", name, code)
		}
	}
	anon.get("/lookup")
	for _, code := range []string{"\x00", "\xff"} {
		if got, _ := anon.post("/lookup", url.Values{"code": {code}, "phone": {"13800000001"}}); got != http.StatusNotFound {
			t.Errorf("lookup of %q: %d, want 404", code, got)
		}
	}
	med := s.login(t, "mediator@G11")
	k := s.caseNow(t, "grid")
	note := fmt.Sprintf("/api/v1/cases/%d/activities/note", k.ID)
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		code              string
	}{
		{"a control character", fmt.Sprintf(`{"version":%d,"note":"电话\u0007联系"}`, k.Version), "application/json", 400, engine.EMALFORMED},
		{"trailing garbage", fmt.Sprintf(`{"version":%d,"note":"x"} {"x":1}`, k.Version), "application/json", 400, engine.EMALFORMED},
		{"a key twice", fmt.Sprintf(`{"version":%d,"note":"甲","note":"乙"}`, k.Version), "application/json", 400, engine.EMALFORMED},
		{"a key twice, nested", `{"version":1,"agreement":{"terms":"a","terms":"b"}}`, "application/json", 400, engine.EMALFORMED},
		{"plain text", fmt.Sprintf(`{"version":%d,"note":"x"}`, k.Version), "text/plain", 415, engine.EUNSUPPORTED},
		{"2 MB", fmt.Sprintf(`{"version":%d,"note":"%s"}`, k.Version, strings.Repeat("长", 700000)), "application/json", 413, engine.ETOOLARGE},
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+note, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		req.Header.Set("X-CSRF-Token", med.csrf)
		resp, err := med.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), `"code":"`+tc.code+`"`) {
			t.Errorf("%s: %d %.200s, want %d %s", tc.name, resp.StatusCode, b, tc.status, tc.code)
		}
	}
	if now := s.caseNow(t, "grid"); now.Version != k.Version {
		t.Errorf("a refused note moved the case to version %d", now.Version)
	}

	_, court, err := account.New(s.e, s.db).CreateToken(ctx, engine.System, "P2", "法院诉调对接")
	if err != nil {
		t.Fatal(err)
	}
	parties := make([]string, 5000)
	for i := range parties {
		parties[i] = fmt.Sprintf(`{"side":"applicant","name":"申请人%d"}`, i)
	}
	code, out := partnerCall(t, s, http.MethodPost, "/api/v1/referrals", "Bearer "+court,
		`{"category":"合同","summary":"货款纠纷","parties":[`+strings.Join(parties, ",")+`]}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(out), "最多登记100位当事人") {
		t.Errorf("5,000 parties: %d %v", code, out)
	}
}

// TestOneReferralPerExternalID: fifty requests at once, half to each of two
// servers, refer one dispute under one id of the court's: one case is made
// (201), every other request gets that case (200), none fails.
func TestOneReferralPerExternalID(t *testing.T) {
	s := newSite(t)
	b := httptest.NewServer(s.secondServer(t))
	t.Cleanup(b.Close)
	_, court, err := account.New(s.e, s.db).CreateToken(ctx, engine.System, "P2", "法院诉调对接")
	if err != nil {
		t.Fatal(err)
	}
	body := `{"external_id":"（2026）浙0411民诉前调99号","category":"合同","summary":"货款纠纷。","parties":[{"side":"applicant","name":"朱丽"},{"side":"respondent","name":"钱军"}]}`
	codes, ids := make([]int, 50), make([]string, 50)
	var wg sync.WaitGroup
	for i := range codes {
		base := []string{s.URL, b.URL}[i%2]
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/referrals", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+court)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			codes[i], ids[i] = resp.StatusCode, regexp.MustCompile(`"id":(\d+)`).FindString(string(out))
		})
	}
	wg.Wait()
	created := 0
	for i, code := range codes {
		switch {
		case code == http.StatusCreated:
			created++
		case code != http.StatusOK:
			t.Errorf("request %d: %d", i, code)
		}
		if ids[i] != ids[0] {
			t.Errorf("request %d got case %s, request 0 case %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Errorf("%d cases made, want 1", created)
	}
}

// TestAuditGaps: what a prober leaves is on the audit trail: a logged-in
// user asking for another town's case (404), an API call with a wrong
// token, and the trail's own download.
func TestAuditGaps(t *testing.T) {
	s := newSite(t)
	med := s.login(t, "mediator@G11")
	if code, _ := med.get(casePath(s.cases["other town"], "")); code != http.StatusNotFound {
		t.Fatalf("another town's case: %d", code)
	}
	if code, _ := partnerCall(t, s, http.MethodGet, "/api/v1/cases", "Bearer med_guessed", ""); code != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d", code)
	}
	admin := s.login(t, "admin@T1")
	if code, _ := admin.get("/audit.csv"); code != http.StatusOK {
		t.Fatalf("the trail's CSV: %d", code)
	}
	rows, err := account.New(s.e, s.db).Audit(ctx, engine.System, engine.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		if r.Action == engine.AuditRefused || r.Action == engine.AuditExport {
			got = append(got, r.ActorName+" "+r.Detail)
		}
	}
	want := []string{"admin@T1 审计记录 audit.csv（",
		"接口令牌 GET /api/v1/cases 无效的接口令牌，来自 127.0.0.1",
		fmt.Sprintf("mediator@G11 GET /cases/%d ", s.cases["other town"].ID)}
	if len(got) != len(want) {
		t.Fatalf("the trail:\n%s\nwant rows starting:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("row %d: %q, want it to start %q", i, got[i], want[i])
		}
	}
}
