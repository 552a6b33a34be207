package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// scenario is one request through the real router and what must come of
// it, stated literally: the status, what the page must show and must not
// show (CSS selectors, with goquery's :contains), what a non-HTML body
// contains, and by how much each case's version moves.
//
// In path, form values and JSON bodies, {key} stands for the id of the
// site's case with that key (grid, registered, agreed, other, referred), {key.v} for
// its version now, {key.number} and {key.code} for its number and public
// code, and {agreed.agreement} for the agreed case's agreement.
type scenario struct {
	name   string
	user   string // "" for nobody logged in
	method string // GET by default
	path   string
	form   url.Values
	json   string
	noCSRF bool
	status int
	has    []string
	hasNot []string
	// actions, when set, is the exact list of the case page's buttons.
	actions  []string
	contains []string
	lacks    []string
	// moves is each case's version change; cases not named must not move.
	moves map[string]int
	// flash, when set, is what the page the answer redirects to says the
	// action changed.
	flash string
}

// users of newSite, in the order of the matrices below.
var siteUsers = []string{"intake@T1", "supervisor@T1", "admin@T1", "mediator@T1", "mediator@V1", "mediator@G11",
	"mediator@G12", "mediator@G21", "intake@T2", "supervisor@T2", "mediator@G31"}

// caseKeys of newSite; "other" is the case of the other town.
var caseKeys = map[string]string{"grid": "grid", "registered": "registered", "agreed": "agreed", "other": "other town", "referred": "referred"}

// run sends a scenario's request as its user on s.
func (s *site) run(t *testing.T, clients map[string]*client, sc scenario) {
	t.Helper()
	c := clients[sc.user]
	if c == nil {
		if sc.user == "" {
			c = s.client(t)
		} else {
			c = s.login(t, sc.user)
		}
		c.get("/lookup")
		clients[sc.user] = c
	}
	before := map[string]int{}
	for key := range caseKeys {
		before[key] = s.caseNow(t, caseKeys[key]).Version
	}
	u, err := url.Parse(s.fill(t, sc.path))
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = u.Query().Encode()
	path := u.String()
	var req *http.Request
	switch {
	case sc.json != "":
		req, _ = http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(s.fill(t, sc.json)))
		req.Header.Set("Content-Type", "application/json")
		if !sc.noCSRF {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	case sc.method == http.MethodPost:
		form := url.Values{}
		for k, vs := range sc.form {
			for _, v := range vs {
				form.Add(k, s.fill(t, v))
			}
		}
		if !sc.noCSRF {
			form.Set("csrf", c.csrf)
		}
		req, _ = http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		req, _ = http.NewRequest(http.MethodGet, s.URL+path, nil)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != sc.status {
		t.Errorf("status %d, want %d\n%.600s", resp.StatusCode, sc.status, body)
	}
	if m := csrfRE.FindSubmatch(body); m != nil {
		c.csrf = string(m[1])
	}
	for _, want := range sc.contains {
		if !strings.Contains(string(body), s.fill(t, want)) {
			t.Errorf("the answer lacks %q", want)
		}
	}
	for _, unwanted := range sc.lacks {
		if strings.Contains(string(body), s.fill(t, unwanted)) {
			t.Errorf("the answer has %q", unwanted)
		}
	}
	if len(sc.has)+len(sc.hasNot) > 0 || sc.actions != nil {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range sc.has {
			if doc.Find(s.fill(t, sel)).Length() == 0 {
				t.Errorf("the page has nothing matching %s; its errors: %s", sel, doc.Find(".error, .field-error").Text())
			}
		}
		for _, sel := range sc.hasNot {
			if doc.Find(s.fill(t, sel)).Length() > 0 {
				t.Errorf("the page has %s", sel)
			}
		}
		if sc.actions != nil {
			var got []string
			doc.Find("[data-action]").Each(func(_ int, a *goquery.Selection) {
				got = append(got, a.AttrOr("data-action", ""))
			})
			if strings.Join(got, " ") != strings.Join(sc.actions, " ") {
				t.Errorf("buttons %v, want %v", got, sc.actions)
			}
		}
	}
	if sc.flash != "" {
		next, err := resp.Location()
		if err != nil {
			t.Fatalf("no page after the action: %v", err)
		}
		_, page := c.get(next.Path)
		if !strings.Contains(page, `<p class="flash">`+s.fill(t, sc.flash)) {
			t.Errorf("the page after the action does not say %q", sc.flash)
		}
		if _, again := c.get(next.Path); strings.Contains(again, `class="flash"`) {
			t.Errorf("the message shows a second time")
		}
	}
	for key := range caseKeys {
		if moved := s.caseNow(t, caseKeys[key]).Version - before[key]; moved != sc.moves[key] {
			t.Errorf("case %s moved %d versions, want %d", key, moved, sc.moves[key])
		}
	}
}

var placeholder = regexp.MustCompile(`\{(grid|registered|agreed|other|referred)(\.(v|number|code|agreement))?\}`)

// fill replaces the placeholders of a scenario.
func (s *site) fill(t *testing.T, text string) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		p := placeholder.FindStringSubmatch(m)
		k := s.caseNow(t, caseKeys[p[1]])
		switch p[3] {
		case "v":
			return fmt.Sprint(k.Version)
		case "number":
			return k.Number
		case "code":
			return k.Code
		case "agreement":
			ags, err := s.db.Agreements(ctx, k.ID)
			if err != nil || len(ags) == 0 {
				t.Fatalf("case %s has no agreement", p[1])
			}
			return fmt.Sprint(ags[0].ID)
		}
		return fmt.Sprint(k.ID)
	})
}

// matrix expands a page's row of statuses, one per user of siteUsers, into
// scenarios; each page that answers 200 shows its heading.
func matrix(path string, statuses ...int) []scenario {
	var out []scenario
	for i, st := range statuses {
		sc := scenario{name: path + " as " + siteUsers[i], user: siteUsers[i], path: path, status: st}
		if st == 200 {
			sc.has = []string{"main h1"}
		}
		out = append(out, sc)
	}
	return out
}

// casePage expands a case's row into scenarios: the status for each user
// of siteUsers (404 outside their subtree, as for a case that does not
// exist), then whether each sees the applicant's phone in full (1), the
// phone alone to call back (2, the desk within 30 days of registration) or
// masked (0) where they may open the case.
func casePage(key string, statuses []int, unmasked []int) []scenario {
	var out []scenario
	for i, st := range statuses {
		sc := scenario{name: key + " case page as " + siteUsers[i], user: siteUsers[i], path: "/cases/{" + key + "}", status: st}
		switch {
		case st != 200:
			sc.has, sc.hasNot = []string{"main h1:contains('找不到页面')", "main p:contains('案件不存在，或不在您单位的辖区内')"}, []string{"table.parties"}
		case unmasked[i] == 1:
			sc.has, sc.hasNot = []string{"#state", "table.parties td:contains('13800000001')"}, []string{"td:contains('138****0001')"}
		case unmasked[i] == 2:
			// The desk that may call the parties back: the phone, not the ID number.
			sc.has = []string{"#state", "table.parties a[href='tel:13800000001']", "table.parties td:contains('330411********0011')"}
			sc.hasNot = []string{"td:contains('138****0001')", "td:contains('330411196505120011')"}
		default:
			sc.has, sc.hasNot = []string{"#state", "table.parties td:contains('138****0001')"}, []string{"td:contains('13800000001')"}
		}
		out = append(out, sc)
	}
	return out
}

// TestReadScenarios opens every page and API read as every kind of user;
// none of these requests changes anything.
func TestReadScenarios(t *testing.T) {
	var table []scenario
	//                                    intake sup  admin medT1 medV1 medG11 medG12 medG21 intT2 supT2 medG31
	table = append(table, matrix("/cases", 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)...)
	table = append(table, matrix("/cases/new", 200, 200, 403, 200, 200, 200, 200, 200, 200, 200, 200)...)
	table = append(table, matrix("/doorstep", 403, 403, 403, 403, 403, 200, 200, 200, 403, 403, 200)...)
	table = append(table, matrix("/overdue", 403, 200, 403, 403, 403, 403, 403, 403, 403, 200, 403)...)
	table = append(table, matrix("/reports", 403, 200, 403, 403, 403, 403, 403, 403, 403, 200, 403)...)
	table = append(table, matrix("/sweeps", 403, 403, 403, 200, 200, 200, 200, 200, 403, 403, 200)...)
	table = append(table, matrix("/audit", 403, 200, 200, 403, 403, 403, 403, 403, 403, 200, 403)...)
	table = append(table, matrix("/admin", 403, 403, 200, 403, 403, 403, 403, 403, 403, 403, 403)...)
	table = append(table, matrix("/sessions", 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)...)
	table = append(table, matrix("/password", 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)...)
	table = append(table, casePage("grid",
		[]int{200, 200, 200, 200, 200, 200, 404, 404, 404, 404, 404},
		[]int{2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0})...)
	table = append(table, casePage("registered",
		[]int{200, 200, 200, 200, 200, 404, 200, 404, 404, 404, 404},
		[]int{1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0})...)
	// The village's committee sealed the grid's agreement: it sees the
	// particulars it prints.
	table = append(table, casePage("agreed",
		[]int{200, 200, 200, 200, 200, 200, 404, 404, 404, 404, 404},
		[]int{2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0})...)
	table = append(table, casePage("other",
		[]int{404, 404, 404, 404, 404, 404, 404, 404, 200, 200, 200},
		[]int{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0})...)
	table = append(table, []scenario{
		// The buttons of the case page, exactly as the workflow table grants them.
		{name: "grid mediator's buttons", user: "mediator@G11", path: "/cases/{grid}", status: 200,
			actions: []string{"escalate", "agree", "fail", "withdraw", "refer", "session", "note", "add_party", "assign", "suspend", "extend", "risk",
				"rights_notice", "attach", "report_police"}},
		{name: "desk's buttons on a registered case", user: "intake@T1", path: "/cases/{registered}", status: 200,
			actions: []string{"accept_grid", "accept_village", "accept_town", "reject", "withdraw", "refer", "note", "add_party", "risk", "rights_notice", "attach", "report_police"}},
		{name: "village mediator on a grid case", user: "mediator@V1", path: "/cases/{grid}", status: 200, actions: []string{"note", "risk"}},
		{name: "supervisor on an agreement", user: "supervisor@T1", path: "/cases/{agreed}", status: 200,
			actions: []string{"remediate", "note", "attach"}},
		{name: "the mediator's one 回访 on an agreement", user: "mediator@G11", path: "/cases/{agreed}", status: 200,
			actions: []string{"visit", "remediate", "note", "confirm", "attach"}},
		{name: "the 回访 form offers its three outcomes", user: "mediator@G11", path: "/cases/{agreed}/do/visit", status: 200,
			has: []string{"input[name=outcome][value=followup]", "input[name=outcome][value=fulfil]", "input[name=outcome][value=close_unperformed]",
				"input[name=routes][value=申请强制执行]", "input[name='visit.visited']"}},
		{name: "supervisor on a grid case", user: "supervisor@T1", path: "/cases/{grid}", status: 200,
			actions: []string{"escalate", "refer", "note", "add_party", "assign", "suspend", "extend", "supervise", "risk", "rights_notice", "attach", "report_police"}},
		{name: "the notice of rights is due before the first session", user: "mediator@G11", path: "/cases/{grid}", status: 200,
			has: []string{"#notice-due:contains('尚未记录本委员会的权利义务告知')"}},
		{name: "the handling unit's mediator taps a phone to call", user: "mediator@G11", path: "/cases/{grid}", status: 200,
			has: []string{".parties a[href='tel:13800000001']"}},
		{name: "the desk calls the parties back within 30 days", user: "intake@T1", path: "/cases/{grid}", status: 200,
			has: []string{".parties a[href='tel:13800000001']", ".parties td:contains('330411********0011')"}},
		{name: "a mediator of another unit sees the phone masked", user: "mediator@V1", path: "/cases/{grid}", status: 200,
			has: []string{".parties td:contains('138****0001')"}, hasNot: []string{".parties a[href^='tel:']"}},
		{name: "an agreement's case has no such reminder", user: "mediator@G11", path: "/cases/{agreed}", status: 200, hasNot: []string{"#notice-due"}},
		{name: "the case file as JSON", user: "mediator@G11", path: "/api/v1/cases/{agreed}/file", status: 200,
			contains: []string{`"kind":"written"`, `"title":"人民调解协议书"`, `"confirm_by":"`, `"phone":"13800000001"`}},
		{name: "the case file outside the subtree", user: "intake@T2", path: "/api/v1/cases/{agreed}/file", status: 404},
		{name: "the whole printed file", user: "mediator@G11", path: "/cases/{agreed}/documents", status: 200,
			has: []string{"#doc-cover:contains('人民调解卷宗')", "#doc-contents:contains('卷内目录')", "article.doc h1:contains('人民调解协议书')"}},
		{name: "one printed document", user: "mediator@G11", path: "/cases/{agreed}/documents/application", status: 200,
			has: []string{"#doc-application h1:contains('人民调解申请书')"}, hasNot: []string{"#doc-cover"}},
		{name: "no such document", user: "mediator@G11", path: "/cases/{agreed}/documents/nothing", status: 404},
		{name: "admin has no buttons", user: "admin@T1", path: "/cases/{grid}", status: 200, actions: []string{}},
		{name: "desk on a grid case", user: "intake@T1", path: "/cases/{grid}", status: 200, actions: []string{"note", "add_party", "risk", "rights_notice", "attach", "report_police"}},
		// Forms of actions.
		{name: "escalate form", user: "mediator@G11", path: "/cases/{grid}/do/escalate", status: 200,
			has: []string{"#action-form select[name=reason] option:contains('调解不成')", "input[name=version][value='{grid.v}']", "button#submit:contains('上报村(社区)')"}},
		{name: "agree form", user: "mediator@G11", path: "/cases/{grid}/do/agree", status: 200, has: []string{"textarea[name='agreement.terms']"}},
		{name: "a person's escalation reasons leave out the scheduler's", user: "mediator@G11", path: "/cases/{grid}/do/escalate", status: 200,
			has:    []string{"select[name=reason] option:contains('调解不成')", "textarea[name=note]"},
			hasNot: []string{"select[name=reason] option:contains('超期自动上报')"}},
		{name: "a grid mediator's registration accepts at the grid only", user: "mediator@G11", path: "/cases/new", status: 200,
			has:    []string{"input[name=decision][value=register]", "input[name=decision][value=accept_grid][checked]"},
			hasNot: []string{"input[name=decision][value=accept_village]", "input[name=decision][value=accept_town]", "input[name=decision][value=reject]"}},
		{name: "the desk's registration offers every decision", user: "intake@T1", path: "/cases/new", status: 200,
			has: []string{"input[name=decision][value=accept_grid]", "input[name=decision][value=accept_town]", "input[name=decision][value=reject]"}},
		{name: "hand down is not offered at the grid", user: "mediator@V1", path: "/cases/{grid}/do/hand_down", status: 403},
		{name: "accept form", user: "intake@T1", path: "/cases/{registered}/do/accept_village", status: 200, has: []string{"select[name=unit] option"}},
		{name: "reject form", user: "intake@T1", path: "/cases/{registered}/do/reject", status: 200, has: []string{"input[name=routes][value='诉讼']"}},
		{name: "assign form lists the unit's mediators", user: "mediator@G11", path: "/cases/{grid}/do/assign", status: 200,
			has: []string{"select[name=mediator] option:contains('mediator@G11')"}},
		{name: "escalate form, wrong unit", user: "mediator@G12", path: "/cases/{grid}/do/escalate", status: 404},
		{name: "escalate a registered case", user: "intake@T1", path: "/cases/{registered}/do/escalate", status: 403,
			has: []string{"main p:contains('已登记·待受理')"}},
		{name: "no such action", user: "mediator@G11", path: "/cases/{grid}/do/fly", status: 404},
		{name: "no such case", user: "intake@T1", path: "/cases/999999", status: 404},
		{name: "not a case id", user: "intake@T1", path: "/cases/abc", status: 404},
		// Printed documents.
		{name: "receipt", user: "intake@T1", path: "/cases/{registered}/receipt", status: 200, has: []string{"#receipt:contains('{registered.code}')",
			"#committee-phone:contains('油车港镇')", "#committee-phone a[href='tel:0573-83001']"}},
		{name: "receipt outside the subtree", user: "intake@T2", path: "/cases/{registered}/receipt", status: 404},
		{name: "agreement for the handling unit", user: "mediator@G11", path: "/cases/{agreed}/agreements/{agreed.agreement}", status: 200,
			has: []string{"#doc-agreement-{agreed.agreement}:contains('麟湖村人民调解委员会（印）')", "#doc-agreement-{agreed.agreement}:contains('13800000001')"}},
		{name: "agreement for the town, masked", user: "supervisor@T1", path: "/cases/{agreed}/agreements/{agreed.agreement}", status: 200,
			has: []string{"#doc-agreement-{agreed.agreement}:contains('138****0001')"}, hasNot: []string{".doc:contains('13800000001')"}},
		{name: "no such agreement", user: "mediator@G11", path: "/cases/{agreed}/agreements/999999", status: 404},
		// Lists and queues.
		{name: "the grid mediator's queue", user: "mediator@G11", path: "/cases", status: 200,
			has:    []string{"main h1:contains('我的待办')", "td a:contains('{grid.number}')", "td a:contains('{agreed.number}')"},
			hasNot: []string{"td a:contains('{registered.number}')"}},
		{name: "the desk's list", user: "intake@T1", path: "/cases", status: 200,
			has: []string{"td a:contains('{grid.number}')", "td a:contains('{registered.number}')", "td a:contains('{agreed.number}')",
				"#awaiting a:contains('{registered.number}')", "#awaiting-feedback:contains('待反馈的移交')",
				"#awaiting-feedback p:contains('{referred.number}'):contains('未签收')"},
			hasNot: []string{"td a:contains('{other.number}')", "#awaiting a:contains('{grid.number}')", "#awaiting-feedback a:contains('{grid.number}')"}},
		{name: "a filtered list is the list alone", user: "intake@T1", path: "/cases?state=grid", status: 200, hasNot: []string{"#awaiting"}},
		{name: "the desk's navigation counts what awaits its decision", user: "intake@T1", path: "/sessions", status: 200,
			has: []string{"nav a[href='/cases'] .count:contains('1')"}},
		{name: "a mediator's navigation counts the unit's work", user: "mediator@G11", path: "/sessions", status: 200,
			has: []string{"nav a[href='/cases'] .count[title='本单位在办']:contains('2')"}},
		{name: "a village with nothing in hand shows no count", user: "mediator@V1", path: "/sessions", status: 200,
			hasNot: []string{"nav .count"}},
		{name: "the supervisor's queue counts each unit's cases", user: "supervisor@T1", path: "/cases", status: 200,
			has:    []string{"#by-unit tr:contains('麟湖村第1网格') td[data-label='在办']:contains('1')", "td a:contains('{grid.number}')"},
			hasNot: []string{"#awaiting", "#overdue-cases", "#by-unit tr:contains('新塍镇')", "td a:contains('{other.number}')"}},
		{name: "the desk's queue through the API", user: "intake@T1", path: "/api/v1/queue", status: 200,
			contains: []string{`"count":1`, `"awaiting":[{"id":{registered}`, `"units":[]`}, lacks: []string{`"number":"{other.number}"`}},
		{name: "the supervisor's queue through the API", user: "supervisor@T1", path: "/api/v1/queue", status: 200,
			contains: []string{`"count":0`, `{"unit":"G11","name":"麟湖村第1网格","open":1,"overdue":0,"pressed":0}`, `"awaiting":[]`}},
		{name: "the mediator's queue through the API", user: "mediator@G11", path: "/api/v1/queue", status: 200,
			contains: []string{`"count":2`, `"follow_ups":[]`, `"pressed":[]`}},
		{name: "the queue needs a login", path: "/api/v1/queue", status: 401},
		{name: "the grid mediator's notifications", user: "mediator@G11", path: "/notifications", status: 200,
			has: []string{"#notifications li.unread[data-kind=routed] button:contains('{grid.number}')", "#read-all",
				"#nav-notifications .count:contains('2')"}},
		{name: "the grid mediator's notifications through the API", user: "mediator@G11", path: "/api/v1/notifications", status: 200,
			contains: []string{`"unread":2`, `"case_id":{grid},"case_number":"{grid.number}","kind":"routed","text":"受理·分流到网格：邻里纠纷转由麟湖村第1网格调解`,
				`"read":false`}},
		{name: "a desk with no notification", user: "intake@T1", path: "/notifications", status: 200,
			has: []string{"#notifications li:contains('没有通知')"}, hasNot: []string{"#read-all", "#nav-notifications .count"}},
		{name: "a mediator's queue has no desk's lists", user: "mediator@G11", path: "/cases", status: 200,
			hasNot: []string{"#awaiting", "#by-unit", "#follow-ups"}},
		{name: "another town's desk awaits nothing of this town", user: "intake@T2", path: "/cases", status: 200,
			has: []string{"#awaiting p:contains('没有待受理的纠纷')"}},
		{name: "filter by state", user: "intake@T1", path: "/cases?state=registered", status: 200,
			has: []string{"td a:contains('{registered.number}')"}, hasNot: []string{"td a:contains('{grid.number}')"}},
		{name: "search a party", user: "intake@T1", path: "/cases?q=" + url.QueryEscape("李四"), status: 200,
			has: []string{"td a:contains('{grid.number}')"}},
		{name: "search a number", user: "intake@T1", path: "/cases?q={registered.number}", status: 200,
			has: []string{"td a:contains('{registered.number}')"}, hasNot: []string{"td a:contains('{grid.number}')"}},
		{name: "overdue list is empty", user: "supervisor@T1", path: "/overdue", status: 200, has: []string{"p.card:contains('没有超期案件')"}},
		// Reports.
		{name: "report of the town", user: "supervisor@T1", path: "/reports?unit=T1&month=2026-10", status: 200,
			has: []string{"#summary td:contains('调解成功率')", "a#csv[href*='period=2026-10']", "svg"}},
		{name: "report of another town", user: "supervisor@T1", path: "/reports?unit=T2&month=2026-10", status: 403},
		{name: "report of a village", user: "supervisor@T1", path: "/reports?unit=V1&month=2026-10", status: 200, has: []string{"#summary"}},
		{name: "report of a bad month", user: "supervisor@T1", path: "/reports?unit=T1&month=2026-13", status: 422},
		{name: "report of a quarter", user: "supervisor@T1", path: "/reports?unit=T1&period=2026Q4", status: 200,
			has: []string{"main h1:contains('油车港镇 2026Q4')", "a#moj[href*='period=2026Q4']", "#summary th:contains('去年同期')"}},
		{name: "report of a year", user: "supervisor@T1", path: "/reports?unit=V1&period=2026", status: 200,
			has: []string{"main h1:contains('麟湖村 2026')", "#headline a[href*='unit=V1'][href*='period=2026']"}},
		{name: "report of a bad period", user: "supervisor@T1", path: "/reports?unit=T1&period=2026Q5", status: 422,
			has: []string{"main p:contains('统计期')"}},
		{name: "the report as JSON", user: "supervisor@T1", path: "/api/v1/reports?unit=T1&period=2026Q4", status: 200,
			contains: []string{`"period":"2026Q4"`, `"by_source_moj"`, `"mediated"`, `"group_petition"`}},
		{name: "the report of a month as JSON keeps the month", user: "supervisor@T1", path: "/api/v1/reports?unit=T1&period=2026-10", status: 200,
			contains: []string{`"period":"2026-10","month":"2026-10"`}},
		{name: "the report API for a mediator", user: "mediator@G11", path: "/api/v1/reports?unit=T1&period=2026", status: 403},
		{name: "the Ministry's table", user: "supervisor@T1", path: "/reports/export.moj.csv?unit=T1&period=2026", status: 200,
			contains: []string{"人民调解工作统计表", "单位,调解纠纷数,调解成功数,调解成功率", "合计,"}},
		{name: "cases behind a figure", user: "supervisor@T1", path: "/reports/cases?unit=T1&month=2026-10&figure=registered", status: 200,
			has: []string{"#figure-cases"}},
		{name: "an unknown figure", user: "supervisor@T1", path: "/reports/cases?unit=T1&month=2026-10&figure=nope", status: 422},
		{name: "CSV export", user: "supervisor@T1", path: "/reports/export.csv?unit=T1&month=2026-10", status: 200, contains: []string{"调解成功率(%)"}},
		{name: "XLSX export", user: "supervisor@T1", path: "/reports/export.xlsx?unit=T1&month=2026-10", status: 200, contains: []string{"PK"}},
		{name: "CSV for a mediator", user: "mediator@G11", path: "/reports/export.csv?unit=T1&month=2026-10", status: 403},
		// The JSON API.
		{name: "API list", user: "intake@T2", path: "/api/v1/cases", status: 200, contains: []string{`"total":1`, "{other.number}"}},
		{name: "API case, unmasked for the handling unit", user: "mediator@G11", path: "/api/v1/cases/{grid}", status: 200,
			contains: []string{`"phone":"13800000001"`, `"state":"grid"`}},
		{name: "API case, masked in the subtree", user: "mediator@V1", path: "/api/v1/cases/{grid}", status: 200,
			contains: []string{`"phone":"138****0001"`}, lacks: []string{"13800000001"}},
		{name: "API case outside the subtree", user: "intake@T2", path: "/api/v1/cases/{grid}", status: 404, contains: []string{`"code":"not_found"`}},
		{name: "API timeline", user: "mediator@G11", path: "/api/v1/cases/{agreed}/events", status: 200,
			contains: []string{`"name":"accept_grid"`, `"name":"agree"`}},
		{name: "API workflow", user: "mediator@G11", path: "/api/v1/workflow", status: 200,
			contains: []string{`"event":"escalate"`, `"optional":["note"]`, "stateDiagram"}},
		{name: "API routing", user: "intake@T1", path: "/api/v1/route?category=" + url.QueryEscape("劳动争议") + "&people=6", status: 200,
			contains: []string{`"level":"town"`, `"event":"accept_town"`}},
		{name: "API without a login", path: "/api/v1/cases", status: 401, contains: []string{`"code":"unauthorized"`}},
		{name: "OpenAPI document", path: "/api/v1/openapi.json", status: 200, contains: []string{`"/cases/{id}/events/escalate"`, `"/cases/{id}/activities/note"`}},
		// Public pages.
		{name: "health", path: "/healthz", status: 200, contains: []string{"ok"}},
		{name: "stylesheet", path: "/static/app.css", status: 200},
		{name: "missing static file", path: "/static/nope.css", status: 404},
		{name: "login page", path: "/login", status: 200, has: []string{"form[action='/login'] input[name=password]"}},
		{name: "lookup page", path: "/lookup", status: 200, has: []string{"form#lookup input[name=code]"}},
		{name: "pages need a login", path: "/cases", status: 303},
		{name: "a case needs a login", path: "/cases/{grid}", status: 303},
		{name: "the root goes to the list", user: "intake@T1", path: "/", status: 303},
		{name: "a logged-in user skips the login page", user: "intake@T1", path: "/login", status: 303},
		// The unmasked views above are in the audit trail.
		{name: "the admin reads every unmasked view", user: "admin@T1", path: "/audit", status: 200,
			has: []string{"#audit td:contains('查看完整身份信息')", "#audit a:contains('{grid.number}')", "#audit a:contains('{other.number}')",
				"#audit td:contains('/cases/{grid}')"}},
		{name: "a supervisor reads their subtree's", user: "supervisor@T2", path: "/audit", status: 200,
			has: []string{"#audit a:contains('{other.number}')"}, hasNot: []string{"#audit a:contains('{grid.number}')"}},
	}...)
	if len(table) < 150 {
		t.Fatalf("%d read scenarios", len(table))
	}
	s := newSite(t)
	clients := map[string]*client{}
	for _, sc := range table {
		t.Run(sc.name, func(t *testing.T) { s.run(t, clients, sc) })
	}
}

// TestWriteScenarios posts forms and JSON as every kind of user, each on a
// fresh site: what the workflow table grants changes the case by one
// version, the rest changes nothing.
func TestWriteScenarios(t *testing.T) {
	post := func(v ...string) url.Values {
		form := url.Values{}
		for i := 0; i+1 < len(v); i += 2 {
			form.Add(v[i], v[i+1])
		}
		return form
	}
	P := http.MethodPost
	for _, sc := range []scenario{
		{name: "grid mediator escalates", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "调解不成"), status: 303, moves: map[string]int{"grid": 1},
			flash: "已上报：现由麟湖村调解，本阶段期限至"},
		{name: "another grid's mediator may not", user: "mediator@G12", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "调解不成"), status: 404, has: []string{"main p:contains('案件不存在')"}},
		{name: "the desk may not escalate", user: "intake@T1", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "调解不成"), status: 403},
		{name: "the village mediator may not escalate the grid's case", user: "mediator@V1", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "调解不成"), status: 403},
		{name: "another town's supervisor may not", user: "supervisor@T2", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "调解不成"), status: 404},
		{name: "escalation needs a reason", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}"), status: 422, has: []string{"p.error:contains('有1处需要更正')", ".field-error:contains('请填写原因')"}},
		{name: "only the scheduler escalates for lateness", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "超期自动上报"), status: 422, has: []string{".field-error:contains('只由系统')"}},
		{name: "a stale version", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "1", "reason", "调解不成"), status: 409, has: []string{"p.error:contains('您打开本页之后，本案有了变化：')", "p.error:contains('受理·分流到网格')", "#action-form option[selected]:contains('调解不成')"}},
		{name: "a forged CSRF token", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate", noCSRF: true,
			form: post("version", "{grid.v}", "reason", "调解不成", "csrf", "forged"), status: 403, has: []string{"main p:contains('表单已过期')"}},
		{name: "a form without its version", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate",
			form: post("reason", "调解不成"), status: 400, has: []string{"main p:contains('请求缺少案件版本')"}},
		{name: "nobody logged in", method: P, path: "/cases/{grid}/do/escalate", form: post("version", "{grid.v}", "reason", "调解不成"), status: 303},
		{name: "a note by the grid mediator", user: "mediator@G11", method: P, path: "/cases/{grid}/do/note",
			form: post("version", "{grid.v}", "note", "电话联系了双方"), status: 303, moves: map[string]int{"grid": 1},
			flash: "已记录：备注。"},
		{name: "a note in the village's subtree", user: "mediator@V1", method: P, path: "/cases/{grid}/do/note",
			form: post("version", "{grid.v}", "note", "村里了解情况"), status: 303, moves: map[string]int{"grid": 1}},
		{name: "an empty note", user: "mediator@G11", method: P, path: "/cases/{grid}/do/note", form: post("version", "{grid.v}"),
			status: 422, has: []string{".field-error:contains('请填写内容')"}},
		{name: "the supervisor presses", user: "supervisor@T1", method: P, path: "/cases/{grid}/do/supervise",
			form: post("version", "{grid.v}", "note", "请三日内办结"), status: 303, moves: map[string]int{"grid": 1}, flash: "已记录：督办。"},
		{name: "a mediator may not press", user: "mediator@G11", method: P, path: "/cases/{grid}/do/supervise",
			form: post("version", "{grid.v}", "note", "请三日内办结"), status: 403},
		{name: "resume is not offered on a running clock", user: "mediator@G11", path: "/cases/{grid}/do/resume", status: 409,
			has: []string{"main p:contains('本案现在不能恢复计时')"}},
		{name: "no 回访 form on a case in mediation", user: "mediator@G11", path: "/cases/{grid}/do/visit", status: 403},
		{name: "no judicial confirmation of an agreement still in mediation", user: "mediator@G11", path: "/cases/{grid}/do/confirm", status: 403},
		{name: "no archiving of an open case", user: "mediator@G11", path: "/cases/{grid}/do/archive", status: 403},
		{name: "the desk may not record a 回访", user: "intake@T1", path: "/cases/{agreed}/do/visit", status: 403},
		{name: "resume a clock that runs", user: "mediator@G11", method: P, path: "/cases/{grid}/do/resume",
			form: post("version", "{grid.v}", "reason", "当事人回来了"), status: 409, has: []string{"main p:contains('本案现在不能恢复计时')"}},
		{name: "suspend the clock", user: "mediator@G11", method: P, path: "/cases/{grid}/do/suspend",
			form: post("version", "{grid.v}", "reason", "当事人外出务工"), status: 303, moves: map[string]int{"grid": 1}, flash: "已记录：暂停计时。"},
		{name: "a written agreement", user: "mediator@G11", method: P, path: "/cases/{grid}/do/agree",
			form: post("version", "{grid.v}", "agreement.kind", "written", "agreement.terms", "李四疏通水沟", "agreement.performance", "三日内",
				"agreement.amount", "1,200.50", "agreement.due", "2026-12-31"), status: 303, moves: map[string]int{"grid": 1},
			flash: "已达成协议：案件现为“已达成协议·履行中”。"},
		{name: "a written agreement needs its performance", user: "mediator@G11", method: P, path: "/cases/{grid}/do/agree",
			form: post("version", "{grid.v}", "agreement.kind", "written", "agreement.terms", "李四疏通水沟"), status: 422,
			has: []string{".field-error:contains('履行方式')"}},
		{name: "a bad agreement amount", user: "mediator@G11", method: P, path: "/cases/{grid}/do/agree",
			form: post("version", "{grid.v}", "agreement.kind", "oral", "agreement.terms", "赔偿", "agreement.amount", "很多"), status: 422,
			has: []string{".field-error:contains('金额')"}},
		{name: "the desk accepts to the suggested grid", user: "intake@T1", method: P, path: "/cases/{registered}/do/accept_grid",
			form: post("version", "{registered.v}"), status: 303, moves: map[string]int{"registered": 1},
			flash: "已受理·分流到网格：现由麟湖村第2网格调解，本阶段期限至"},
		{name: "another level needs a reason", user: "intake@T1", method: P, path: "/cases/{registered}/do/accept_town",
			form: post("version", "{registered.v}"), status: 422, has: []string{"#route-hint:contains('分流建议为网格（简单纠纷，就地化解）。')",
				".field-error:contains('改为镇(街道)须说明理由')", "textarea[name=reason]"}},
		{name: "another level with its reason", user: "intake@T1", method: P, path: "/cases/{registered}/do/accept_town",
			form: post("version", "{registered.v}", "reason", "涉及村干部，由镇调委会调解更妥"), status: 303, moves: map[string]int{"registered": 1},
			flash: "已受理·分流到镇(街道)"},
		{name: "the desk refuses with the routes told", user: "intake@T1", method: P, path: "/cases/{registered}/do/reject",
			form: post("version", "{registered.v}", "reason", "当事人拒绝调解", "routes", "诉讼", "routes", "仲裁"), status: 303,
			moves: map[string]int{"registered": 1}, flash: "已不予受理：案件现为“不予受理”。"},
		{name: "a refusal needs the routes", user: "intake@T1", method: P, path: "/cases/{registered}/do/reject",
			form: post("version", "{registered.v}", "reason", "当事人拒绝调解"), status: 422, has: []string{".field-error:contains('其他解决途径')"}},
		{name: "the desk of another town", user: "intake@T2", method: P, path: "/cases/{registered}/do/accept_grid",
			form: post("version", "{registered.v}"), status: 404},
		{name: "refer to the police", user: "intake@T1", method: P, path: "/cases/{registered}/do/refer",
			form: post("version", "{registered.v}", "partner", "派出所", "reason", "有民转刑风险"), status: 303, moves: map[string]int{"registered": 1},
			flash: "已移交：案件现为“已移交·待反馈”。"},
		{name: "the supervisor does not record the 回访", user: "supervisor@T1", method: P, path: "/cases/{agreed}/do/fulfil",
			form: post("version", "{agreed.v}", "visit.visited", "张三", "visit.findings", "已履行"), status: 403},
		{name: "the supervisor does not record an agreement", user: "supervisor@T1", method: P, path: "/cases/{grid}/do/agree",
			form: post("version", "{grid.v}", "agreement.kind", "oral", "agreement.terms", "道歉"), status: 403},
		{name: "the mediator closes the agreement after the 回访", user: "mediator@G11", method: P, path: "/cases/{agreed}/do/fulfil",
			form: post("version", "{agreed.v}", "visit.visited", "张三", "visit.findings", "已履行"), status: 303, moves: map[string]int{"agreed": 1}},
		{name: "a 回访 needs its findings", user: "mediator@G11", method: P, path: "/cases/{agreed}/do/followup",
			form: post("version", "{agreed.v}", "visit.visited", "张三"), status: 422, has: []string{".field-error:contains('回访情况')"}},
		{name: "the one 回访 form records a visit", user: "mediator@G11", method: P, path: "/cases/{agreed}/do/visit",
			form: post("version", "{agreed.v}", "outcome", "followup", "visit.visited", "张三", "visit.findings", "正在分期付款"), status: 303,
			moves: map[string]int{"agreed": 1}, flash: "已记录：回访记录。"},
		{name: "the one 回访 form closes a performed agreement", user: "mediator@G11", method: P, path: "/cases/{agreed}/do/visit",
			form: post("version", "{agreed.v}", "outcome", "fulfil", "visit.visited", "张三", "visit.findings", "已付清"), status: 303,
			moves: map[string]int{"agreed": 1}, flash: "已回访·履行完毕：案件现为“履行完毕·结案”。"},
		{name: "a 回访 closing an unperformed agreement needs the routes", user: "mediator@G11", method: P, path: "/cases/{agreed}/do/visit",
			form: post("version", "{agreed.v}", "outcome", "close_unperformed", "visit.visited", "张三", "visit.findings", "拒不履行"), status: 422,
			has: []string{"div:has(input[name=routes]) .field-error", "input[name=outcome][value=close_unperformed][checked]"}},
		{name: "a 回访 without its outcome", user: "mediator@G11", method: P, path: "/cases/{agreed}/do/visit",
			form: post("version", "{agreed.v}", "visit.visited", "张三", "visit.findings", "已付清"), status: 422,
			has: []string{"#outcomes .field-error:contains('请选择回访结果')"}},
		{name: "no 回访 on a case in mediation", user: "mediator@G11", method: P, path: "/cases/{grid}/do/visit",
			form: post("version", "{grid.v}", "outcome", "followup", "visit.visited", "张三", "visit.findings", "已付清"), status: 403},
		{name: "the report form offers the partner bodies", user: "mediator@G11", path: "/cases/{grid}/do/report_police", status: 200,
			has: []string{"select[name=partner] option:contains('派出所')", "textarea[name=note]"}},
		{name: "a mediator reports a risk to the police and mediates on", user: "mediator@G11", method: P, path: "/cases/{grid}/do/report_police",
			form: post("version", "{grid.v}", "partner", "派出所", "note", "一方扬言报复"), status: 303, moves: map[string]int{"grid": 1},
			flash: "已记录：报告公安。"},
		{name: "a report needs what was reported", user: "mediator@G11", method: P, path: "/cases/{grid}/do/report_police",
			form: post("version", "{grid.v}", "partner", "派出所"), status: 422, has: []string{"select[name=partner]", ".field-error"}},
		{name: "add a party", user: "intake@T1", method: P, path: "/cases/{registered}/do/add_party",
			form:   post("version", "{registered.v}", "parties.0.side", "respondent", "parties.0.name", "王五", "parties.0.phone", "13900000003"),
			status: 303, moves: map[string]int{"registered": 1}, flash: "已记录：添加当事人。"},
		{name: "a party with a bad ID number", user: "intake@T1", method: P, path: "/cases/{registered}/do/add_party",
			form:   post("version", "{registered.v}", "parties.0.side", "respondent", "parties.0.name", "王五", "parties.0.id_number", "123"),
			status: 422, has: []string{".field-error:contains('身份证号码')"}},
		{name: "API escalation", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/escalate",
			json: `{"version":{grid.v},"reason":"调解不成"}`, status: 200, contains: []string{`"state":"village"`}, moves: map[string]int{"grid": 1}},
		{name: "API, stale version", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/escalate",
			json: `{"version":1,"reason":"调解不成"}`, status: 409, contains: []string{`"code":"conflict"`}},
		{name: "API, unknown field", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/escalate",
			json: `{"version":{grid.v},"reason":"调解不成","urgent":true}`, status: 400, contains: []string{`未知字段 \"urgent\"`}},
		{name: "API, no version", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/escalate",
			json: `{"reason":"调解不成"}`, status: 400, contains: []string{`"field":"version"`, "请求缺少案件版本"}},
		{name: "API, a body over 1 MiB", user: "mediator@G11", path: "/api/v1/cases/{grid}/activities/note",
			json: `{"version":{grid.v},"note":"` + strings.Repeat("调", 400000) + `"}`, status: 413, contains: []string{"超过上限"}},
		{name: "API, NUL in a note", user: "mediator@G11", path: "/api/v1/cases/{grid}/activities/note",
			json: `{"version":{grid.v},"note":"电话\u0000联系"}`, status: 400, contains: []string{`"field":"note"`, "无效的字符"}},
		{name: "API, a note of 20,001 characters", user: "mediator@G11", path: "/api/v1/cases/{grid}/activities/note",
			json: `{"version":{grid.v},"note":"` + strings.Repeat("调", 20001) + `"}`, status: 422, contains: []string{`"field":"note"`, "最多20000字"}},
		{name: "API, an agreement of 1e300 yuan", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/agree",
			json: `{"version":{grid.v},"agreement":{"kind":"written","terms":"赔偿","performance":"转账","amount":1e300}}`, status: 422,
			contains: []string{`"field":"agreement.amount"`, "0至100亿元"}},
		{name: "API, an agreement due in 2200", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/agree",
			json: `{"version":{grid.v},"agreement":{"kind":"written","terms":"赔偿","performance":"转账","due":"2200-01-01"}}`, status: 422,
			contains: []string{`"field":"agreement.due"`, "日期应在2000年"}},
		{name: "a form over 2 MiB", user: "mediator@G11", method: P, path: "/cases/{grid}/do/note",
			form: post("version", "{grid.v}", "note", strings.Repeat("调", 800000)), status: 413, has: []string{"main p:contains('超过上限')"}},
		{name: "a form with NUL in its reason", user: "mediator@G11", method: P, path: "/cases/{grid}/do/escalate",
			form: post("version", "{grid.v}", "reason", "调解\x00不成"), status: 400, has: []string{"main p:contains('无效的字符')"}},
		{name: "read every notification", user: "mediator@G11", method: P, path: "/notifications/all/read", status: 303},
		{name: "read every notification through the API", user: "mediator@G11", path: "/api/v1/notifications/all/read", json: `{}`, status: 204},
		{name: "read a notification that is not there", user: "mediator@G11", path: "/api/v1/notifications/999999/read", json: `{}`, status: 404,
			contains: []string{"没有这条通知"}},
		{name: "read another's notification", user: "mediator@V1", method: P, path: "/notifications/1/read", form: post("open", "1"), status: 404},
		{name: "a static file spelled with a broken byte", path: "/static/%ff", status: 404},
		{name: "a static path out of its folder", path: "/static/..%2f..%2fgo.mod", status: 404},
		{name: "a static folder", path: "/static/", status: 404},
		{name: "a new dispute is accepted where the suggestion says by default", user: "intake@T1", path: "/cases/new", status: 200,
			has: []string{"input[name=decision][value=accept_grid][checked]"}, hasNot: []string{"input[name=decision][value=register][checked]"}},
		{name: "setup without its link", path: "/setup", status: 404, has: []string{"main p:contains('系统已经设置过')"}},
		{name: "setup of a database with accounts", path: "/setup?token=abc", status: 404},
		{name: "the console for a supervisor", user: "supervisor@T1", method: P, path: "/admin/accounts/mediator@G11/reset",
			form: post(), status: 403, has: []string{"main p:contains('系统管理员维护')"}},
		{name: "the admin adds a grid", user: "admin@T1", method: P, path: "/admin/units",
			form: post("code", "G13", "name", "麟湖村第3网格", "level", "grid", "parent", "V1"), status: 303},
		{name: "a grid under a town is refused", user: "admin@T1", method: P, path: "/admin/units",
			form: post("code", "G99", "name", "错网格", "level", "grid", "parent", "T1"), status: 422,
			has: []string{"#problem:contains('网格的上级必须是村(社区)')"}},
		{name: "the admin saves the deadlines and a category", user: "admin@T1", method: P, path: "/admin/settings",
			form: post("registered", "2", "grid", "5", "village", "7", "town", "20", "overall", "30", "referred", "15", "agreed", "15",
				"on_overdue_grid", "escalate", "on_overdue_village", "supervise", "categories", "继承=婚姻家庭"), status: 303},
		{name: "a deadline of 0 days is refused", user: "admin@T1", method: P, path: "/admin/settings",
			form:   post("registered", "2", "grid", "0", "village", "7", "town", "20", "overall", "30", "referred", "15", "agreed", "15"),
			status: 422, has: []string{"#problem:contains('1到365天')"}},
		{name: "a grid with open cases stays open", user: "admin@T1", method: P, path: "/admin/units/G11/close", form: post(),
			status: 422, has: []string{"#problem:contains('在办案件')"}},
		{name: "the admin closes a grid", user: "admin@T1", method: P, path: "/admin/units/G21/close", form: post(), status: 303},
		{name: "the admin gives a mediator another unit", user: "admin@T1", method: P, path: "/admin/accounts/mediator@G12/role",
			form: post("role", "mediator", "unit", "G11"), status: 303},
		{name: "API, not JSON", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/escalate", json: `reason=x`, status: 400,
			contains: []string{"不是有效的JSON"}},
		{name: "API, wrong unit", user: "mediator@G12", path: "/api/v1/cases/{grid}/events/escalate",
			json: `{"version":{grid.v},"reason":"调解不成"}`, status: 404, contains: []string{`"code":"not_found"`}},
		{name: "API, no CSRF header", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/escalate", noCSRF: true,
			json: `{"version":{grid.v},"reason":"调解不成"}`, status: 403},
		{name: "API note", user: "mediator@G11", path: "/api/v1/cases/{grid}/activities/note", json: `{"version":{grid.v},"note":"已约谈"}`,
			status: 200, moves: map[string]int{"grid": 1}},
		{name: "API, unknown event", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/fly", json: `{"version":{grid.v}}`, status: 422,
			contains: []string{"未知的操作"}},
		{name: "API, unknown kind", user: "mediator@G11", path: "/api/v1/cases/{grid}/moves/escalate", json: `{}`, status: 404},
		{name: "API, agreement with a date", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/agree",
			json: `{"version":{grid.v},"agreement":{"kind":"oral","terms":"赔偿500元","amount":500,"due":"2026-12-31","oral_confirmed":true}}`, status: 200,
			contains: []string{`"state":"agreed"`}, moves: map[string]int{"grid": 1}},
		{name: "API, an oral agreement with an amount needs the parties' choice", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/agree",
			json: `{"version":{grid.v},"agreement":{"kind":"oral","terms":"赔偿500元","amount":500}}`, status: 422,
			contains: []string{`"field":"agreement.oral_confirmed"`, "建议采用书面协议"}},
		{name: "API, agreement with a bad date", user: "mediator@G11", path: "/api/v1/cases/{grid}/events/agree",
			json: `{"version":{grid.v},"agreement":{"kind":"oral","terms":"赔偿","due":"明天"}}`, status: 422, contains: []string{`"field":"agreement.due"`}},
		{name: "a party looks their case up", method: P, path: "/lookup", form: post("code", "{grid.code}", "phone", "13800000001"),
			status: 200, has: []string{"#lookup-result:contains('{grid.number}')"}, lacks: []string{"张三"}},
		{name: "a wrong phone", method: P, path: "/lookup", form: post("code", "{grid.code}", "phone", "13900000000"),
			status: 404, has: []string{"p.error:contains('查询码或电话号码不正确')"}},
		{name: "a wrong password", method: P, path: "/login", form: post("name", "intake@T1", "password", "wrong-password"),
			status: 401, has: []string{"p.error:contains('用户名或密码错误')"}},
		{name: "the right password", method: P, path: "/login", form: post("name", "intake@T1", "password", password), status: 303},
		{name: "log out", user: "intake@T1", method: P, path: "/logout", status: 303},
		{name: "a grid files its sweep", user: "mediator@G11", method: P, path: "/sweeps",
			form: post("month", "2026-10", "swept_on", "2026-10-12", "households", "80", "disputes_found", "0"), status: 200,
			has: []string{"#sweep-filed"}},
		{name: "the desk may not file a sweep", user: "intake@T1", method: P, path: "/sweeps",
			form: post("month", "2026-10", "swept_on", "2026-10-12", "households", "80", "disputes_found", "0"), status: 403},
	} {
		t.Run(sc.name, func(t *testing.T) {
			s := newSite(t)
			s.run(t, map[string]*client{}, sc)
		})
	}
}

// TestFieldErrors: every invalid form marks each field it names, next to
// its input, and counts them in its summary; nothing is saved.
func TestFieldErrors(t *testing.T) {
	post := func(v ...string) url.Values {
		form := url.Values{"version": {"{grid.v}"}}
		for i := 0; i+1 < len(v); i += 2 {
			form.Add(v[i], v[i+1])
		}
		return form
	}
	marked := func(names ...string) []string {
		out := []string{"p.error:contains('需要更正')"}
		for _, n := range names {
			out = append(out, fmt.Sprintf("label:has([name='%s']) > .field-error", n))
		}
		return out
	}
	P := http.MethodPost
	for _, sc := range []scenario{
		{name: "an empty note", path: "/cases/{grid}/do/note", form: post(), has: marked("note")},
		{name: "an escalation without its reason", path: "/cases/{grid}/do/escalate", form: post(), has: marked("reason")},
		{name: "a session without its record", path: "/cases/{grid}/do/session", form: post(), has: marked("session.record")},
		{name: "an agreement with nothing filled in", path: "/cases/{grid}/do/agree", form: post("agreement.kind", ""),
			has: marked("agreement.terms")},
		{name: "a written agreement without terms or performance", path: "/cases/{grid}/do/agree",
			form: post("agreement.kind", "written", "agreement.amount", "很多"), has: marked("agreement.amount")},
		{name: "an extension of no days", path: "/cases/{grid}/do/extend", form: post("days", "零", "reason", "当事人要求"),
			has: marked("days")},
		{name: "an assignment without a mediator", path: "/cases/{grid}/do/assign", form: post(), has: marked("mediator")},
		{name: "a notice of rights to nobody", path: "/cases/{grid}/do/rights_notice", form: post("notice.to", "", "notice.given", "明天"),
			has: marked("notice.given")},
		{name: "a new party without a name", path: "/cases/{grid}/do/add_party", form: post("parties.0.side", "respondent", "parties.0.phone", "12"),
			has: marked("parties.0.name", "parties.0.phone")},
		{name: "a 回访 with nothing filled in", path: "/cases/{agreed}/do/visit",
			form: url.Values{"version": {"{agreed.v}"}, "outcome": {"followup"}}, has: marked("visit.visited")},
		{name: "a judicial confirmation without its court", path: "/cases/{agreed}/do/confirm",
			form: url.Values{"version": {"{agreed.v}"}, "confirmation.kind": {"applied"}, "confirmation.day": {"2026-11-20"}},
			has:  marked("confirmation.court")},
		{name: "a new dispute with nothing filled in", path: "/cases", form: url.Values{"decision": {"register"}},
			has: append(marked("category", "summary", "people"), "section:has(#parties) > .field-error:contains('请至少登记一位申请方当事人')")},
	} {
		t.Run(sc.name, func(t *testing.T) {
			s := newSite(t)
			sc.user, sc.method, sc.status = "mediator@G11", P, http.StatusUnprocessableEntity
			if sc.path == "/cases" {
				sc.user = "intake@T1"
			}
			s.run(t, map[string]*client{}, sc)
		})
	}
}
