package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

// TestLedgerPages: a grid mediator lists 张三 (a party of a case) on the
// ledger through the form, a refused form coming back as typed; the case
// page then warns of him; the owner's queue shows the entry when its
// review falls due; the town's supervisor finds it on the overdue list,
// presses it, and takes it off the ledger after a contact.
func TestLedgerPages(t *testing.T) {
	s, now := newSiteOnClock(t)
	med := s.login(t, "mediator@G11")
	if _, page := med.get("/ledger/new"); !strings.Contains(page, `name="owners" value="mediator@G11" checked`) {
		t.Fatalf("the form does not offer the mediator as owner:\n%.2000s", page)
	}
	form := url.Values{"kind": {"person"}, "name": {"张三"}, "phone": {"13800000001"}, "unit": {"G11"}, "category": {"邻里积怨"},
		"reason": {"与邻居因排水沟多次争吵，扬言要动手。"}, "colour": {"red"}, "owners": {"mediator@G11", "mediator@V1"}}
	code, page := med.post("/ledger", form)
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "请填写列管的审批人。") ||
		!strings.Contains(page, "与邻居因排水沟多次争吵，扬言要动手。") || !strings.Contains(page, `value="mediator@V1" checked`) {
		t.Fatalf("a listing without approver: %d\n%.3000s", code, page)
	}
	form.Set("approver", "麟湖村党支部书记")
	code, _ = med.post("/ledger", form)
	if code != http.StatusSeeOther {
		t.Fatalf("listing: %d", code)
	}
	_, page = med.get("/ledger/1")
	for _, want := range []string{"已列入台账：重点人员第1号（张三），红色，下次走访 3月9日 前。", `<dd id="entry-phone">13800000001</dd>`,
		"mediator@V1（油车港镇 / 麟湖村）、mediator@G11（油车港镇 / 麟湖村 / 麟湖村第1网格）", s.cases["grid"].Number} {
		if !strings.Contains(page, want) {
			t.Errorf("the entry's page lacks %q", want)
		}
	}
	if _, page := med.get(casePath(s.cases["grid"], "")); !strings.Contains(page, `当事人张三在重点人员台账上（<span class="risk c-red">红色</span>，邻里积怨）：<a href="/ledger/1">查看台账条目</a>。`) {
		t.Errorf("the case page does not warn of the listed party")
	}

	// A change of colour without a reason comes back as typed.
	code, page = med.post("/ledger/1/contacts", url.Values{"version": {"1"}, "method": {"电话"}, "findings": {"情绪平稳。"}, "colour": {"yellow"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "风险等级由红色改为黄色，请说明理由。") || !strings.Contains(page, "情绪平稳。") {
		t.Errorf("a change of colour without reason: %d", code)
	}

	if _, page := med.get("/cases"); strings.Contains(page, "待走访的台账条目") {
		t.Errorf("the queue shows a review due in a week")
	}
	*now = now.Add(6*24*time.Hour + time.Hour)
	if _, page := med.get("/cases"); !strings.Contains(page, "待走访的台账条目 <small>1 条</small>") {
		t.Errorf("the owner's queue lacks the review due tomorrow")
	}
	*now = now.Add(24 * time.Hour)
	sup := s.login(t, "supervisor@T1")
	if _, page := sup.get("/overdue"); !strings.Contains(page, `重点人员走访超期 <small>1 条</small>`) || !strings.Contains(page, `<a href="/ledger/1#press-form">督办</a>`) {
		t.Errorf("the overdue list lacks the entry")
	}
	sup.get("/ledger/1")
	if code, _ := sup.post("/ledger/1/press", url.Values{"note": {"请本周内走访。"}}); code != http.StatusSeeOther {
		t.Errorf("press: %d", code)
	}
	if _, page := med.get("/cases"); !strings.Contains(page, `<strong class="pressed-mark">已督办</strong>`) {
		t.Errorf("the owner's queue does not mark the entry pressed")
	}
	if _, page := sup.get("/ledger/1"); !strings.Contains(page, `<dd id="entry-phone">138****0001</dd>`) {
		t.Errorf("the supervisor above sees the phone in full")
	}
	med.get("/ledger/1")
	if code, _ := med.post("/ledger/1/contacts", url.Values{"version": {"2"}, "method": {"走访"}, "findings": {"已和解。"}, "colour": {"blue"},
		"reason": {"协议已履行。"}}); code != http.StatusSeeOther {
		t.Errorf("contact: %d", code)
	}
	sup.get("/ledger/1")
	if code, page := sup.post("/ledger/1/delist", url.Values{"version": {"3"}, "delist_reason": {""}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "请写明销号的理由（如矛盾已化解、人员已迁出）。") {
		t.Errorf("a delisting without reason: %d", code)
	}
	if code, _ := sup.post("/ledger/1/delist", url.Values{"version": {"3"}, "delist_reason": {"矛盾已化解。"}}); code != http.StatusSeeOther {
		t.Errorf("delist: %d", code)
	}
	_, page = sup.get("/ledger/1")
	for _, want := range []string{"已于2026年3月9日销号", "<strong>列管</strong>", "<strong>督办</strong>", "风险等级 红色 → 蓝色", "<strong>销号</strong>", "审批：supervisor@T1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the delisted entry's page lacks %q", want)
		}
	}
	if code, _ := med.post("/ledger/1/delist", url.Values{"delist_reason": {"x"}}); code != http.StatusForbidden {
		t.Errorf("a mediator delists: %d", code)
	}
}

// TestLedgerAPI: the API lists, adds and records contacts with the same
// rules as the pages: particulars masked above the entry's unit, another
// town's entry not found, a partner's token and the desk refused, every
// mistake named by field.
func TestLedgerAPI(t *testing.T) {
	s := newSite(t)
	med := s.login(t, "mediator@G11")
	body := `{"kind":"person","name":"张三","id_number":"330411196505120011","unit":"G11","category":"信访老户","reason":"多次越级上访。",` +
		`"colour":"orange","owners":["mediator@G11"],"approver":"村书记"}`
	code, out := med.postJSON("/api/v1/key-persons", body, med.csrf)
	if code != http.StatusCreated || !strings.Contains(out, `"id_number":"330411196505120011"`) || !strings.Contains(out, `"owners":["mediator@G11"]`) ||
		!strings.Contains(out, `"number":"`+s.cases["grid"].Number+`"`) {
		t.Fatalf("add: %d %s", code, out)
	}
	code, out = med.postJSON("/api/v1/key-persons", `{"kind":"group","name":"某工地农民工","unit":"G11","category":"欠薪群体","reason":"欠薪。","colour":"red","owners":[]}`, med.csrf)
	if code != http.StatusUnprocessableEntity || !strings.Contains(out, `"people":"请填写群体的人数（至少2人）。"`) || !strings.Contains(out, `"owners":"请至少指定一名包保责任人。"`) {
		t.Errorf("a bad group: %d %s", code, out)
	}
	code, out = med.postJSON("/api/v1/key-persons/1/contacts", `{"method":"面谈","findings":"情绪稳定。"}`, med.csrf)
	if code != http.StatusCreated || !strings.Contains(out, `"kind":"contact"`) || !strings.Contains(out, `"version":2`) {
		t.Errorf("contact: %d %s", code, out)
	}

	sup := s.login(t, "supervisor@T1")
	if code, out := sup.get("/api/v1/key-persons?colour=orange"); code != http.StatusOK || !strings.Contains(out, `"total":1`) ||
		!strings.Contains(out, `"id_number":"330411********0011"`) {
		t.Errorf("the supervisor's list: %d %s", code, out)
	}
	if code, out := sup.get("/api/v1/key-persons?unit=G31"); code != http.StatusUnprocessableEntity || !strings.Contains(out, "单位“G31”不在您的辖区内。") {
		t.Errorf("another town's unit: %d %s", code, out)
	}
	if code, _ := s.login(t, "supervisor@T2").get("/api/v1/key-persons/1"); code != http.StatusNotFound {
		t.Errorf("another town's supervisor reads the entry: %d", code)
	}
	if code, _ := s.login(t, "intake@T1").get("/api/v1/key-persons"); code != http.StatusForbidden {
		t.Errorf("the desk lists the ledger: %d", code)
	}
	_, token, err := account.New(s.e, s.db).CreateToken(ctx, engine.System, "P1", "警务平台")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/key-persons/1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	refusal, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(refusal), "重点人员台账供调解员和督办人员使用。") {
		t.Errorf("a partner's token: %d %s", resp.StatusCode, refusal)
	}
}

// TestMajorReportPage: the town's mediator sends a 专报 from the case page's
// form (a refused one comes back as typed) and prints it with the file.
func TestMajorReportPage(t *testing.T) {
	s := newSite(t)
	k, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "劳动争议", LocationID: s.units["G11"].ID,
		People: 12, Risk: engine.RiskRed, Summary: "12名工人讨薪。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五"},
			{Side: engine.SideRespondent, Name: "某建筑公司", Kind: engine.KindOrg}}}, engine.Step{Event: workflow.AcceptTown})
	if err != nil {
		t.Fatal(err)
	}
	med := s.login(t, "mediator@T1")
	if _, page := med.get(casePath(k, "")); !strings.Contains(page, `data-action="major_report"`) ||
		!strings.Contains(page, "本案为重大纠纷，请报送专报（重大纠纷专报）。") {
		t.Fatalf("the case page neither asks for nor offers a 专报")
	}
	med.get(casePath(k, "/do/major_report"))
	code, page := med.post(casePath(k, "/do/major_report"), url.Values{"version": {itoa(k.Version)}, "major.measures": {"约谈企业负责人。"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, "请写明下一步工作。") || !strings.Contains(page, "约谈企业负责人。") {
		t.Errorf("a report without next steps: %d", code)
	}
	if code, _ := med.post(casePath(k, "/do/major_report"), url.Values{"version": {itoa(k.Version)}, "major.measures": {"约谈企业负责人。"},
		"major.next": {"三日内组织联合调解。"}}); code != http.StatusSeeOther {
		t.Fatalf("report: %d", code)
	}
	if _, page := med.get(casePath(k, "")); strings.Contains(page, `id="report-due"`) {
		t.Errorf("the case page still asks for a 专报 sent")
	}
	_, file := med.get(casePath(k, "/documents"))
	for _, want := range []string{"重大纠纷专报（首报）", "<td>红色(高)</td>", "约谈企业负责人。", "三日内组织联合调解。", "报告人：mediator@T1"} {
		if !strings.Contains(file, want) {
			t.Errorf("the printed report lacks %q", want)
		}
	}
}

// TestAssessPage: the town's supervisor prints the week's 研判: a red
// dispute waiting for its first 专报, the ledger's red entry; a grid
// mediator is refused it.
func TestAssessPage(t *testing.T) {
	s := newSite(t)
	if _, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "劳动争议", LocationID: s.units["G11"].ID,
		People: 12, Risk: engine.RiskYellow, Summary: "12名工人讨薪。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五"},
			{Side: engine.SideRespondent, Name: "某建筑公司", Kind: engine.KindOrg}}}); err != nil {
		t.Fatal(err)
	}
	med := s.login(t, "mediator@G11")
	med.get("/ledger/new")
	if code, _ := med.post("/ledger", url.Values{"kind": {"group"}, "name": {"某工地农民工"}, "people": {"12"}, "unit": {"G11"},
		"category": {"欠薪群体"}, "reason": {"讨薪。"}, "colour": {"red"}, "owners": {"mediator@G11"}, "approver": {"村书记"}}); code != http.StatusSeeOther {
		t.Fatalf("listing: %d", code)
	}
	sup := s.login(t, "supervisor@T1")
	code, page := sup.get("/assess")
	if code != http.StatusOK {
		t.Fatalf("assess: %d", code)
	}
	for _, want := range []string{"油车港镇矛盾纠纷研判", "重大纠纷 <small>2 件</small>", `<strong class="report-due">应专报</strong>`,
		`<a href="/ledger/1">重点群体 某工地农民工</a>`, `<button type="button" class="print">打印</button>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the 研判 lacks %q", want)
		}
	}
	if code, _ := med.get("/assess"); code != http.StatusForbidden {
		t.Errorf("a grid mediator's 研判: %d", code)
	}
	if code, page := sup.get("/assess?week=12/06"); code != http.StatusUnprocessableEntity || !strings.Contains(page, "日期“12/06”应如 2026-12-06。") {
		t.Errorf("a bad week: %d", code)
	}
}

// TestSweepFindsEntries: a grid's sweep lists what it found in one step: from
// the filing, the listing form comes filled with the risks found; the entry
// names its sweep, and the sweep the entries it found; another grid's sweep
// is not one to list under.
func TestSweepFindsEntries(t *testing.T) {
	s := newSite(t)
	last := web.NewServices(s.e, s.db).Reports.LastMonth()
	med := s.login(t, "mediator@G11")
	med.get("/sweeps")
	code, page := med.post("/sweeps", url.Values{"month": {last}, "swept_on": {last + "-15"}, "households": {"80"}, "disputes_found": {"0"},
		"risks": {"某工地欠薪，工人情绪激动"}})
	link := regexp.MustCompile(`id="list-found" href="(/ledger/new\?sweep=\d+&amp;reason=[^"]+)"`).FindStringSubmatch(page)
	if code != http.StatusOK || link == nil {
		t.Fatalf("the filing offers no listing: %d", code)
	}
	_, form := med.get(strings.ReplaceAll(link[1], "&amp;", "&"))
	sweep := regexp.MustCompile(`name="sweep" value="(\d+)"`).FindStringSubmatch(form)
	if sweep == nil || !strings.Contains(form, "某工地欠薪，工人情绪激动") {
		t.Fatalf("the listing form lacks the sweep or its risks")
	}
	entry := url.Values{"kind": {"group"}, "name": {"某工地农民工"}, "people": {"9"}, "unit": {"G11"}, "category": {"欠薪群体"},
		"reason": {"某工地欠薪，工人情绪激动"}, "colour": {"orange"}, "owners": {"mediator@G11"}, "approver": {"村书记"}, "sweep": {sweep[1]}}
	if code, _ := med.post("/ledger", entry); code != http.StatusSeeOther {
		t.Fatalf("listing: %d", code)
	}
	if _, page := med.get("/ledger/1"); !strings.Contains(page, `<span id="found">油车港镇 / 麟湖村 / 麟湖村第1网格 `+last+`拉网式排查发现</span>`) {
		t.Errorf("the entry does not name its sweep")
	}
	if _, page := med.get("/sweeps"); !strings.Contains(page, `列入台账：<a href="/ledger/1">重点群体 某工地农民工</a>`) {
		t.Errorf("the sweep does not list what it found")
	}
	other := s.login(t, "mediator@G12")
	other.get("/ledger/new")
	entry.Set("unit", "G12")
	entry.Set("owners", "mediator@G12")
	entry.Del("csrf")
	if code, page := other.post("/ledger", entry); code != http.StatusUnprocessableEntity || !strings.Contains(page, "没有这次排查的填报，或不是本单位辖区的排查。") {
		t.Errorf("a listing under another grid's sweep: %d", code)
	}
}
