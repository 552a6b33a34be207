package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
	"github.com/xuri/excelize/v2"
)

// browser starts headless Chromium for one test. Without a browser the test
// is skipped, except on CI, where a missing browser is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but chromium is not installed (apt-get install chromium)")
		}
		t.Skip("no chromium on this machine: install Debian's chromium package to run the browser tests")
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(412, 915))
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// user drives one browser through the site as the users would.
type user struct {
	t    *testing.T
	ctx  context.Context
	site *site
}

// patience is how long a step may wait for the condition it waits on: a
// busy 2-core machine may take many seconds to start a browser or render a
// page, and a condition met ends the wait at once, so only a failing step
// waits this long.
const patience = 2 * time.Minute

// typed types each value into the form field named before it (an input
// or a textarea), key by key as a person does, so that the page's scripts
// see each change.
func typed(pairs ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(pairs); i += 2 {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("[name=%q]", pairs[i])), pairs[i+1]))
	}
	return chromedp.Steps(steps...)
}

// do runs steps with a timeout of their own; a timeout on the browser's own
// context would end the browser.
func (u *user) do(steps ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, patience)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		peek, cancel := context.WithTimeout(u.ctx, patience)
		defer cancel()
		body, _ := chromedp.Run(peek, chromedp.Text(chromedp.CSS("main")))
		u.t.Fatalf("browser: %v\npage: %s", err, body)
	}
}

func (u *user) text(sel string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, patience)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		u.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func (u *user) login(name string) {
	u.do(chromedp.Navigate(u.site.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("input[name=name]"), name),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), password),
		chromedp.Click(chromedp.CSS("form[action='/login'] button")),
		chromedp.WaitVisible(chromedp.CSS("table.cases")))
}

func (u *user) logout() {
	u.do(chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("input[name=password]")))
}

// act clicks an action button on the case page and waits for its form.
func (u *user) act(event string) {
	u.do(chromedp.Click(chromedp.CSS(fmt.Sprintf("a[data-action=%s]", event))), chromedp.WaitVisible(chromedp.ID("action-form")))
}

// submit sends the action form and waits for the case page.
func (u *user) submit() {
	u.do(chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("timeline")))
}

func (u *user) wantState(s workflow.State) {
	u.t.Helper()
	if got := u.text("#state"); got != s.Label() {
		u.t.Fatalf("the case is %q, want %q", got, s.Label())
	}
}

// screenshot saves the page under the test's artifact folder.
func (u *user) screenshot(name string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, patience)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.t.Fatal(err)
	}
	path := filepath.Join(u.t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.t.Logf("screenshot: %s", path)
}

func (u *user) openCase(number string) {
	u.do(chromedp.Navigate(u.site.URL+"/cases?q="+number), chromedp.Click(chromedp.CSS("table.cases a")),
		chromedp.WaitVisible(chromedp.ID("timeline")))
}

// settleAtGate is the seed's 门前调: a scraped car between two owners,
// registered, mediated and settled with an oral agreement of 800 yuan in
// one form, with the session's record and the agreement's terms given.
func (u *user) settleAtGate(record, terms string) {
	u.do(chromedp.Click(chromedp.CSS("nav a[href='/doorstep']")), chromedp.WaitVisible(chromedp.ID("doorstep")),
		chromedp.SetValue(chromedp.CSS("select[name=category]"), "损害赔偿"),
		typed("amount", "800", "summary", "小区两位业主因车辆刮擦赔偿问题发生争执。", "parties.0.name", "陈明",
			"parties.0.phone", "13900000001", "parties.1.name", "周强", "session.record", record),
		chromedp.SetValue(chromedp.CSS("select[name='agreement.kind']"), "oral"),
		typed("agreement.terms", terms, "agreement.amount", "800"),
		chromedp.Click(chromedp.CSS("input[name='agreement.oral_confirmed']")),
		chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("timeline")))
}

// TestJourneyDoorstep is the seed's story: two owners in a residential
// community argue over a scraped car; the grid mediator records it at the
// gate and they shake hands on an oral agreement.
func TestJourneyDoorstep(t *testing.T) {
	u := &user{t: t, ctx: browser(t), site: newSite(t)}
	u.login("mediator@G21")
	u.settleAtGate("调解队赶到现场，晓之以理、动之以情，双方当场握手言和。", "周强当场赔付陈明修车费800元，双方再无争议。")
	u.wantState(workflow.Agreed)
	if tl := u.text("#timeline"); !strings.Contains(tl, "调解记录") || !strings.Contains(tl, "达成协议") || !strings.Contains(tl, "告知对象：陈明、周强") {
		t.Errorf("timeline: %s", tl)
	}
	u.screenshot("doorstep.png")
	// The oral agreement prints as the register of oral agreements.
	u.do(chromedp.Click(chromedp.CSS("#documents a[href*='/documents/agreement-']")), chromedp.WaitVisible(chromedp.CSS("article.doc")))
	paper := u.text("article.doc")
	for _, want := range []string{"口头协议登记表", "周强当场赔付陈明修车费800元", "自达成之日起生效"} {
		if !strings.Contains(paper, want) {
			t.Errorf("the register lacks %q", want)
		}
	}
	for _, unwanted := range []string{"一式", "司法确认"} {
		if strings.Contains(paper, unwanted) {
			t.Errorf("the oral register says %q", unwanted)
		}
	}
	u.screenshot("oral-agreement.png")
}

// TestJourneyHousePlot: a house-plot dispute opened at the intake desk,
// routed to a grid, escalated to the village and then the town, agreed
// there, the agreement printed, followed up and fulfilled.
func TestJourneyHousePlot(t *testing.T) {
	s := newSite(t)
	u := &user{t: t, ctx: browser(t), site: s}
	u.login("intake@T1")
	u.do(chromedp.Click(chromedp.CSS("nav a[href='/cases/new']")), chromedp.WaitVisible(chromedp.ID("new-case")),
		chromedp.SetValue(chromedp.CSS("select[name=source]"), "当事人申请"),
		chromedp.SetValue(chromedp.CSS("select[name=category]"), "房屋宅基地"),
		chromedp.SetValue(chromedp.CSS("select[name=location]"), fmt.Sprint(s.units["G11"].ID)),
		typed("amount", "50000", "summary", "两户因宅基地界址及围墙位置发生纠纷。", "parties.0.name", "沈国平",
			"parties.0.id_number", "330411197003150020", "parties.1.name", "徐建华"))
	// The amount typed (and left) makes the suggestion the village, and the
	// decision follows it until the clerk chooses.
	if got := u.waitValue("input[name=decision]:checked", "accept_village"); got != "accept_village" {
		t.Errorf("the decision after the suggestion moved to the village: %q", got)
	}
	u.do(chromedp.Click(chromedp.CSS("input[name=decision][value=accept_grid]")),
		chromedp.SendKeys(chromedp.CSS("input[name=accept_reason]"), "双方同住一个网格，先由网格员就近调解"))
	u.screenshot("new-case.png")
	u.do(chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("receipt")))
	receipt := u.text("#receipt")
	if !strings.Contains(receipt, "油调〔") || !strings.Contains(receipt, "麟湖村第1网格") || !strings.Contains(receipt, "登记人：") ||
		!strings.Contains(receipt, "联系电话") {
		t.Fatalf("receipt: %s", receipt)
	}
	number := strings.TrimSpace(u.text("#receipt p.center"))
	u.logout()

	u.login("mediator@G11")
	u.openCase(number)
	u.wantState(workflow.Grid)
	u.act("escalate")
	u.do(chromedp.SetValue(chromedp.CSS("select[name=reason]"), "调解不成"))
	u.submit()
	u.wantState(workflow.Village)
	u.logout()

	u.login("mediator@V1")
	u.openCase(number)
	u.act("escalate")
	u.do(chromedp.SetValue(chromedp.CSS("select[name=reason]"), "超出调解能力"))
	u.submit()
	u.wantState(workflow.Town)
	u.logout()

	u.login("mediator@T1")
	u.openCase(number)
	u.act("rights_notice")
	u.submit()
	u.act("session")
	u.do(chromedp.SendKeys(chromedp.CSS("input[name='session.place']"), "镇调委会调解室"),
		chromedp.SendKeys(chromedp.CSS("input[name='session.participants']"), "沈国平、徐建华、村干部"),
		chromedp.SendKeys(chromedp.CSS("textarea[name='session.record']"), "现场丈量围墙位置，双方陈述意见，调解员释法明理。"))
	u.submit()
	if tl := u.text("#timeline"); !strings.Contains(tl, "镇调委会调解室") || !strings.Contains(tl, "现场丈量围墙位置") || !strings.Contains(tl, "告知对象：沈国平、徐建华") {
		t.Errorf("the timeline does not show the records: %s", tl)
	}
	u.act("agree")
	u.do(chromedp.SetValue(chromedp.CSS("select[name='agreement.kind']"), "written"),
		chromedp.SendKeys(chromedp.CSS("textarea[name='agreement.facts']"), "双方对东侧围墙位置有争议，经现场丈量，围墙越界0.3米。"),
		chromedp.SendKeys(chromedp.CSS("textarea[name='agreement.terms']"), "以原围墙为界，徐建华补偿沈国平2万元。"),
		chromedp.SendKeys(chromedp.CSS("input[name='agreement.performance']"), "现金，在村委会当面支付"),
		chromedp.SetValue(chromedp.CSS("input[name='agreement.due']"), time.Now().AddDate(0, 0, 10).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS("input[name='agreement.amount']"), "20000"),
		chromedp.SendKeys(chromedp.CSS("input[name='agreement.place']"), "油车港镇人民调解委员会"))
	u.submit()
	u.wantState(workflow.Agreed)
	u.do(chromedp.Click(chromedp.CSS("#documents a[href*='/documents/agreement-']")), chromedp.WaitVisible(chromedp.CSS("article.doc")))
	paper := u.text("article.doc")
	for _, want := range []string{"人民调解协议书", "沈国平", "330411197003150020", "徐建华补偿沈国平2万元", "一式3份",
		"油车港镇人民调解委员会（印）", "之日起生效", "申请司法确认"} {
		if !strings.Contains(paper, want) {
			t.Errorf("the agreement lacks %q", want)
		}
	}
	u.screenshot("agreement.png")
	u.do(chromedp.Click(chromedp.CSS("p.noprint a")), chromedp.WaitVisible(chromedp.ID("timeline")))
	// Both parties apply for judicial confirmation, and the court confirms.
	u.act("confirm")
	u.do(chromedp.SetValue(chromedp.CSS("select[name='confirmation.kind']"), "applied"),
		chromedp.SendKeys(chromedp.CSS("input[name='confirmation.court']"), "嘉兴市秀洲区人民法院"))
	u.submit()
	u.act("confirm")
	u.do(chromedp.SetValue(chromedp.CSS("select[name='confirmation.kind']"), "confirmed"),
		chromedp.SendKeys(chromedp.CSS("input[name='confirmation.number']"), "（2026）浙0411民特12号"))
	u.submit()
	if tl := u.text("#timeline"); !strings.Contains(tl, "法院裁定确认有效") || !strings.Contains(tl, "（2026）浙0411民特12号") {
		t.Errorf("the confirmation is not on the timeline: %s", tl)
	}
	u.act("visit")
	u.do(chromedp.Click(chromedp.CSS("input[name=outcome][value=fulfil]")), chromedp.SendKeys(chromedp.CSS("input[name='visit.visited']"), "沈国平"),
		chromedp.SendKeys(chromedp.CSS("textarea[name='visit.findings']"), "补偿款已付清，双方无异议。"))
	u.submit()
	u.wantState(workflow.Fulfilled)
	u.screenshot("house-plot.png")
	u.act("archive")
	u.submit()
	if no := u.text("#archive-no"); !strings.Contains(no, "油人调字第1号") {
		t.Errorf("file number %q", no)
	}
	u.do(chromedp.Click(chromedp.ID("print-file")), chromedp.WaitVisible(chromedp.ID("doc-cover")))
	file := u.text("main")
	for _, want := range []string{"人民调解卷宗", "油人调字第1号", "卷内目录", "人民调解申请书", "人民调解受理通知书", "人民调解权利义务告知书",
		"人民调解记录", "人民调解协议书", "司法确认情况记录", "人民调解回访记录", "结案报告"} {
		if !strings.Contains(file, want) {
			t.Errorf("the printed file lacks %q", want)
		}
	}
	u.screenshot("case-file.png")
}

// TestJourneyReferral: a dispute with 民转刑 risk the desk refers to the
// police station; the station's liaison finds it, signs for it, records
// progress and closes it with its result; the desk and the supervisor see
// the feedback on time.
func TestJourneyReferral(t *testing.T) {
	s := newSite(t)
	u := &user{t: t, ctx: browser(t), site: s}
	u.login("intake@T1")
	u.do(chromedp.Navigate(s.URL+"/cases/new"), chromedp.WaitVisible(chromedp.ID("new-case")),
		chromedp.SetValue(chromedp.CSS("select[name=source]"), "网格排查"),
		chromedp.SetValue(chromedp.CSS("select[name=category]"), "邻里"),
		chromedp.SetValue(chromedp.CSS("select[name=location]"), fmt.Sprint(s.units["G12"].ID)),
		chromedp.SetValue(chromedp.CSS("select[name=risk]"), "red"),
		chromedp.Click(chromedp.CSS("input[name=flags][value=civil_to_criminal]")),
		chromedp.SendKeys(chromedp.CSS("textarea[name=summary]"), "邻里纠纷中一方扬言持刀报复，有民转刑风险。"),
		chromedp.SendKeys(chromedp.CSS("input[name='parties.0.name']"), "吴芳"),
		chromedp.SendKeys(chromedp.CSS("input[name='parties.1.name']"), "钱伟"),
		chromedp.Click(chromedp.CSS("input[name=decision][value=register]")),
		chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("receipt")),
		chromedp.Click(chromedp.CSS("p.noprint a")), chromedp.WaitVisible(chromedp.ID("timeline")))
	u.wantState(workflow.Registered)
	u.act("refer")
	u.do(chromedp.SetValue(chromedp.CSS("select[name=partner]"), "P1"),
		chromedp.SendKeys(chromedp.CSS("textarea[name=reason]"), "一方扬言报复，有民转刑风险，移交派出所"))
	u.submit()
	u.wantState(workflow.Referred)
	path, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}

	// The police station's liaison: the referral waits, unsigned, in its
	// queue; the case shows the parties in full, as a 民转刑 risk needs.
	p := &user{t: t, ctx: browser(t), site: s}
	p.login("partner@P1")
	if q := p.text("#awaiting-feedback"); !strings.Contains(q, "移交本单位待办理") || !strings.Contains(q, "未签收") {
		t.Errorf("the liaison's queue: %s", q)
	}
	p.do(chromedp.Click(chromedp.CSS("#awaiting-feedback a[href='"+path+"']")), chromedp.WaitVisible(chromedp.ID("timeline")))
	if parties := p.text("table.parties"); !strings.Contains(parties, "吴芳") {
		t.Errorf("parties: %s", parties)
	}
	p.act("sign")
	p.submit()
	p.act("note")
	p.do(chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "已传唤钱伟，进行训诫。"))
	p.submit()
	p.act("partner_close")
	p.do(chromedp.SendKeys(chromedp.CSS("textarea[name=result]"), "派出所已对钱伟训诫并调处完毕，双方签字。"))
	p.submit()
	p.wantState(workflow.PartnerClosed)
	if tl := p.text("#timeline"); !strings.Contains(tl, "签收") || !strings.Contains(tl, "训诫") || !strings.Contains(tl, "按期反馈") {
		t.Errorf("the liaison's timeline: %s", tl)
	}
	p.screenshot("referral-partner.png")

	// The desk and the supervisor see the feedback, on time.
	for _, viewer := range []*user{u, {t: t, ctx: browser(t), site: s}} {
		if viewer != u {
			viewer.login("supervisor@T1")
		}
		viewer.do(chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.ID("timeline")))
		viewer.wantState(workflow.PartnerClosed)
		if tl := viewer.text("#timeline"); !strings.Contains(tl, "油车港派出所") || !strings.Contains(tl, "训诫") ||
			!strings.Contains(tl, "签收") || !strings.Contains(tl, "按期反馈") {
			t.Errorf("timeline: %s", tl)
		}
	}
	u.screenshot("referral.png")
}

// TestJourneyReport: the supervisor opens the month's report, follows a
// figure to its case list, and downloads the Excel file.
func TestJourneyReport(t *testing.T) {
	s := newSite(t)
	u := &user{t: t, ctx: browser(t), site: s}
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(u.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	u.login("supervisor@T1")
	year := time.Now().In(s.e.Location).Format("2006")
	// A period and a unit other than the defaults, chosen on the page.
	u.do(chromedp.Navigate(s.URL+"/reports"), chromedp.WaitVisible(chromedp.ID("summary")),
		chromedp.SetValue(chromedp.CSS("#report-form select[name=period]"), year),
		chromedp.SetValue(chromedp.CSS("#report-form select[name=unit]"), "V1"),
		chromedp.Click(chromedp.CSS("#report-form button:not(.print)")))
	if h := u.waitText("main h1", "麟湖村 "+year); !strings.Contains(h, "麟湖村 "+year) {
		t.Fatalf("the report heading is %q", h)
	}
	u.screenshot("report.png")
	hrefs, err := chromedp.Run(u.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#headline a, #summary a.figure")].map(a => a.getAttribute("href"))`))
	if err != nil || len(hrefs) < 5 {
		t.Fatalf("headline and figure links: %v %v", hrefs, err)
	}
	for _, href := range hrefs {
		if !strings.Contains(href, "unit=V1") || !strings.Contains(href, "period="+year) {
			t.Errorf("the link %s lost the unit or the period", href)
			continue
		}
		u.do(chromedp.Navigate(s.URL+href), chromedp.WaitVisible(chromedp.ID("figure-cases")))
		if h := u.text("main h1"); !strings.Contains(h, "麟湖村 "+year) {
			t.Errorf("%s opens %q", href, h)
		}
	}
	// The agreed figure lists the agreed case of 麟湖村.
	u.do(chromedp.Navigate(s.URL+"/reports/cases?unit=V1&period="+year+"&figure=agreed"), chromedp.WaitVisible(chromedp.ID("figure-cases")))
	if list := u.text("#figure-cases"); !strings.Contains(list, s.cases["agreed"].Number) || strings.Contains(list, s.cases["grid"].Number) {
		t.Errorf("the agreed figure lists: %s", list)
	}
	for _, format := range []string{"csv", "xlsx"} {
		u.do(chromedp.Navigate(s.URL+"/reports?unit=V1&period="+year), chromedp.WaitVisible(chromedp.ID(format)),
			chromedp.Click(chromedp.ID(format)))
		file := download(t, dir, "*."+format)
		var title string
		if format == "csv" {
			b, _ := os.ReadFile(file)
			title = strings.SplitN(string(b), "\n", 2)[0]
		} else {
			wb, err := excelize.OpenFile(file)
			if err != nil {
				t.Fatal(err)
			}
			title, _ = wb.GetCellValue("汇总", "A1")
			if v, _ := wb.GetCellValue("汇总", "A3"); v != "登记" {
				t.Errorf("the workbook's first figure is %q", v)
			}
			wb.Close()
		}
		if !strings.Contains(title, "麟湖村 "+year) {
			t.Errorf("the %s is titled %q", format, title)
		}
	}
	// A month of the town prints on at most three A4 pages, headline first.
	month := time.Now().In(s.e.Location).Format("2006-01")
	u.do(chromedp.Navigate(s.URL+"/reports?unit=T1&period="+month), chromedp.WaitVisible(chromedp.ID("summary")))
	if pages := u.printedPages("report.pdf"); pages < 1 || pages > 3 {
		t.Errorf("the month prints on %d pages, want at most 3", pages)
	}
}

// waitValue waits until the value of the input sel is want, and returns
// the value it last had.
func (u *user) waitValue(sel, want string) string {
	return u.poll(chromedp.Value(chromedp.CSS(sel)), func(got string) bool { return got == want })
}

// waitText waits until the text of sel holds want, and returns the text it
// last had.
func (u *user) waitText(sel, want string) string {
	return u.poll(chromedp.Text(chromedp.CSS(sel)), func(got string) bool { return strings.Contains(got, want) })
}

// poll reads the page, for up to patience, until done says what it read
// will do, and returns what it last read.
func (u *user) poll(read chromedp.Action[string], done func(string) bool) string {
	var got string
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
		got, _ = chromedp.Run(ctx, read)
		cancel()
		if done(got) {
			break
		}
	}
	return got
}

// pdfPage matches a page object of a PDF.
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

// printedPages prints the page to PDF on A4, as the browser's print does,
// saves it under the test's artifact folder and returns its page count.
func (u *user) printedPages(name string) int {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, patience)
	defer cancel()
	pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69, PreferCSSPageSize: ptr(true)})
	if err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(u.t.ArtifactDir(), name), pdf.Data, 0o644); err != nil {
		u.t.Fatal(err)
	}
	return len(pdfPage.FindAll(pdf.Data, -1))
}

func ptr[T any](v T) *T { return &v }

// download waits for one file matching pattern in dir and removes it after
// the test.
func download(t *testing.T, dir, pattern string) string {
	t.Helper()
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if matches, _ := filepath.Glob(filepath.Join(dir, pattern)); len(matches) == 1 {
			if _, err := os.Stat(matches[0] + ".crdownload"); err == nil {
				continue
			}
			return matches[0]
		}
	}
	t.Fatalf("no %s was downloaded", pattern)
	return ""
}

// adminAdd opens the console, fills the form of one of its sections with
// name and value pairs, sends it and returns the message it leaves.
func (u *user) adminAdd(section string, fields ...string) string {
	u.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(u.site.URL + "/admin"), chromedp.WaitVisible(chromedp.ID("units")),
		chromedp.Click(chromedp.CSS(section + " summary"))}
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(section+" [name="+fields[i]+"]"), fields[i+1]))
	}
	u.do(append(steps, chromedp.Click(chromedp.CSS(section+" button")), chromedp.WaitVisible(chromedp.CSS("p.flash")))...)
	return u.text("p.flash")
}

// TestJourneyFirstAdmin starts a town from nothing: the administrator
// opens the one-time setup link, sets up the town, two villages, four
// grids and four accounts on the console; a grid mediator logs in with the
// temporary password, must choose their own, and settles a dispute at the
// gate; the audit page shows every step.
func TestJourneyFirstAdmin(t *testing.T) {
	db := storetest.Open(t)
	e := engine.New(db)
	srv, err := web.NewServer(web.NewServices(e, db), web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{e: e, db: db, Server: httptest.NewServer(srv)}
	t.Cleanup(s.Close)
	token, err := account.New(e, db).SetupToken(ctx)
	if err != nil || token == "" {
		t.Fatalf("setup token: %q %v", token, err)
	}
	u := &user{t: t, ctx: browser(t), site: s}
	u.do(chromedp.Navigate(s.URL+"/setup?token="+token), chromedp.WaitVisible(chromedp.ID("setup-form")),
		typed("unit_code", "YCG", "unit_name", "油车港镇", "case_prefix", "油", "name", "guanli", "display", "沈管理",
			"password", "管理员的长密码1", "repeat", "管理员的长密码1"),
		chromedp.Click(chromedp.CSS("#setup-form button")), chromedp.WaitVisible(chromedp.ID("units")))
	for _, un := range []struct{ code, name, level, parent string }{
		{"LH", "麟湖村", "village", "YCG"}, {"ZY", "正阳社区", "village", "YCG"},
		{"LH1", "麟湖村第1网格", "grid", "LH"}, {"LH2", "麟湖村第2网格", "grid", "LH"},
		{"ZY1", "正阳社区第1网格", "grid", "ZY"}, {"ZY2", "正阳社区第2网格", "grid", "ZY"},
	} {
		if flash := u.adminAdd("#add-unit", "code", un.code, "name", un.name, "level", un.level, "parent", un.parent); !strings.Contains(flash, un.name) {
			t.Fatalf("adding %s: %s", un.name, flash)
		}
	}
	temps := map[string]string{}
	tempRE := regexp.MustCompile(`临时密码：([a-z0-9]+)`)
	for _, a := range []struct{ name, display, role, unit string }{
		{"jiedai", "李接待", "intake", "YCG"}, {"duban", "王督办", "supervisor", "YCG"},
		{"cuntiao", "钱村调", "mediator", "LH"}, {"wangge", "赵网格", "mediator", "ZY1"},
	} {
		flash := u.adminAdd("#add-account", "name", a.name, "display", a.display, "role", a.role, "unit", a.unit)
		m := tempRE.FindStringSubmatch(flash)
		if m == nil {
			t.Fatalf("no temporary password for %s: %s", a.name, flash)
		}
		temps[a.name] = m[1]
	}
	units := u.text("#units")
	for _, want := range []string{"油车港镇 / 麟湖村 / 麟湖村第2网格", "油车港镇 / 正阳社区 / 正阳社区第1网格", "油车港镇 / 正阳社区 / 正阳社区第2网格",
		"油车港镇 / 麟湖村 / 麟湖村第1网格"} {
		if !strings.Contains(units, want) {
			t.Errorf("the unit tree lacks %s:\n%s", want, units)
		}
	}
	u.screenshot("admin-console.png")
	u.logout()

	// The grid mediator must choose a password before anything else.
	u.do(chromedp.SendKeys(chromedp.CSS("input[name=name]"), "wangge"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), temps["wangge"]),
		chromedp.Click(chromedp.CSS("form[action='/login'] button")), chromedp.WaitVisible(chromedp.ID("forced")))
	u.do(chromedp.Navigate(s.URL+"/cases"), chromedp.WaitVisible(chromedp.ID("forced")))
	u.do(chromedp.SendKeys(chromedp.CSS("input[name=current]"), temps["wangge"]),
		chromedp.SendKeys(chromedp.CSS("#password-form input[name=password]"), "网格员自己的密码"),
		chromedp.SendKeys(chromedp.CSS("input[name=repeat]"), "网格员自己的密码"),
		chromedp.Click(chromedp.CSS("#password-form button")), chromedp.WaitVisible(chromedp.CSS("table.cases")))
	u.settleAtGate("调解员赶到现场，双方当场握手言和。", "周强当场赔付陈明修车费800元。")
	u.wantState(workflow.Agreed)
	if number := u.text("h1"); !strings.Contains(number, "油调") {
		t.Errorf("the case number: %s", number)
	}
	u.logout()

	u.do(chromedp.SendKeys(chromedp.CSS("input[name=name]"), "guanli"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), "管理员的长密码1"),
		chromedp.Click(chromedp.CSS("form[action='/login'] button")), chromedp.WaitVisible(chromedp.CSS("table.cases")),
		chromedp.Navigate(s.URL+"/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
	trail := u.text("#audit")
	for _, want := range []string{"首次设置：油车港镇，系统管理员 guanli", "保存单位：LH 麟湖村", "保存单位：ZY2 正阳社区第2网格",
		"新建账号：jiedai", "新建账号：wangge", "赵网格", "修改密码", "登录", "退出登录"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the audit trail lacks %q:\n%s", want, trail)
		}
	}
	u.screenshot("admin-audit.png")
}

// fits fails the test where the page scrolls sideways (the document is
// wider than the screen), and saves the page as a screenshot.
func (u *user) fits(shot string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, patience)
	defer cancel()
	widths, err := chromedp.Run(ctx, chromedp.Evaluate[[]int]("[document.documentElement.scrollWidth, screen.width]"))
	if err != nil {
		u.t.Fatal(err)
	}
	u.screenshot(shot)
	if widths[0] > widths[1] {
		u.t.Errorf("%s: the page is %d px wide on a %d px screen", shot, widths[0], widths[1])
	}
}

// TestPhoneWidth opens each main page as its users would on a 390 px phone
// and fails where the page scrolls sideways: the document is wider than
// the screen (a wide report table scrolls inside its card, not the page).
// Each page is saved as a screenshot.
func TestPhoneWidth(t *testing.T) {
	s := newSite(t)
	u := &user{t: t, ctx: browser(t), site: s}
	u.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	grid, agreed, referred := s.cases["grid"].ID, s.cases["agreed"].ID, s.cases["referred"].ID
	// A long entry on the ledger, so that its list and the 研判 have a row.
	med, _ := s.db.FindUserByName(ctx, "mediator@G11")
	if _, err := web.NewServices(s.e, s.db).Ledger.Add(ctx, med.Actor(), &ledger.NewEntry{Kind: ledger.KindGroup,
		Name: "胜丰村某建筑工地讨薪的外来务工人员", People: 14, Unit: "G11", Category: "欠薪群体", Colour: ledger.Red,
		Reason: "工程款未结，14名农民工多次聚集讨薪，扬言集体上访。", Owners: []string{"mediator@G11"}, Approver: "村书记"}); err != nil {
		t.Fatal(err)
	}
	for _, visit := range []struct {
		who   string
		pages []string
	}{
		{"", []string{"/login", "/lookup", "/apply", "/apply?unit=V1", "/apply/poster?unit=V1"}},
		{"intake@T1", []string{"/cases", fmt.Sprintf("/cases/%d", grid), "/cases/new", fmt.Sprintf("/cases/%d/receipt", grid)}},
		{"mediator@G11", []string{"/cases", fmt.Sprintf("/cases/%d", agreed), "/doorstep", fmt.Sprintf("/cases/%d/do/escalate", grid),
			fmt.Sprintf("/cases/%d/do/agree", grid), fmt.Sprintf("/cases/%d/do/visit", agreed), fmt.Sprintf("/cases/%d/do/attach", grid),
			fmt.Sprintf("/cases/%d/do/session", grid),
			"/notifications", "/sweeps", "/ledger", "/ledger/new"}},
		{"supervisor@T1", []string{"/cases", "/overdue", "/reports", "/audit", "/ledger", "/assess", "/registry", "/committees",
			"/subsidies"}},
		{"partner@P1", []string{"/cases", fmt.Sprintf("/cases/%d", referred), "/cases/new", fmt.Sprintf("/cases/%d/do/partner_close", referred),
			fmt.Sprintf("/cases/%d/documents", referred)}},
		{"admin@T1", []string{"/admin"}},
	} {
		if visit.who != "" {
			u.login(visit.who)
		}
		for _, page := range visit.pages {
			u.do(chromedp.Navigate(s.URL+page), chromedp.WaitVisible(chromedp.CSS("main")))
			name := strings.NewReplacer("/", "_", "?", "_").Replace(strings.Trim(page, "/"))
			u.fits(fmt.Sprintf("phone-%s-%s.png", strings.ReplaceAll(visit.who, "@", "-"), name))
		}
		if visit.who != "" {
			u.logout()
		}
	}
}
