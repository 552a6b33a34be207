package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestCommitteePages: the town's supervisor adds a trade committee (a
// refused form comes back as typed) and a village committee's studio,
// names the trade committee's members, and puts the town's mediator on it;
// the API lists the committees with their members. The mediator's
// agreement is then the trade committee's: its seal on the 协议书, its
// 人调字 number, its row in the Ministry's table. A mediator opens none of
// it; the administrator's console leads to it.
func TestCommitteePages(t *testing.T) {
	s, _ := newSiteOnClock(t)
	sup := s.login(t, "supervisor@T1")
	code, page := sup.get("/committees")
	if code != http.StatusOK || !strings.Contains(page, `<a href="/committees">调解组织</a>`) {
		t.Fatalf("the committees: %d", code)
	}
	for _, want := range []string{"油车港镇人民调解委员会", "麟湖村人民调解委员会", "正阳社区人民调解委员会"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "洛东村") {
		t.Errorf("the page shows another town's committee")
	}
	trade := url.Values{"name": {"油车港镇交通事故纠纷人民调解委员会"}, "kind": {"trade"}, "unit": {"T1"}, "founded_on": {"2030-01-01"}}
	if code, page := sup.post("/committees", trade); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "成立日期“2030-01-01”应为今天或以前的日期") || !strings.Contains(page, `value="油车港镇交通事故纠纷人民调解委员会"`) {
		t.Errorf("a founding date to come: %d", code)
	}
	if code, page := sup.post("/committees", url.Values{"name": {"麟湖村第二调解委员会"}, "kind": {"village"}, "unit": {"V1"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "村(居)和乡镇(街道)调解委员会随单位设立") {
		t.Errorf("a second village committee: %d", code)
	}
	trade.Set("founded_on", "2020-05-01")
	trade.Del("csrf")
	if code, _ := sup.post("/committees", trade); code != http.StatusSeeOther {
		t.Fatalf("the trade committee: %d", code)
	}
	_, page = sup.get("/committees")
	village := regexp.MustCompile(`<tr id="committee-(\d+)">\s*<td data-label="名称">麟湖村人民调解委员会`).FindStringSubmatch(page)
	traffic := regexp.MustCompile(`<tr id="committee-(\d+)">\s*<td data-label="名称">油车港镇交通事故纠纷人民调解委员会`).FindStringSubmatch(page)
	if village == nil || traffic == nil {
		t.Fatalf("the committees' rows: %s", page)
	}
	if code, _ := sup.post("/committees", url.Values{"name": {"睦麟+个人调解工作室"}, "studio_of": {village[1]}}); code != http.StatusSeeOther {
		t.Fatalf("the studio: %d", code)
	}
	_, page = sup.get("/committees?members=" + traffic[1])
	med := regexp.MustCompile(`<label>mediator@T1 <select name="role_(u\d+)">`).FindStringSubmatch(page)
	cadre := regexp.MustCompile(`<label>mediator@V1 <select name="role_(u\d+)">`).FindStringSubmatch(page)
	if med == nil || cadre == nil {
		t.Fatalf("the members' form: %s", page)
	}
	if code, page := sup.post("/committees/"+traffic[1]+"/members", url.Values{"role_" + med[1]: {"主任"}, "role_" + cadre[1]: {"主任"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "一个调解委员会只设一名主任。") {
		t.Errorf("two heads: %d", code)
	}
	_, page = sup.get("/committees?members=" + traffic[1])
	med = regexp.MustCompile(`<label>mediator@T1 <select name="role_([um]\d+)">`).FindStringSubmatch(page)
	cadre = regexp.MustCompile(`<label>mediator@V1 <select name="role_([um]\d+)">`).FindStringSubmatch(page)
	if code, _ := sup.post("/committees/"+traffic[1]+"/members", url.Values{"role_" + med[1]: {"主任"}, "role_" + cadre[1]: {"委员"}}); code != http.StatusSeeOther {
		t.Fatalf("the members: %d", code)
	}
	_, page = sup.get("/committees")
	for _, want := range []string{"主任 mediator@T1；委员 mediator@V1", "└ 睦麟&#43;个人调解工作室", "行业性专业性", "2020-05-01"} {
		if !strings.Contains(page, want) {
			t.Errorf("the committees lack %q", want)
		}
	}
	// The town's mediator serves the trade committee.
	_, page = sup.get("/registry")
	edit := regexp.MustCompile(`<td data-label="姓名">mediator@T1</td>(?s:.*?)href="/registry\?edit=([um]\d+)#mediator-form"`).FindStringSubmatch(page)
	if edit == nil {
		t.Fatalf("no edit link for mediator@T1")
	}
	if code, _ := sup.post("/registry", url.Values{"edit": {edit[1]}, "name": {"mediator@T1"}, "unit": {"T1"}, "committee": {traffic[1]}}); code != http.StatusSeeOther {
		t.Fatalf("the mediator's committee: %d", code)
	}
	if _, page = sup.get("/registry"); !strings.Contains(page, `<td data-label="调解委员会">油车港镇交通事故纠纷人民调解委员会</td>`) {
		t.Errorf("the registry does not say whom mediator@T1 serves")
	}
	code, api := sup.get("/api/v1/committees")
	if code != http.StatusOK || !strings.Contains(api, `"kind":"trade","kind_label":"行业性专业性","members":[{"mediator_id":`) ||
		!strings.Contains(api, `"name":"mediator@T1","role":"主任"},{"mediator_id":`) || !strings.Contains(api, `"studio_of":"麟湖村人民调解委员会"`) {
		t.Errorf("the API: %d %s", code, api)
	}
	// A dispute the desk sends to the town, where the trade committee's
	// mediator settles it.
	k, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "道路交通事故", LocationID: s.units["G11"].ID,
		People: 2, Risk: engine.RiskGreen, Summary: "两车刮擦，对赔偿数额有争议。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "周明", Phone: "13800000007"}, {Side: engine.SideRespondent, Name: "陈亮"}}},
		engine.Step{Event: workflow.AcceptTown})
	if err != nil {
		t.Fatal(err)
	}
	town, err := s.db.FindUserByName(ctx, "mediator@T1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.Fire(ctx, town.Actor(), k.ID, workflow.Agree, engine.Input{Version: k.Version, Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Terms: "陈亮赔偿周明修车费1200元。", Performance: "当场支付", Amount: 120000}}); err != nil {
		t.Fatal(err)
	}
	code, docs := s.login(t, "mediator@T1").get(casePath(k, "/documents"))
	if code != http.StatusOK || !strings.Contains(docs, "（2026）油交人调字第1号") || !strings.Contains(docs, "油车港镇交通事故纠纷人民调解委员会（印）") {
		t.Errorf("the agreement is not the trade committee's: %d", code)
	}
	if code, moj := sup.get("/reports/export.moj.csv?unit=T1&period=2026-03"); code != http.StatusOK ||
		!strings.Contains(moj, "油车港镇交通事故纠纷人民调解委员会,行业性专业性,1,1,0,0,100.0,0,1200,1,0") ||
		!strings.Contains(moj, "油车港镇人民调解委员会,乡镇(街道),0,0") || !strings.Contains(moj, "个人调解工作室,1") {
		t.Errorf("the Ministry's tables: %d\n%s", code, moj)
	}
	if code, page := s.login(t, "admin@T1").get("/admin"); code != http.StatusOK || !strings.Contains(page, `<a href="/committees">调解组织</a>中设立`) {
		t.Errorf("the console does not lead to the committees: %d", code)
	}
	if code, _ := s.login(t, "admin@T1").get("/committees"); code != http.StatusOK {
		t.Errorf("the administrator opens the committees: %d", code)
	}
	if code, _ := s.login(t, "mediator@G11").get("/committees"); code != http.StatusForbidden {
		t.Errorf("a mediator opens the committees: %d", code)
	}
}
