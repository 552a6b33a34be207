package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestSubsidyPages: a grid's written agreement, archived complete, earns
// its mediator 100 yuan (一般). The town's supervisor finds it on the
// month's page; a regrade without a reason comes back open, saying what to
// fix; a regrade to 疑难复杂 adds 200 yuan; a claw-back takes the 300 back
// and closes the line. The API and the CSV say the same; a mediator opens
// none of it.
func TestSubsidyPages(t *testing.T) {
	s, now := newSiteOnClock(t)
	med, err := s.db.FindUserByName(ctx, "mediator@G11")
	if err != nil {
		t.Fatal(err)
	}
	k := s.caseNow(t, "grid")
	for _, st := range []struct {
		ev  workflow.Event
		act workflow.Activity
		in  engine.Input
	}{
		{act: workflow.LogSession, in: engine.Input{Session: &engine.Session{Record: "双方陈述。"}}},
		{act: workflow.RightsNotice, in: engine.Input{Notice: &engine.Notice{To: "张三、李四", Given: *now}}},
		{ev: workflow.Agree, in: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten, Terms: "李四疏通水沟。", Performance: "当面"}}},
		{ev: workflow.Fulfil, in: engine.Input{Visit: &engine.FollowUp{Visited: "张三", Findings: "已疏通。"}}},
		{act: workflow.Archive},
	} {
		*now = now.Add(time.Hour)
		st.in.Version = k.Version
		if st.ev != "" {
			k, err = s.e.Fire(ctx, med.Actor(), k.ID, st.ev, st.in)
		} else {
			k, err = s.e.Record(ctx, med.Actor(), k.ID, st.act, st.in)
		}
		if err != nil {
			t.Fatalf("%s%s: %v", st.ev, st.act, err)
		}
	}
	sup := s.login(t, "supervisor@T1")
	code, page := sup.get("/subsidies?period=2026-03")
	if code != http.StatusOK || !strings.Contains(page, `<a href="/subsidies">以案定补</a>`) {
		t.Fatalf("the subsidies: %d", code)
	}
	line := regexp.MustCompile(`<tr id="subsidy-(\d+)">\s*<td data-label="案件"><a href="/cases/` + regexp.QuoteMeta(strings.TrimPrefix(casePath(k, ""), "/cases/")) +
		`">` + regexp.QuoteMeta(k.Number) + `</a></td>\s*<td data-label="调解员">mediator@G11</td>\s*<td data-label="难度">一般</td>`).FindStringSubmatch(page)
	if line == nil {
		t.Fatalf("no line for %s:\n%s", k.Number, page)
	}
	for _, want := range []string{"<td>麟湖村人民调解委员会</td><td>1</td><td>0</td><td>1</td><td>0</td><td>0</td><td>100</td>", "本期合计（元）</span><strong>100</strong>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	path := "/subsidies/" + line[1] + "?unit=T1&period=2026-03"
	code, page = sup.post(path, url.Values{"kind": {"regrade"}, "grade": {engine.SubsidyDifficult}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "<details open>") || !strings.Contains(page, "请写明理由") ||
		!strings.Contains(page, `<option value="difficult" selected>疑难复杂</option>`) {
		t.Errorf("a regrade without a reason: %d", code)
	}
	if code, _ := sup.post(path, url.Values{"kind": {"regrade"}, "grade": {engine.SubsidyDifficult}, "reason": {"涉及宅基地界址，调解五次"}}); code != http.StatusSeeOther {
		t.Fatalf("the regrade: %d", code)
	}
	if _, page = sup.get("/subsidies?unit=T1&period=2026-03"); !strings.Contains(page, "已改定为疑难复杂，金额变动 200 元。") ||
		!strings.Contains(page, "改定为疑难复杂（涉及宅基地界址，调解五次，supervisor@T1）200 元") {
		t.Errorf("the regrade is not shown")
	}
	if code, _ := sup.post(path, url.Values{"kind": {"clawback"}, "reason": {"卷宗缺少回访记录"}}); code != http.StatusSeeOther {
		t.Fatalf("the claw-back: %d", code)
	}
	if _, page = sup.get("/subsidies?unit=T1&period=2026-03"); !strings.Contains(page, "已追回，金额变动 -300 元。") ||
		!strings.Contains(page, `<span class="muted">已追回</span>`) || !strings.Contains(page, "本期合计（元）</span><strong>0</strong>") {
		t.Errorf("the claw-back is not shown")
	}
	if code, api := sup.get("/api/v1/subsidies?unit=T1&period=2026-03"); code != http.StatusOK ||
		!strings.Contains(api, `"committee":"麟湖村人民调解委员会","grade":"difficult"`) ||
		!strings.Contains(api, `"earned":100,"adjustments":[{"kind":"regrade","grade":"difficult","amount":200`) ||
		!strings.Contains(api, `"net":0,"clawed_back":true}`) || !strings.Contains(api, `"total":{"name":"合计","cases":1,"by_grade":{"difficult":1},"net":0}`) {
		t.Errorf("the API: %d %s", code, api)
	}
	if code, csv := sup.get("/subsidies/export.csv?unit=T1&period=2026-03"); code != http.StatusOK ||
		!strings.Contains(csv, k.Number+",mediator@G11,疑难复杂,2026-03-02,100,改定为疑难复杂（涉及宅基地界址，调解五次）；追回（卷宗缺少回访记录）,-100,0") {
		t.Errorf("the CSV: %d\n%s", code, csv)
	}
	if code, _ := s.login(t, "mediator@G11").get("/subsidies"); code != http.StatusForbidden {
		t.Errorf("a mediator opens the subsidies: %d", code)
	}
}
