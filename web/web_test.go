package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

const password = "password123"

// passwordHash hashes password once for every site of the tests: bcrypt
// is slow on purpose.
var passwordHash = sync.OnceValue(func() string {
	u := &engine.User{}
	if err := u.SetPassword(password); err != nil {
		panic(err)
	}
	return u.PasswordHash
})

var ctx = context.Background()

// site is the real router on a real SQLite database, with a small tree of
// two towns, one account per role and unit, and a few cases.
type site struct {
	*httptest.Server
	e     *engine.Engine
	db    *store.DB
	units map[string]*engine.Unit
	cases map[string]*engine.Case
	users []string
	// dsn opens the site's database again, as a second server would.
	dsn string
}

func newSite(t *testing.T) *site { return newSiteAt(t, nil) }

// newSiteOnClock builds the site on a clock stopped at 2026-03-02 09:00 in
// the towns, which the test moves by setting the time it returns.
func newSiteOnClock(t *testing.T) (*site, *time.Time) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	return newSiteAt(t, func() time.Time { return now }), &now
}

// newSiteAt builds the site on the clock now, or on the real one when now
// is nil.
func newSiteAt(t *testing.T, now func() time.Time) *site {
	t.Helper()
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := engine.New(db)
	if now != nil {
		e.Now = now
	}
	s := &site{e: e, db: db, units: map[string]*engine.Unit{}, cases: map[string]*engine.Case{}, dsn: dsn}
	for _, u := range []struct{ code, name, level, parent, prefix string }{
		{"T1", "油车港镇", "town", "", "油"}, {"V1", "麟湖村", "village", "T1", ""},
		{"G11", "麟湖村第1网格", "grid", "V1", ""}, {"G12", "麟湖村第2网格", "grid", "V1", ""},
		{"V2", "正阳社区", "village", "T1", ""}, {"G21", "正阳社区第1网格", "grid", "V2", ""},
		{"T2", "新塍镇", "town", "", "新"}, {"V3", "洛东村", "village", "T2", ""}, {"G31", "洛东村第1网格", "grid", "V3", ""},
		// The partner bodies: the kind stands in the prefix's place.
		{"P1", "油车港派出所", "partner", "T1", "派出所"}, {"P2", "油车港人民法庭", "partner", "T1", "法庭"},
		{"P3", "新塍派出所", "partner", "T2", "派出所"},
	} {
		unit := &engine.Unit{Code: u.code, Name: u.name, Level: workflow.Level(u.level), CasePrefix: u.prefix,
			Address: u.name + "人民调解委员会办公室", Phone: "0573-8300" + fmt.Sprint(len(s.units)+1)}
		if unit.Level == workflow.LevelPartner {
			unit.Kind, unit.CasePrefix, unit.Address = u.prefix, "", u.name
		}
		if err := e.SaveUnit(ctx, unit, u.parent); err != nil {
			t.Fatal(err)
		}
		s.units[u.code] = unit
	}
	for _, a := range []string{"intake@T1", "supervisor@T1", "admin@T1", "mediator@T1", "mediator@V1", "mediator@G11",
		"mediator@G12", "mediator@G21", "intake@T2", "supervisor@T2", "mediator@G31", "partner@P1", "partner@P2", "partner@P3"} {
		role, unit, _ := strings.Cut(a, "@")
		u := &engine.User{Name: a, DisplayName: a, Role: workflow.Role(role), UnitID: s.units[unit].ID, PasswordHash: passwordHash()}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		s.users = append(s.users, a)
	}
	open := func(key, grid string, steps ...engine.Step) {
		k, err := e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: s.units[grid].ID,
			People: 2, Risk: engine.RiskGreen, Summary: "两户因排水沟堵塞发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "张三", IDNumber: "330411196505120011", Phone: "13800000001"},
				{Side: engine.SideRespondent, Name: "李四"}}}, steps...)
		if err != nil {
			t.Fatal(err)
		}
		s.cases[key] = k
	}
	open("grid", "G11", engine.Step{Event: workflow.AcceptGrid})
	open("registered", "G12")
	open("agreed", "G11", engine.Step{Event: workflow.AcceptGrid}, engine.Step{Event: workflow.Agree,
		Input: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten, Terms: "李四疏通水沟", Performance: "当面"}}})
	open("other town", "G31", engine.Step{Event: workflow.AcceptTown})
	// A 民转刑 risk, referred to the police station and waiting on it.
	referred, err := e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "网格排查", Category: "邻里", LocationID: s.units["G21"].ID,
		People: 2, Risk: engine.RiskRed, Flags: []string{engine.FlagCivilToCriminal}, Summary: "邻里纠纷中一方扬言报复。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "吴芳", IDNumber: "330411198803030021", Phone: "13900000002"},
			{Side: engine.SideRespondent, Name: "钱伟"}}},
		engine.Step{Event: workflow.Refer, Input: engine.Input{Partner: "P1", Reason: "一方扬言报复，有民转刑风险"}})
	if err != nil {
		t.Fatal(err)
	}
	s.cases["referred"] = referred
	srv, err := web.NewServer(web.NewServices(e, db), web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewServer(srv)
	t.Cleanup(s.Close)
	return s
}

// client is a browser session: cookies and the CSRF token of the last page.
type client struct {
	t    *testing.T
	s    *site
	http *http.Client
	csrf string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (s *site) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (s *site) login(t *testing.T, name string) *client {
	t.Helper()
	c := s.client(t)
	c.get("/login")
	if code, _ := c.post("/login", url.Values{"name": {name}, "password": {password}}); code != http.StatusSeeOther {
		t.Fatalf("login %s: %d", name, code)
	}
	// As a browser follows the login to its first page, which carries the
	// session's own CSRF token.
	c.get("/cases")
	return c
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	code, _, b := c.download(path)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return code, string(b)
}

// post sends a form with the session's CSRF token, unless the form has one.
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	}
	resp, err := c.http.PostForm(c.s.URL+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *site) caseNow(t *testing.T, key string) *engine.Case {
	t.Helper()
	k, err := s.db.FindCase(ctx, s.cases[key].ID)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func casePath(k *engine.Case, rest string) string { return fmt.Sprintf("/cases/%d%s", k.ID, rest) }

// TestForms submits bad and good forms: bad ones come back with a message
// beside each wrong field and nothing saved.
func TestForms(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "intake@T1")
	c.get("/cases/new")
	_, total, _ := s.e.Cases(ctx, engine.System, engine.CaseFilter{})

	code, body := c.post("/cases", url.Values{"party_count": {"1"}, "parties.0.name": {"王五"}, "parties.0.side": {"applicant"},
		"parties.0.phone": {"123"}, "people": {"2"}, "risk": {"green"}, "decision": {"register"}, "summary": {"短"}})
	if code != 422 {
		t.Fatalf("bad new case: %d", code)
	}
	for _, msg := range []string{"请选择案件来源", "请选择纠纷类型", "请选择纠纷发生地", "至少5个字", "电话号码“123”无效"} {
		if !strings.Contains(body, msg) {
			t.Errorf("no message %q", msg)
		}
	}
	if !strings.Contains(body, `value="王五"`) {
		t.Error("the form lost what was typed")
	}
	good := url.Values{"source": {"当事人申请"}, "category": {"房屋宅基地"}, "location": {fmt.Sprint(s.units["G21"].ID)},
		"amount": {"30000"}, "people": {"2"}, "risk": {"green"}, "summary": {"两户因宅基地界址发生纠纷。"},
		"party_count": {"2"}, "parties.0.side": {"applicant"}, "parties.0.name": {"沈国平"}, "parties.0.phone": {"13900000009"},
		"parties.1.side": {"respondent"}, "parties.1.name": {"徐建华"}, "decision": {"accept_grid"}}
	// Routing suggests the village for a house-plot dispute: the grid needs a reason.
	code, body = c.post("/cases", good)
	if code != 422 || !strings.Contains(body, "分流建议为村(社区)") {
		t.Fatalf("override without a reason: %d", code)
	}
	good.Set("accept_reason", "当事人同意由网格先行调解")
	code, body = c.post("/cases", good)
	if code != 303 {
		t.Fatalf("good new case: %d %s", code, body)
	}
	// The page after says what was done.
	if _, page := c.get("/cases"); !strings.Contains(page, `<p class="flash">已登记油调〔`) || !strings.Contains(page, "已受理·分流到网格：现由正阳社区第1网格调解，本阶段期限至") {
		t.Errorf("no message after registering:\n%s", page)
	}
	// The same parties again: a duplicate warning, then saved on confirmation.
	code, body = c.post("/cases", good)
	if code != 200 || !strings.Contains(body, "可能重复的案件") {
		t.Fatalf("duplicate: %d", code)
	}
	good.Set("confirm_duplicates", "1")
	if code, _ = c.post("/cases", good); code != 303 {
		t.Fatalf("confirmed duplicate: %d", code)
	}
	if _, after, _ := s.e.Cases(ctx, engine.System, engine.CaseFilter{}); after != total+2 {
		t.Errorf("%d cases, want %d", after, total+2)
	}

	// An event without its data re-renders with the message.
	m := s.login(t, "mediator@G11")
	k := s.caseNow(t, "grid")
	m.get(casePath(k, "/do/escalate"))
	code, body = m.post(casePath(k, "/do/escalate"), url.Values{"version": {fmt.Sprint(k.Version)}})
	if code != 422 || !strings.Contains(body, "请填写原因") {
		t.Errorf("escalate without a reason: %d", code)
	}
	// A note recorded meanwhile changes nothing the mediator read: a note of
	// his own, sent from the page he opened before it, is recorded.
	if _, err := s.e.Record(ctx, engine.System, k.ID, workflow.AddNote, engine.Input{Note: "电话联系当事人"}); err != nil {
		t.Fatal(err)
	}
	if code, _ = m.post(casePath(k, "/do/note"), url.Values{"version": {fmt.Sprint(k.Version)}, "note": {"约定周五到村委会调解"}}); code != 303 {
		t.Errorf("a note after another note: %d, want 303", code)
	}
	// A new risk level is a change he must see first: the form comes back
	// filled in, saying what changed, with the version he has now seen.
	if _, err := s.e.Record(ctx, engine.System, k.ID, workflow.UpdateRisk, engine.Input{Risk: engine.RiskYellow, Reason: "双方言语冲突升级"}); err != nil {
		t.Fatal(err)
	}
	code, body = m.post(casePath(k, "/do/escalate"), url.Values{"version": {fmt.Sprint(k.Version)}, "reason": {"调解不成"}, "note": {"双方分歧较大"}})
	for _, want := range []string{"您打开本页之后，本案有了变化：", "系统更新风险。请看过这些变化后再提交。", "核对无误请再次提交",
		`<option selected>调解不成</option>`, fmt.Sprintf(`name="version" value="%d"`, k.Version+3)} {
		if code != 409 || !strings.Contains(body, want) {
			t.Errorf("stale version: %d, the form lacks %s", code, want)
		}
	}
	if strings.Contains(body, "版）") {
		t.Error("the refusal speaks of versions")
	}
	if now := s.caseNow(t, "grid"); now.State != workflow.Grid {
		t.Errorf("a stale form escalated the case")
	}
	// Full ID numbers for the handling unit only.
	if _, body := m.get(casePath(k, "")); !strings.Contains(body, "330411196505120011") {
		t.Error("the handling mediator does not see the full ID number")
	}
	if _, body := s.login(t, "supervisor@T1").get(casePath(k, "")); strings.Contains(body, "330411196505120011") || !strings.Contains(body, "330411********0011") {
		t.Error("the supervisor sees the full ID number")
	}
}

// TestDoorstep settles a dispute at the gate in one form.
func TestDoorstep(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "mediator@G21")
	c.get("/doorstep")
	form := url.Values{"category": {"损害赔偿"}, "amount": {"800"}, "people": {"2"},
		"summary": {"小区两位业主因车辆刮擦赔偿发生争执。"}, "party_count": {"2"},
		"parties.0.side": {"applicant"}, "parties.0.name": {"陈明"}, "parties.1.side": {"respondent"}, "parties.1.name": {"周强"},
		"session.record": {"双方当场协商"}, "agreement.kind": {"oral"}, "agreement.terms": {"周强赔付800元"}, "agreement.amount": {"800"},
		"notice_given": {"1"}}
	code, body := c.post("/doorstep", form)
	if code != 422 || !strings.Contains(body, "建议采用书面协议") {
		t.Fatalf("an oral agreement of 800 yuan without the parties' choice: %d", code)
	}
	form.Set("agreement.oral_confirmed", "1")
	if code, _ = c.post("/doorstep", form); code != 303 {
		t.Fatalf("doorstep: %d", code)
	}
	if _, page := c.get("/cases"); !strings.Contains(page, "已达成协议：案件现为“已达成协议·履行中”。") {
		t.Errorf("no message after the doorstep mediation")
	}
	cases, _, _ := s.e.Cases(ctx, engine.System, engine.CaseFilter{Source: "门前调"})
	if len(cases) != 1 || cases[0].State != workflow.Agreed || cases[0].AgreementAmount != 80000 {
		t.Fatalf("doorstep cases: %+v", cases)
	}
	if evs, _ := s.db.Events(ctx, cases[0].ID); len(evs) != 5 || evs[2].Name != workflow.RightsNotice.Step() || evs[2].Data.NoticeTo != "陈明、周强" {
		t.Errorf("the doorstep timeline: %+v", evs)
	}
	if code, _ := s.login(t, "mediator@V1").get("/doorstep"); code != 403 {
		t.Errorf("a village mediator opened the doorstep form: %d", code)
	}
}

// TestOverdueAndPress: the supervisor sees the overdue case, presses it, and
// the note tops the handling mediators' queue.
func TestOverdueAndPress(t *testing.T) {
	s := newSite(t)
	s.e.Now = func() time.Time { return time.Now().Add(5 * 24 * time.Hour) }
	sup := s.login(t, "supervisor@T1")
	k := s.caseNow(t, "grid")
	code, body := sup.get("/overdue")
	if code != 200 || !strings.Contains(body, k.Number) || strings.Contains(body, s.cases["other town"].Number) {
		t.Fatalf("overdue list: %d", code)
	}
	sup.get(casePath(k, "/do/supervise"))
	if code, _ := sup.post(casePath(k, "/do/supervise"), url.Values{"version": {fmt.Sprint(k.Version)}, "note": {"请三日内办结"}}); code != 303 {
		t.Fatalf("press: %d", code)
	}
	if _, body := s.login(t, "mediator@G11").get("/cases"); !strings.Contains(body, "请三日内办结") {
		t.Error("the press note is not at the top of the queue")
	}
}

func TestAPI(t *testing.T) {
	s := newSite(t)
	resp, err := http.Get(s.URL + "/api/v1/cases")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("anonymous API: %d", resp.StatusCode)
	}
	c := s.login(t, "intake@T2")
	code, body := c.get("/api/v1/cases")
	if code != 200 || !strings.Contains(body, `"total":1`) || !strings.Contains(body, s.cases["other town"].Number) {
		t.Errorf("API list: %d %s", code, body)
	}
	code, body = c.get("/api/v1" + casePath(s.cases["grid"], ""))
	if code != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Errorf("API outside the subtree: %d %s", code, body)
	}
	missing, gone := c.get("/api/v1/cases/999999")
	if missing != code || gone != body {
		t.Errorf("a missing case answers %d %s, a case outside the subtree %d %s: they must not differ", missing, gone, code, body)
	}
	if code, body := c.get("/api/v1/route?category=劳动争议&people=6"); code != 200 || !strings.Contains(body, `"level":"town"`) {
		t.Errorf("route: %d %s", code, body)
	}
}

// TestReportPages opens the month's report, a figure's cases and both
// exports as the supervisor; others are refused.
func TestReportPages(t *testing.T) {
	s := newSite(t)
	month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
	sup := s.login(t, "supervisor@T1")
	code, body := sup.get("/reports?unit=T1&month=" + month)
	if code != 200 || !strings.Contains(body, "<svg") || !strings.Contains(body, "调解成功率") {
		t.Fatalf("report page: %d", code)
	}
	code, body = sup.get("/reports/cases?unit=T1&month=" + month + "&figure=agreed")
	if code != 200 || !strings.Contains(body, s.cases["agreed"].Number) || strings.Contains(body, s.cases["grid"].Number) {
		t.Errorf("cases behind agreed: %d", code)
	}
	for path, mime := range map[string]string{"/reports/export.csv": "text/csv", "/reports/export.xlsx": "spreadsheetml"} {
		resp, err := sup.http.Get(s.URL + path + "?unit=T1&month=" + month)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), mime) ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if code, _ := s.login(t, "supervisor@T2").get("/reports?unit=T1&month=" + month); code != 403 {
		t.Errorf("another town's supervisor: %d", code)
	}
	if code, _ := s.login(t, "mediator@G11").get("/reports"); code != 403 {
		t.Errorf("a mediator: %d", code)
	}
}

// TestSweepFiling: a grid mediator files a nil report, cannot file twice,
// and the report counts the filing.
func TestSweepFiling(t *testing.T) {
	s := newSite(t)
	reports := web.NewServices(s.e, s.db).Reports
	last := reports.LastMonth()
	c := s.login(t, "mediator@G11")
	if _, page := c.get("/sweeps"); !strings.Contains(page, `name="month" value="`+last+`"`) || !strings.Contains(page, "近12个月尚无填报。") {
		t.Errorf("the form does not offer last month, %s", last)
	}
	now := time.Now().In(s.e.Location)
	this := url.Values{"month": {now.Format("2006-01")}, "swept_on": {now.Format("2006-01-02")}, "households": {"0"}, "disputes_found": {"0"}}
	if code, body := c.post("/sweeps", this); code != 422 || !strings.Contains(body, "尚未结束") || !strings.Contains(body, `value="`+now.Format("2006-01-02")+`"`) {
		t.Errorf("a zero report for this month: %d", code)
	}
	form := url.Values{"month": {last}, "swept_on": {last + "-15"}, "households": {"120"}, "disputes_found": {"0"}}
	if code, body := c.post("/sweeps", form); code != 200 || !strings.Contains(body, "已填报 "+last+" 排查：走访 120 户，发现纠纷 0 件。（零报告）") ||
		!strings.Contains(body, last+"："+last+"-15 排查，走访 120 户") {
		t.Fatalf("nil report: %d", code)
	}
	form.Set("households", "125")
	if code, body := c.post("/sweeps", form); code != 409 || !strings.Contains(body, "填报（走访120户，发现纠纷0件）。如需更正") ||
		!strings.Contains(body, `value="125"`) {
		t.Errorf("second filing: %d", code)
	}
	if _, page := c.get("/sweeps?correct=" + last); !strings.Contains(page, "正在更正 "+last+" 的排查填报。") || !strings.Contains(page, `value="120"`) {
		t.Error("the correction form does not hold what was filed")
	}
	form.Set("correct", "1")
	if code, body := c.post("/sweeps", form); code != 200 || !strings.Contains(body, "已更正 "+last+" 排查：走访 125 户") {
		t.Errorf("correction: %d", code)
	}
	bad := url.Values{"month": {last}, "swept_on": {"2001-01-01"}, "households": {"x"}, "disputes_found": {"0"}}
	if code, body := c.post("/sweeps", bad); code != 422 || !strings.Contains(body, "走访户数") {
		t.Errorf("bad filing: %d", code)
	}
	r, err := reports.Report(ctx, engine.System, "T1", last)
	if err != nil || r.Sweeps.Filed != 1 || len(r.Sweeps.GridsMissing) != 2 {
		t.Errorf("sweeps: %+v %v", r.Sweeps, err)
	}
	if code, _ := s.login(t, "intake@T1").get("/sweeps"); code != 403 {
		t.Errorf("intake opened the sweep form: %d", code)
	}
}

// TestLookup: a party finds their case by its public code in any case and
// their phone as typed, sees no personal data but the committee to call and
// the dates that concern them, and repeated wrong tries are stopped.
func TestLookup(t *testing.T) {
	s := newSite(t)
	k := s.cases["grid"]
	c := s.client(t)
	c.get("/lookup")
	code, body := c.post("/lookup", url.Values{"code": {strings.ToLower(k.Code)}, "phone": {"138-0000 0001"}})
	if code != 200 || !strings.Contains(body, k.Number) || !strings.Contains(body, "网格调解中") || strings.Contains(body, "张三") {
		t.Fatalf("lookup: %d", code)
	}
	// The party is given the committee to call and the stage's deadline;
	// once agreed, the window for judicial confirmation instead.
	for _, want := range []string{"承办调解组织：麟湖村", `href="tel:0573-83002"`, "本阶段调解期限"} {
		if !strings.Contains(body, want) {
			t.Errorf("the lookup of a case in mediation lacks %q", want)
		}
	}
	agreed := s.cases["agreed"]
	if _, body := c.post("/lookup", url.Values{"code": {agreed.Code}, "phone": {"13800000001"}}); !strings.Contains(body, `id="confirm-by"`) ||
		!strings.Contains(body, "司法确认申请期限") || strings.Contains(body, "本阶段调解期限") || strings.Contains(body, `id="perform-by"`) {
		t.Errorf("the lookup of an agreed case:\n%s", body)
	}
	for i := range 5 {
		if code, body := c.post("/lookup", url.Values{"code": {k.Code}, "phone": {"13900000000"}}); code != 404 || !strings.Contains(body, "查询码或电话号码不正确") {
			t.Fatalf("wrong phone, try %d: %d", i, code)
		}
	}
	if code, _ := c.post("/lookup", url.Values{"code": {k.Code}, "phone": {"13800000001"}}); code != 429 {
		t.Errorf("after five failures: %d", code)
	}
}

// postJSON sends a JSON body with the CSRF token in its header, unless
// token is "-".
func (c *client) postJSON(path, body, token string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "-" {
		req.Header.Set("X-CSRF-Token", token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAPIActions fires events through the JSON API and checks its OpenAPI
// document names every event and activity of the workflow table.
func TestAPIActions(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "mediator@G11")
	c.get("/cases")
	k := s.caseNow(t, "grid")
	path := fmt.Sprintf("/api/v1/cases/%d/events/escalate", k.ID)
	if code, _ := c.postJSON(path, `{"reason":"调解不成"}`, "-"); code != 403 {
		t.Errorf("without the CSRF header: %d", code)
	}
	for range 2 {
		code, body := c.postJSON(path, `{"reason":"调解不成"}`, c.csrf)
		if code != 400 || !strings.Contains(body, `"field":"version"`) || !strings.Contains(body, "请求缺少案件版本") {
			t.Errorf("without the version: %d %s", code, body)
		}
	}
	if now := s.caseNow(t, "grid"); now.Version != k.Version {
		t.Fatalf("POSTs without a version changed the case to version %d", now.Version)
	}
	if code, body := c.postJSON(path, `{"version":1,`, c.csrf); code != 400 || !strings.Contains(body, "不是有效的JSON") {
		t.Errorf("a broken body: %d %s", code, body)
	}
	code, body := c.postJSON(path, fmt.Sprintf(`{"version":%d,"reason":"天太热"}`, k.Version), c.csrf)
	if code != 422 || !strings.Contains(body, `"field":"reason"`) {
		t.Errorf("a bad reason: %d %s", code, body)
	}
	code, body = c.postJSON(path, fmt.Sprintf(`{"version":%d,"reason":"调解不成"}`, k.Version), c.csrf)
	if code != 200 || !strings.Contains(body, `"state":"village"`) {
		t.Fatalf("escalate: %d %s", code, body)
	}
	if code, _ := c.postJSON(path, fmt.Sprintf(`{"version":%d,"reason":"调解不成"}`, k.Version), c.csrf); code != 409 {
		t.Errorf("a stale version: %d", code)
	}
	session := fmt.Sprintf("/api/v1/cases/%d/activities/session", k.ID)
	if code, body := c.postJSON(session, fmt.Sprintf(`{"version":%d,"session":{"record":"调解"}}`, k.Version+1), c.csrf); code != 403 || !strings.Contains(body, "forbidden") {
		t.Errorf("a session on a case gone to the village, by the grid mediator: %d %s", code, body)
	}
	note := fmt.Sprintf("/api/v1/cases/%d/activities/note", k.ID)
	if code, _ := c.postJSON(note, fmt.Sprintf(`{"version":%d,"note":"电话联系"}`, k.Version+1), c.csrf); code != 200 {
		t.Errorf("a note in the mediator's subtree: %d", code)
	}
	resp, err := http.Get(s.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, ev := range workflow.Events() {
		if !strings.Contains(string(doc), `"/cases/{id}/events/`+string(ev)+`"`) {
			t.Errorf("the OpenAPI document lacks %s", ev)
		}
	}
	for _, a := range workflow.Activities {
		path := `"/cases/{id}/activities/` + string(a.Activity) + `"`
		if a.Activity == workflow.Attach {
			// Files go up as multipart to their own path.
			path = `"/cases/{id}/attachments"`
		}
		if !strings.Contains(string(doc), path) {
			t.Errorf("the OpenAPI document lacks %s", a.Activity)
		}
	}
}

// TestTokenFromTheBodyAndNoCopies checks that the CSRF token counts only in
// the form's body or the header, never in the address, and that pages for
// logged-in users tell browsers and proxies to keep no copy.
func TestTokenFromTheBodyAndNoCopies(t *testing.T) {
	s := newSite(t)
	c := s.login(t, "mediator@G11")
	c.get("/cases")
	k := s.caseNow(t, "grid")
	body := url.Values{"version": {fmt.Sprint(k.Version)}, "note": {"电话联系"}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, s.URL+casePath(k, "/do/note")+"?csrf="+c.csrf, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("a token in the address: %d, want 403", resp.StatusCode)
	}
	if now := s.caseNow(t, "grid"); now.Version != k.Version {
		t.Errorf("a token in the address changed the case to version %d", now.Version)
	}
	for _, path := range []string{casePath(k, ""), "/cases", fmt.Sprintf("/api/v1/cases/%d", k.ID)} {
		resp, err := c.http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, got)
		}
	}
}

// TestHealthReadsTheDatabase: /healthz says the process lives; /readyz
// answers from a write to the database, and says it cannot take one when
// the database does not answer.
func TestHealthReadsTheDatabase(t *testing.T) {
	get := func(t *testing.T, url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	s := newSite(t)
	if code, body := get(t, s.URL+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Fatalf("healthy: %d %q", code, body)
	}
	if code, body := get(t, s.URL+"/readyz"); code != http.StatusOK || body != "ready" {
		t.Fatalf("ready: %d %q", code, body)
	}
	s.db.Close()
	// Within the second, the answer is the one the database gave last.
	if code, _ := get(t, s.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("asked again within the second: %d", code)
	}
	s.e.Now = func() time.Time { return time.Now().Add(2 * time.Second) }
	// The process lives; it cannot take work.
	if code, body := get(t, s.URL+"/healthz"); code != http.StatusOK || body != "ok" {
		t.Errorf("alive without its database: %d %q", code, body)
	}
	if code, body := get(t, s.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.HasPrefix(body, "数据库不能写入：") {
		t.Errorf("ready without its database: %d %q", code, body)
	}
}
