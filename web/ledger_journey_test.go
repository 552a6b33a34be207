package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestJourneyLedger: a grid mediator, on a phone, files the month's sweep
// and lists the person it found on the ledger in one step, then records a
// telephone contact; a week and a day later the town's supervisor finds the
// review overdue, presses it, and in the week's 研判 finds the red labour
// dispute the town reported up, whose 专报 prints with its file.
func TestJourneyLedger(t *testing.T) {
	now := time.Now().UTC()
	s := newSiteAt(t, func() time.Time { return now })
	last := reportsOf(s).LastMonth()
	red, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "劳动争议", LocationID: s.units["G11"].ID,
		People: 12, Risk: engine.RiskRed, Summary: "12名工人讨薪，情绪激动。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五"},
			{Side: engine.SideRespondent, Name: "某建筑公司", Kind: engine.KindOrg}}}, engine.Step{Event: workflow.AcceptTown},
		engine.Step{Activity: workflow.MajorReport, Input: engine.Input{Major: &engine.MajorReport{Measures: "约谈企业负责人，稳控工人情绪。",
			Next: "三日内组织劳动仲裁、人社联合调解。"}}})
	if err != nil {
		t.Fatal(err)
	}

	u := onPhone(t, s)
	u.login("mediator@G11")
	u.do(chromedp.Navigate(s.URL+"/sweeps"), chromedp.WaitVisible(chromedp.ID("sweep-form")))
	u.do(chromedp.SetValue(chromedp.CSS("input[name=swept_on]"), last+"-15"),
		typed("households", "64", "disputes_found", "0", "risks", "张三与邻居排水沟纠纷反复，扬言动手。"))
	u.do(chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("list-found")))
	u.do(chromedp.Click(chromedp.ID("list-found")), chromedp.WaitVisible(chromedp.ID("from-sweep")))
	if reason := u.waitValue("textarea[name=reason]", "张三与邻居排水沟纠纷反复，扬言动手。"); reason != "张三与邻居排水沟纠纷反复，扬言动手。" {
		t.Errorf("the listing form's reason is %q", reason)
	}
	u.do(chromedp.SetValue(chromedp.CSS("select[name=category]"), "邻里积怨"),
		chromedp.SetValue(chromedp.CSS("select[name=colour]"), "red"),
		typed("name", "张三", "phone", "138 0000 0001", "approver", "麟湖村党支部书记"))
	u.fits("ledger-listing.png")
	u.do(chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("contact-form")))
	if flash := u.text("p.flash"); !strings.Contains(flash, "已列入台账：重点人员第1号（张三），红色") {
		t.Errorf("after listing: %q", flash)
	}
	if found := u.text("#found"); found != "油车港镇 / 麟湖村 / 麟湖村第1网格 "+last+"拉网式排查发现" {
		t.Errorf("the entry's sweep: %q", found)
	}
	if cases := u.text("#entry-cases"); !strings.Contains(cases, s.cases["grid"].Number) {
		t.Errorf("the entry lacks 张三's case: %q", cases)
	}
	u.do(chromedp.SetValue(chromedp.CSS("#contact-form select[name=method]"), "电话"),
		typed("findings", "电话联系，情绪已平复，约定周末上门。"))
	u.fits("ledger-contact.png")
	u.do(chromedp.Click(chromedp.ID("record-contact")))
	if flash := u.waitText("p.flash", "已记录走访联系。"); flash != "已记录走访联系。" {
		t.Fatalf("after the contact: %q", flash)
	}
	if history := u.text("#entry-history"); !strings.Contains(history, "走访联系") || !strings.Contains(history, "电话联系，情绪已平复，约定周末上门。") {
		t.Errorf("the history: %q", history)
	}

	now = now.Add(8 * 24 * time.Hour)
	sup := &user{t: t, ctx: browser(t), site: s}
	sup.login("supervisor@T1")
	sup.do(chromedp.Navigate(s.URL+"/overdue"), chromedp.WaitVisible(chromedp.ID("overdue-entries")))
	if row := sup.text("#overdue-entries"); !strings.Contains(row, "重点人员 张三") {
		t.Errorf("the overdue list: %q", row)
	}
	sup.do(chromedp.Click(chromedp.CSS("#overdue-entries a[href$='#press-form']")), chromedp.WaitVisible(chromedp.ID("press-form")))
	sup.do(typed("note", "请今日内上门走访。"), chromedp.Click(chromedp.ID("press")), chromedp.WaitVisible(chromedp.ID("review-overdue")))
	if flash := sup.text("p.flash"); flash != "已督办，包保责任人的待办中会标出。" {
		t.Errorf("after pressing: %q", flash)
	}
	sup.do(chromedp.Navigate(s.URL+"/assess"), chromedp.WaitVisible(chromedp.ID("assess-major")))
	if major := sup.text("#assess-major"); !strings.Contains(major, red.Number) || !strings.Contains(major, "应续报") {
		t.Errorf("the 研判's major disputes: %q", major)
	}
	sup.screenshot("assess.png")
	sup.do(chromedp.Navigate(s.URL+casePath(red, "/documents")), chromedp.WaitVisible(chromedp.CSS("article")))
	if file := sup.text("main"); !strings.Contains(file, "重大纠纷专报（首报）") || !strings.Contains(file, "三日内组织劳动仲裁、人社联合调解。") {
		t.Errorf("the file lacks the 专报")
	}

	u.do(chromedp.Navigate(s.URL+"/cases"), chromedp.WaitVisible(chromedp.ID("visits-due")))
	if queue := u.text("#visits-due"); !strings.Contains(queue, "张三") || !strings.Contains(queue, "已督办") {
		t.Errorf("the owner's queue: %q", queue)
	}
}
