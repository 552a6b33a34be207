package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/grassroots/mediation/workflow"
)

// TestJourneyApplyOnline is 「一码管到底」 on a phone: a party scans 麟湖村's
// QR code, applies with a photo and keeps the code; the desk accepts the
// dispute at the grid, whose mediator records a written agreement; the
// party looks the case up, confirms the agreement performed and rates the
// service 基本满意; the mediator reads it at the 回访, and the town's
// supervisor finds it in the month's report.
func TestJourneyApplyOnline(t *testing.T) {
	s := newSite(t)
	photo := filepath.Join(t.TempDir(), "外机.png")
	if err := os.WriteFile(photo, pngPhoto(t, 120), 0o644); err != nil {
		t.Fatal(err)
	}
	u := onPhone(t, s)
	u.do(chromedp.Navigate(s.URL+"/apply?unit=V1"), chromedp.WaitVisible(chromedp.ID("apply")))
	u.do(typed("applicant.name", "周敏", "applicant.phone", "139 0573 0001", "other.name", "吴刚",
		"summary", "邻居家的空调外机正对我家卧室窗户，夜里噪音很大，协商无果。", "requests", "请求调解，移走空调外机。"),
		chromedp.SetValue(chromedp.CSS("select[name=location]"), "G11"),
		chromedp.SetUploadFiles(`input[type=file][name=file]`, []string{photo}))
	u.fits("apply-form.png")
	u.do(chromedp.Click(chromedp.ID("submit-application")), chromedp.WaitVisible(chromedp.ID("applied")))
	code := u.text("#code")
	applied := u.text("#applied")
	number := strings.TrimSpace(strings.SplitN(strings.SplitN(applied, "案号", 2)[1], "查询码", 2)[0])
	if len(code) != 10 || !strings.Contains(applied, "油车港镇矛盾纠纷调处化解中心") {
		t.Fatalf("the receipt: %q", applied)
	}
	u.fits("apply-receipt.png")

	u.login("intake@T1")
	u.openCase(number)
	if tl, files := u.text("#timeline"), u.text("#attachments"); !strings.Contains(tl, "登记 · 周敏") || !strings.Contains(files, "外机.png") {
		t.Errorf("the desk reads %q and the files %q", tl, files)
	}
	u.act("accept_grid")
	u.submit()
	u.wantState(workflow.Grid)
	u.logout()

	u.login("mediator@G11")
	u.openCase(number)
	u.act("agree")
	u.do(chromedp.SetValue(chromedp.CSS("select[name='agreement.kind']"), "written"),
		typed("agreement.terms", "吴刚将空调外机移至东侧墙面。", "agreement.performance", "吴刚自行移装"))
	u.submit()
	u.wantState(workflow.Agreed)
	u.logout()

	u.do(chromedp.Navigate(s.URL+"/lookup?code="+code), chromedp.WaitVisible(chromedp.ID("lookup")),
		chromedp.SendKeys(chromedp.CSS("input[name=phone]"), "13905730001"),
		chromedp.Click(chromedp.CSS("#lookup button")), chromedp.WaitVisible(chromedp.ID("lookup-result")))
	if got := u.text("#steps"); !strings.Contains(got, "已受理，由麟湖村人民调解委员会") || !strings.Contains(got, "双方达成调解协议") {
		t.Errorf("the party reads %q", got)
	}
	u.fits("party-follows.png")
	u.do(typed("note", "外机已经移走。"), chromedp.Click(chromedp.ID("confirm")))
	u.waitText("#done", "已记录您的履行确认，调解员回访后结案。")
	u.do(chromedp.Click(chromedp.CSS("#rate-form input[name=rating][value=fair]")), typed("comment", "处理及时，调解员很耐心。"),
		chromedp.Click(chromedp.ID("rate")))
	u.waitText("#done", "谢谢您的评价。")
	if got := u.text("#steps"); !strings.Contains(got, "您确认协议已履行：外机已经移走。") || !strings.Contains(got, "您评价调解服务：基本满意。") {
		t.Errorf("after confirming and rating: %q", got)
	}
	u.fits("party-rated.png")

	// The mediator reads it on the timeline and at the 回访.
	u.login("mediator@G11")
	u.openCase(number)
	if tl := u.text("#timeline"); !strings.Contains(tl, "评价：基本满意——处理及时，调解员很耐心。") {
		t.Errorf("the mediator's timeline: %s", tl)
	}
	u.act("visit")
	if got := u.text("#party-feedback"); !strings.Contains(got, "周敏确认已履行：外机已经移走。") || !strings.Contains(got, "周敏评价：基本满意——处理及时，调解员很耐心。") {
		t.Errorf("the 回访 form shows %q", got)
	}
	u.logout()

	u.login("supervisor@T1")
	month := s.e.Now().In(s.e.Location).Format("2006-01")
	u.do(chromedp.Navigate(s.URL+"/reports?unit=T1&period="+month), chromedp.WaitVisible(chromedp.ID("report-page")))
	if got := u.text("#report-page"); !strings.Contains(got, "网上申请和服务评价") {
		t.Fatalf("the report lacks the parties' section")
	}
	row := u.poll(chromedp.Evaluate[string](`[...document.querySelectorAll('section.card')].filter(s => s.querySelector('h2')?.textContent === '网上申请和服务评价')
		.map(s => [...s.querySelectorAll('tr')].at(-1).innerText).join('')`), func(s string) bool { return s != "" })
	if fields := strings.Fields(row); strings.Join(fields, " ") != "合计 1 1 0 1 0 1 0 100.0" {
		t.Errorf("the report's total: %q", row)
	}
	u.fits("report-parties.png")
}
