package web_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// textOf returns the text of what sel selects on a page, each element's
// text with its runs of white space made one space, the elements joined
// by " | ".
func textOf(t *testing.T, page, sel string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	doc.Find(sel).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return strings.Join(out, " | ")
}

// TestOverdueAfterExtension: a case escalated to the village late in its
// month misses the overall deadline before the village's own. The
// supervisor's queue and the overdue list then give one figure, on the
// deadline missed, with the parties and the mediator; an extension the
// parties agreed to takes the case off both.
func TestOverdueAfterExtension(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, shanghai)
	now := start
	s := newSiteAt(t, func() time.Time { return now })
	k, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: s.units["G11"].ID,
		People: 2, Risk: engine.RiskGreen, Summary: "两户因宅前通道堆放杂物发生争执。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "陆明华", Phone: "13800000011"}, {Side: engine.SideRespondent, Name: "沈建新"}}},
		engine.Step{Event: workflow.AcceptGrid})
	if err != nil {
		t.Fatal(err)
	}
	now = start.Add(25 * 24 * time.Hour)
	if k, err = s.e.Fire(ctx, engine.System, k.ID, workflow.Escalate, engine.Input{Version: k.Version, Reason: "调解不成"}); err != nil {
		t.Fatal(err)
	}
	var mediator int64
	for _, u := range must(s.e.Mediators(ctx, s.units["V1"].ID)) {
		mediator = u.ID
	}
	if k, err = s.e.Record(ctx, engine.System, k.ID, workflow.Assign, engine.Input{Version: k.Version, Mediator: mediator}); err != nil {
		t.Fatal(err)
	}
	// The overall deadline (30 days from the grid's acceptance) passed a
	// day and a half ago; the village's (7 days from the escalation) has
	// half a day to go.
	now = start.Add(31*24*time.Hour + 12*time.Hour)
	sup := s.login(t, "supervisor@T1")
	late := k.Number + " 邻里 · 村(社区)调解中 · 已超期1天12小时（调解总期限）"
	mine := fmt.Sprintf(":contains('%s')", k.Number)
	if _, page := sup.get("/cases"); textOf(t, page, "#overdue-cases p"+mine) != late {
		t.Errorf("the queue says %q, want %q", textOf(t, page, "#overdue-cases p"+mine), late)
	}
	_, page := sup.get("/overdue")
	row := k.Number + " | 村(社区)调解中 | 邻里 | 陆明华、沈建新 | mediator@V1 | 已超期1天12小时（调解总期限） | —"
	if got := textOf(t, page, "tr.overdue"+mine+" td:not(:last-child)"); got != row {
		t.Errorf("the overdue list says %q, want %q", got, row)
	}
	if h := textOf(t, page, "section:first-of-type thead th"); h != "案号 | 状态 | 类型 | 当事人 | 调解员 | 超期 | 督办 | " {
		t.Errorf("the overdue list's columns: %q", h)
	}

	sup.get(casePath(k, "/do/extend"))
	if code, _ := sup.post(casePath(k, "/do/extend"), url.Values{"version": {fmt.Sprint(k.Version)}, "days": {"10"},
		"consent": {"1"}, "reason": {"双方同意继续由村调委会调解"}}); code != 303 {
		t.Fatalf("extend: %d", code)
	}
	if _, page := sup.get("/cases"); strings.Contains(textOf(t, page, "#overdue-cases"), k.Number) {
		t.Errorf("the queue still lists the extended case as overdue: %s", textOf(t, page, "#overdue-cases"))
	}
	if _, page := sup.get("/overdue"); strings.Contains(textOf(t, page, "main"), k.Number) || !strings.Contains(page, "共 3 件") {
		t.Errorf("the overdue list still lists the extended case: %s", textOf(t, page, "main"))
	}
	_, page = sup.get(casePath(k, ""))
	for _, want := range []string{
		"村(社区)调解期限：2026-04-13 09:00（剩余10天12小时）",
		"调解总期限：2026-04-11 09:00（剩余8天12小时）",
		"2026-04-02 21:00 supervisor@T1延长10天：双方同意继续由村调委会调解（双方当事人同意）",
	} {
		if !strings.Contains(textOf(t, page, "#deadlines"), want) {
			t.Errorf("the case's deadlines lack %q: %s", want, textOf(t, page, "#deadlines"))
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var agreementLink = regexp.MustCompile(`href="(/cases/\d+/documents/agreement-\d+)"`)

// TestConfirmWindowShownOnce: the last day to apply for judicial
// confirmation reads the same on the case page, the form that records the
// application, the agreement and the party's lookup; once the parties
// applied, no page counts it down, and the agreement still prints it.
func TestConfirmWindowShownOnce(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, shanghai)
	s := newSiteAt(t, func() time.Time { return now })
	k, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "损害赔偿", LocationID: s.units["G11"].ID,
		People: 2, Risk: engine.RiskGreen, Summary: "电动车碰撞致一方受伤，双方就赔偿数额发生争议。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "朱丽萍", Phone: "13800000021"}, {Side: engine.SideRespondent, Name: "顾永强"}}},
		engine.Step{Event: workflow.AcceptGrid}, engine.Step{Event: workflow.Agree,
			Input: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten, Terms: "顾永强赔偿朱丽萍医药费3000元", Performance: "当面支付"}}})
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * 24 * time.Hour)
	const last = "2026年10月8日17时前"
	m := s.login(t, "mediator@G11")
	party := s.client(t)
	party.get("/lookup")
	lookup := func() string {
		_, page := party.post("/lookup", url.Values{"code": {k.Code}, "phone": {"13800000021"}})
		return textOf(t, page, "#confirm-by")
	}
	_, page := m.get(casePath(k, ""))
	if got := textOf(t, page, "#deadlines .deadline:contains('司法确认')"); !strings.HasPrefix(got, "司法确认申请期限："+last+"（剩余") {
		t.Errorf("the case page says %q", got)
	}
	link := agreementLink.FindStringSubmatch(page)
	if link == nil {
		t.Fatal("the case page lists no agreement")
	}
	_, page = m.get(casePath(k, "/do/confirm"))
	if got := textOf(t, page, "#action-form p.muted"); got != "申请期限："+last+"。" {
		t.Errorf("the form says %q", got)
	}
	_, agreement := m.get(link[1])
	clause := "双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向人民法院申请司法确认（" + last + "）。"
	if got := textOf(t, agreement, "#confirmation-clause"); got != clause {
		t.Errorf("the agreement says %q", got)
	}
	if got := lookup(); got != "司法确认申请期限："+last+"（双方共同向人民法院申请）" {
		t.Errorf("the lookup says %q", got)
	}

	current, err := s.db.FindCase(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := m.post(casePath(k, "/do/confirm"), url.Values{"version": {fmt.Sprint(current.Version)}, "confirmation.kind": {engine.ConfirmApplied},
		"confirmation.court": {"嘉兴市秀洲区人民法院"}, "confirmation.day": {"2026-09-04"}}); code != 303 {
		t.Fatalf("record the application: %d", code)
	}
	if _, page := m.get(casePath(k, "")); strings.Contains(textOf(t, page, "#deadlines"), "司法确认") {
		t.Errorf("the case page still counts down the window: %s", textOf(t, page, "#deadlines"))
	}
	if got := lookup(); got != "" {
		t.Errorf("the lookup still says %q", got)
	}
	if _, agreement := m.get(link[1]); textOf(t, agreement, "#confirmation-clause") != clause {
		t.Errorf("the agreement changed: %q", textOf(t, agreement, "#confirmation-clause"))
	}
}

// TestEventsCarryRecords: the API's timeline gives what each step
// recorded, as the case file does: the session's record, the agreement's
// terms, the visit's findings.
func TestEventsCarryRecords(t *testing.T) {
	s, cases := documentCases(t)
	m := s.login(t, "mediator@G11")
	code, body := m.get("/api/v1" + casePath(cases["written"], "/events"))
	if code != 200 {
		t.Fatalf("events: %d %s", code, body)
	}
	var evs []struct {
		Name      string
		Session   *struct{ Place, Record string }
		Agreement *struct{ Terms string }
		Visit     *struct{ Findings string }
	}
	if err := json.Unmarshal([]byte(body), &evs); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ev := range evs {
		switch {
		case ev.Session != nil:
			got[ev.Name] = ev.Session.Place + "：" + ev.Session.Record
		case ev.Agreement != nil:
			got[ev.Name] = ev.Agreement.Terms
		case ev.Visit != nil:
			got[ev.Name] = ev.Visit.Findings
		}
	}
	want := map[string]string{
		"session": "麟湖村调解室：告知双方权利义务。双方陈述围墙位置的来历，调解员现场丈量，释法明理。",
		"agree":   "一、以原围墙为界。\n二、被申请人补偿申请人2万元。",
		"fulfil":  "补偿款已到账，双方无异议。",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("the %s event carries %q, want %q", k, got[k], v)
		}
	}
}

// TestLiaisonReadsWhatItTyped: the police station's liaison refers a
// dispute in, typing the parties' phones as people do; the case page then
// shows those phones in full, as the desk sees them, for calling back.
func TestLiaisonReadsWhatItTyped(t *testing.T) {
	s := newSite(t)
	p := s.login(t, "partner@P1")
	p.get("/cases/new")
	form := url.Values{"source": {"公安移送(警调)"}, "category": {"邻里"}, "location": {fmt.Sprint(s.units["G11"].ID)},
		"people": {"2"}, "risk": {"green"}, "summary": {"两户因车位发生口角，民警出警后移送调解。"}, "decision": {"register"},
		"party_count": {"2"}, "parties.0.side": {"applicant"}, "parties.0.name": {"钟建平"}, "parties.0.phone": {"139 0573 0553"},
		"parties.1.side": {"respondent"}, "parties.1.name": {"方德明"}, "parties.1.phone": {"139-0573-1299"}}
	code, body := p.post("/cases", form)
	if code != 303 {
		t.Fatalf("refer in: %d %s", code, textOf(t, body, "main"))
	}
	cases, _, err := s.e.Cases(ctx, engine.System, engine.CaseFilter{Text: "钟建平", Limit: 1})
	if err != nil || len(cases) != 1 {
		t.Fatalf("the referral: %v %v", cases, err)
	}
	_, page := p.get(casePath(cases[0], ""))
	if got := textOf(t, page, "table.parties"); !strings.Contains(got, "13905730553") || !strings.Contains(got, "13905731299") {
		t.Errorf("the liaison reads the parties as %q", got)
	}
	if _, page := s.login(t, "partner@P2").get(casePath(cases[0], "")); strings.Contains(page, "13905730553") {
		t.Error("another body's liaison reads the phones")
	}
}

// TestConsoleKeepsWhatWasTyped: a refused console form comes back open and
// filled in, and units are picked from the tree rather than typed.
func TestConsoleKeepsWhatWasTyped(t *testing.T) {
	s := newSite(t)
	a := s.login(t, "admin@T1")
	_, page := a.get("/admin")
	if got := textOf(t, page, "#add-token select[name=unit] option"); got != "请选择 | 油车港镇 / 油车港派出所（P1） | 油车港镇 / 油车港人民法庭（P2）" {
		t.Errorf("the token's units: %q", got)
	}
	if got := textOf(t, page, "#add-unit select[name=parent] option"); got != "（无上级） | 油车港镇（T1） | 油车港镇 / 麟湖村（V1） | 油车港镇 / 正阳社区（V2）" {
		t.Errorf("the parents offered: %q", got)
	}
	code, page := a.post("/admin/accounts", url.Values{"name": {"mediator@G11"}, "display": {"新来的调解员"}, "role": {"mediator"}, "unit": {"G12"}})
	if code != 422 {
		t.Fatalf("a taken name: %d", code)
	}
	for _, want := range []string{`id="add-account" open`, `name="display" value="新来的调解员"`, `<option value="G12" selected>`, `<option value="mediator" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused form lacks %s; problem: %s", want, textOf(t, page, "#problem"))
		}
	}
	code, page = a.post("/admin/units", url.Values{"code": {"G13"}, "name": {"麟湖村第3网格"}, "level": {"grid"}, "parent": {"G11"}, "phone": {"0573-83009999"}})
	if code != 422 || !strings.Contains(page, `id="add-unit" open`) || !strings.Contains(page, `name="phone" value="0573-83009999"`) {
		t.Errorf("a grid under a grid: %d, %s", code, textOf(t, page, "#problem"))
	}
}
