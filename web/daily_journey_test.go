package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

// TestJourneyGridRegisters: a grid mediator registers a dispute on a phone.
// The place is their own grid, already chosen; phones, the ID number and
// the amount are typed the way people write them, and the case keeps them
// as the system writes them.
func TestJourneyGridRegisters(t *testing.T) {
	s := newSite(t)
	u := onPhone(t, s)
	u.login("mediator@G11")
	u.do(chromedp.Navigate(s.URL+"/cases/new"), chromedp.WaitVisible(chromedp.ID("new-case")))
	if got := u.poll(chromedp.Evaluate[string](`document.getElementById('location').selectedOptions[0].textContent`),
		func(string) bool { return true }); got != "麟湖村第1网格" {
		t.Errorf("the place offered is %q", got)
	}
	u.do(chromedp.SetValue(chromedp.ID("source"), "当事人申请"),
		chromedp.SetValue(chromedp.ID("category"), "邻里"),
		typed("amount", "5,000元", "summary", "两户因院墙滴水发生争执，要求赔偿修缮费用。", "parties.0.name", "王建国",
			"parties.0.phone", "139 0573 0553", "parties.0.id_number", "330411 19650512 0011",
			"parties.1.name", "李长根", "parties.1.phone", "139-0573-1299"))
	if read := u.waitText("#amount-read", "按 5000 元登记"); read != "按 5000 元登记" {
		t.Errorf("the form read the amount as %q", read)
	}
	u.fits("grid-new-case.png")
	u.do(chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("receipt")))
	if flash := u.text("p.flash"); !strings.Contains(flash, "已受理·分流到网格：现由麟湖村第1网格调解") {
		t.Errorf("the flash says %q", flash)
	}
	u.openCase(u.text("#receipt h1 + p"))
	parties, facts := u.text("table.parties"), u.text("main")
	for _, want := range []string{"13905730553", "13905731299", "330411196505120011"} {
		if !strings.Contains(parties, want) {
			t.Errorf("the parties lack %s: %s", want, parties)
		}
	}
	if !strings.Contains(facts, "涉及金额\n5000 元") && !strings.Contains(facts, "涉及金额 5000 元") {
		t.Errorf("the amount is not 5000 元: %s", facts)
	}
	u.wantState(workflow.Grid)
}

// TestJourneyStaleForm: a mediator types a session record on a phone while
// the supervisor presses the case: the record is kept. Then, while he
// types an escalation, the supervisor changes the risk: the form comes
// back with what he typed and what changed, and sending it again
// escalates the case.
func TestJourneyStaleForm(t *testing.T) {
	s := newSite(t)
	u := onPhone(t, s)
	u.login("mediator@G11")
	k := s.caseNow(t, "grid")
	u.openCase(k.Number)
	u.act("session")
	u.do(typed("session.place", "麟湖村调解室", "session.record", "双方到场，调解员释法说理，双方同意下周再谈。"))
	sup := s.e
	if _, err := sup.Record(ctx, engine.System, k.ID, workflow.Supervise, engine.Input{Version: k.Version, Note: "请于本周内约谈双方"}); err != nil {
		t.Fatal(err)
	}
	u.submit()
	if flash := u.text("p.flash"); flash != "已记录：调解记录。" {
		t.Errorf("after a 督办 meanwhile, the flash says %q", flash)
	}
	u.act("escalate")
	u.do(chromedp.SetValue(chromedp.CSS("select[name=reason]"), "调解不成"),
		chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "双方分歧较大，请村调委会介入。"))
	now := s.caseNow(t, "grid")
	if _, err := sup.Record(ctx, engine.System, k.ID, workflow.UpdateRisk, engine.Input{Version: now.Version, Risk: engine.RiskYellow, Reason: "双方言语冲突升级"}); err != nil {
		t.Fatal(err)
	}
	// The refused form is a new page: wait for its message, which the
	// page it replaces did not have.
	u.do(chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.CSS("p.error")))
	summary := u.waitText("p.error", "您打开本页之后")
	if !strings.HasPrefix(summary, "您打开本页之后，本案有了变化：") || !strings.Contains(summary, "系统更新风险。请看过这些变化后再提交。您填写的内容都在下面，核对无误请再次提交。") {
		t.Errorf("the refusal says %q", summary)
	}
	if note := u.waitValue("textarea[name=note]", "双方分歧较大，请村调委会介入。"); note != "双方分歧较大，请村调委会介入。" {
		t.Errorf("the note came back as %q", note)
	}
	u.fits("stale-escalation.png")
	u.submit()
	u.wantState(workflow.Village)
}

// TestJourneyAcceptElsewhere: the desk accepts a waiting dispute at the
// town, not the grid the routing suggests, giving the reason on the case
// page's own form.
func TestJourneyAcceptElsewhere(t *testing.T) {
	s := newSite(t)
	u := &user{t: t, ctx: browser(t), site: s}
	u.login("intake@T1")
	u.openCase(s.cases["registered"].Number)
	u.act("accept_town")
	if hint := u.text("#route-hint"); hint != "分流建议为网格（简单纠纷，就地化解）。" {
		t.Errorf("the hint says %q", hint)
	}
	u.submitRefused()
	if msg := u.text(".field-error"); msg != "分流建议为网格（简单纠纷，就地化解），改为镇(街道)须说明理由。" {
		t.Errorf("without a reason: %q", msg)
	}
	u.do(chromedp.SendKeys(chromedp.CSS("textarea[name=reason]"), "一方为村干部亲属，由镇调委会调解更妥。"))
	u.submit()
	u.wantState(workflow.Town)
	if flash := u.text("p.flash"); !strings.HasPrefix(flash, "已受理·分流到镇(街道)：现由油车港镇调解") {
		t.Errorf("the flash says %q", flash)
	}
}

// submitRefused sends the action form and waits for it to come back with
// a mistake marked.
func (u *user) submitRefused() {
	u.do(chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.CSS("#action-form .field-error")))
}

// TestJourneyQueuesPutWorkFirst: the village mediator's queue on a phone
// shows the cases being mediated first and the files waiting to be
// archived folded below them with their count; the police liaison's queue
// lists what the station referred in and is still open, not what closed.
func TestJourneyQueuesPutWorkFirst(t *testing.T) {
	s := newSite(t)
	for range 3 {
		if _, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "合同", LocationID: s.units["G11"].ID,
			People: 2, Risk: engine.RiskGreen, Summary: "买卖双方因货款结算发生纠纷。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}, {Side: engine.SideRespondent, Name: "乙"}}},
			engine.Step{Event: workflow.AcceptVillage}, engine.Step{Event: workflow.Fail, Input: engine.Input{Reason: "双方分歧过大", Routes: []string{"诉讼"}}}); err != nil {
			t.Fatal(err)
		}
	}
	active, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "合同", LocationID: s.units["G11"].ID,
		People: 2, Risk: engine.RiskGreen, Summary: "农资店与农户因化肥货款结算发生纠纷。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "赵强"}, {Side: engine.SideRespondent, Name: "孙力"}}},
		engine.Step{Event: workflow.AcceptVillage})
	if err != nil {
		t.Fatal(err)
	}
	u := onPhone(t, s)
	u.login("mediator@V1")
	if rows := u.text("table.cases tbody"); !strings.Contains(rows, active.Number) {
		t.Errorf("the active case is not listed: %s", rows)
	}
	if got := u.text("#to-archive summary"); got != "待归档 3 件（已结案，卷宗待整理归档）" {
		t.Errorf("the backlog reads %q", got)
	}
	order := u.poll(chromedp.Evaluate[string](`(document.querySelector('table.cases').compareDocumentPosition(document.getElementById('to-archive')) & 4 ? 'after' : 'before') + (document.getElementById('to-archive').open ? ' open' : ' folded')`),
		func(string) bool { return true })
	if order != "after folded" {
		t.Errorf("the backlog is %s the active cases", order)
	}
	u.fits("village-queue.png")

	station, err := s.db.FindUserByName(ctx, "partner@P1")
	if err != nil {
		t.Fatal(err)
	}
	desk, err := s.db.FindUserByName(ctx, "intake@T1")
	if err != nil {
		t.Fatal(err)
	}
	var sent []*engine.Case
	for _, name := range []string{"钟建平", "方德明"} {
		k, _, err := web.NewServices(s.e, s.db).Partners.OpenReferral(ctx, station.Actor(), &engine.NewCase{Source: engine.PartnerSource(s.units["P1"]), Category: "邻里",
			LocationID: s.units["G21"].ID, People: 2, Risk: engine.RiskGreen, Summary: "两户因车位发生口角，民警出警后移送调解。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: name, Phone: "13905730553"}, {Side: engine.SideRespondent, Name: "某某"}}})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, k)
	}
	if _, err := s.e.Fire(ctx, desk.Actor(), sent[1].ID, workflow.Reject, engine.Input{Version: sent[1].Version,
		Reason: workflow.RejectReasons[0], Routes: []string{"诉讼"}}); err != nil {
		t.Fatal(err)
	}
	p := onPhone(t, s)
	p.login("partner@P1")
	list := p.text("#sent-in")
	if !strings.HasPrefix(list, "本单位移送、尚在办理 1 件") || !strings.Contains(list, sent[0].Number) || strings.Contains(list, sent[1].Number) {
		t.Errorf("the station's queue: %s", list)
	}
	p.fits("station-queue.png")
}

// TestJourneyPartyLooksUp: a party on a phone types the code from the
// receipt in lower case with spaces, and the phone with spaces.
func TestJourneyPartyLooksUp(t *testing.T) {
	s := newSite(t)
	k := s.cases["grid"]
	var spaced []string
	for i := 0; i < len(k.Code); i += 4 {
		spaced = append(spaced, strings.ToLower(k.Code[i:min(i+4, len(k.Code))]))
	}
	u := onPhone(t, s)
	u.do(chromedp.Navigate(s.URL+"/lookup"), chromedp.WaitVisible(chromedp.ID("lookup")),
		chromedp.SendKeys(chromedp.CSS("input[name=code]"), strings.Join(spaced, " ")),
		chromedp.SendKeys(chromedp.CSS("input[name=phone]"), "138 0000 0001"),
		chromedp.Click(chromedp.CSS("#lookup button")), chromedp.WaitVisible(chromedp.ID("lookup-result")))
	if got := u.text("#lookup-result"); !strings.Contains(got, "案号："+k.Number) || !strings.Contains(got, "当前状态：网格调解中") {
		t.Errorf("the party reads %q", got)
	}
	u.fits("party-lookup.png")
}

// TestJourneySweep: a grid mediator files last month's sweep on a phone,
// sees it listed, and corrects it.
func TestJourneySweep(t *testing.T) {
	s := newSite(t)
	last := reportsOf(s).LastMonth()
	u := onPhone(t, s)
	u.login("mediator@G11")
	u.do(chromedp.Click(chromedp.CSS("nav a[href='/sweeps']")), chromedp.WaitVisible(chromedp.ID("sweep-form")))
	if month := u.waitValue("input[name=month]", last); month != last {
		t.Errorf("the form offers %q, want last month %s", month, last)
	}
	u.do(chromedp.SetValue(chromedp.CSS("input[name=swept_on]"), last+"-15"),
		typed("households", "86", "disputes_found", "1", "risks", "3组两户宅基地界址有争议苗头。"))
	u.fits("sweep-form.png")
	u.do(chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("sweep-filed")))
	if got := u.text("#sweep-filed p.flash"); got != "已填报 "+last+" 排查：走访 86 户，发现纠纷 1 件。" {
		t.Errorf("after filing: %q", got)
	}
	if got := u.text("#sweeps-filed"); !strings.Contains(got, last+"："+last+"-15 排查，走访 86 户，发现纠纷 1 件；风险隐患：3组两户宅基地界址有争议苗头。") {
		t.Errorf("the filings: %q", got)
	}
	u.do(chromedp.Click(chromedp.CSS("#sweeps-filed a")), chromedp.WaitVisible(chromedp.ID("correcting")))
	u.do(chromedp.SetValue(chromedp.CSS("input[name=households]"), "90"), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("sweep-filed")))
	if got := u.text("#sweep-filed p.flash"); got != "已更正 "+last+" 排查：走访 90 户，发现纠纷 1 件。" {
		t.Errorf("after correcting: %q", got)
	}
}

// reportsOf is the reports' service on the site's engine and store.
func reportsOf(s *site) *report.Service { return web.NewServices(s.e, s.db).Reports }
