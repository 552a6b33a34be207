package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/grassroots/mediation/workflow"
)

// onPhone is a user on a 390 px phone.
func onPhone(t *testing.T, s *site) *user {
	u := &user{t: t, ctx: browser(t), site: s}
	u.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	return u
}

// TestJourneyDeskDay is the intake clerk's day on a phone: three disputes
// registered, each accepted where the routing suggests by just pressing
// 登记 (a contract dispute goes to the village), then found in the desk's
// own queue.
func TestJourneyDeskDay(t *testing.T) {
	s := newSite(t)
	u := onPhone(t, s)
	u.login("intake@T1")
	u.fits("desk-queue-morning.png")
	var numbers []string
	var states []string
	for i, d := range []struct {
		category, name, phone, summary string
		to                             workflow.State
	}{
		{"邻里", "王建国", "13700000001", "两户因院墙滴水发生争执，多次协商未果。", workflow.Grid},
		{"婚姻家庭", "刘芳", "13700000002", "夫妻因子女抚养费支付问题发生矛盾。", workflow.Grid},
		{"合同", "赵强", "13700000003", "农资店与农户因化肥货款结算发生纠纷。", workflow.Village},
	} {
		u.do(chromedp.Click(chromedp.CSS("nav a[href='/cases/new']")), chromedp.WaitVisible(chromedp.ID("new-case")),
			chromedp.SetValue(chromedp.ID("source"), "当事人申请"),
			chromedp.SetValue(chromedp.ID("category"), d.category),
			chromedp.SetValue(chromedp.ID("location"), fmt.Sprint(s.units["G11"].ID)),
			chromedp.SetValue(chromedp.ID("people"), "2"),
			chromedp.SetValue(chromedp.ID("risk"), "green"),
			typed("summary", d.summary, "parties.0.name", d.name, "parties.0.phone", d.phone))
		if i == 0 {
			u.fits("desk-new-case.png")
		}
		u.do(chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("receipt")))
		if flash := u.text("p.flash"); !strings.Contains(flash, "已受理·分流到"+string(d.to.Level().Label())) {
			t.Errorf("case %d: the flash says %q", i+1, flash)
		}
		states = append(states, d.to.Label())
		number := u.text("#receipt h1 + p")
		numbers = append(numbers, number)
		if i == 0 {
			u.fits("desk-receipt.png")
		}
	}
	u.do(chromedp.Click(chromedp.CSS("nav a[href='/cases']")), chromedp.WaitVisible(chromedp.ID("registered-mine")))
	mine := u.text("#registered-mine")
	for _, n := range numbers {
		if n == "" || !strings.Contains(mine, n) {
			t.Errorf("the desk's queue lacks %q: %s", n, mine)
		}
	}
	for i, n := range numbers {
		if !strings.Contains(mine, n+" ") || !strings.Contains(mine[strings.Index(mine, n):], states[i]) {
			t.Errorf("%s is not %s in the queue: %s", n, states[i], mine)
		}
	}
	u.fits("desk-queue-evening.png")
}

// TestJourneyDoorstepPhotos: a grid mediator settles a dispute at the gate
// on a phone and attaches two photos of the scene, which the case page
// shows.
func TestJourneyDoorstepPhotos(t *testing.T) {
	s := newSite(t)
	u := onPhone(t, s)
	u.login("mediator@G21")
	u.settleAtGate("双方在小区门口当场协商，调解员释法说理。", "周强当场赔付陈明修车费800元，双方再无争议。")
	u.wantState(workflow.Agreed)
	dir := t.TempDir()
	var files []string
	for i, shade := range []uint8{60, 180} {
		p := filepath.Join(dir, fmt.Sprintf("现场%d.png", i+1))
		if err := os.WriteFile(p, pngPhoto(t, shade), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	u.act("attach")
	u.fits("doorstep-attach-form.png")
	u.do(chromedp.SetUploadFiles(`input[type=file][name=file]`, files))
	u.submit()
	if flash := u.text("p.flash"); !strings.Contains(flash, "上传附件") {
		t.Errorf("the flash says %q", flash)
	}
	loaded := u.poll(chromedp.Evaluate[string](`[...document.querySelectorAll('#attachments img.thumb')].filter(i => i.complete && i.naturalWidth > 0).length + ''`),
		func(s string) bool { return s == "2" })
	if loaded != "2" {
		t.Errorf("%s thumbnails shown, want 2", loaded)
	}
	if list := u.text("#attachments"); !strings.Contains(list, "现场1.png") || !strings.Contains(list, "现场2.png") {
		t.Errorf("the attachments: %s", list)
	}
	u.fits("doorstep-photos.png")
}

// TestJourneyNotified: the grid mediator escalates a case on a phone; the
// village's mediator sees the notification's count, opens the case from it,
// and the count is gone.
func TestJourneyNotified(t *testing.T) {
	s := newSite(t)
	u := onPhone(t, s)
	u.login("mediator@G11")
	u.openCase(s.cases["grid"].Number)
	u.act("escalate")
	u.do(chromedp.SetValue(chromedp.CSS("select[name=reason]"), "超出调解能力"),
		chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "涉及宅基地界址，需村里协调。"))
	u.submit()
	u.wantState(workflow.Village)
	u.logout()
	u.login("mediator@V1")
	if n := u.text("#nav-notifications .count"); n != "1" {
		t.Errorf("the village's unread count is %q", n)
	}
	u.do(chromedp.Click(chromedp.ID("nav-notifications")), chromedp.WaitVisible(chromedp.ID("notifications")))
	if item := u.text("#notifications li.unread"); !strings.Contains(item, "上报") || !strings.Contains(item, s.cases["grid"].Number) {
		t.Errorf("the notification: %s", item)
	}
	u.fits("notified-list.png")
	u.do(chromedp.Click(chromedp.CSS("#notifications li.unread button")), chromedp.WaitVisible(chromedp.ID("timeline")))
	u.wantState(workflow.Village)
	if h := u.text("#handling"); !strings.Contains(h, "麟湖村") {
		t.Errorf("handled by %s", h)
	}
	u.fits("notified-case.png")
	if n, _ := chromedp.Run(u.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#nav-notifications .count').length`)); n != 0 {
		t.Errorf("the count is still shown after opening the notification")
	}
}

// TestJourneyArchivedFile: the mediator opens an archived file. It offers
// no note, attachment or confirmation any more, only a 卷宗补充, which the
// 卷内备考表 then prints. The printed file starts with the cover alone,
// the contents on the next page; the contents give each document's pages,
// and they and the total agree with the pages the browser prints.
func TestJourneyArchivedFile(t *testing.T) {
	s, cases := documentCases(t)
	k := cases["written"]
	u := &user{t: t, ctx: browser(t), site: s}
	u.login("mediator@G11")
	u.do(chromedp.Navigate(s.URL+casePath(k, "")), chromedp.WaitVisible(chromedp.ID("timeline")))
	offered := u.poll(chromedp.Evaluate[string](`[...document.querySelectorAll('a[data-action]')].map(a => a.dataset.action).join(',')`),
		func(string) bool { return true })
	if offered != "supplement" {
		t.Errorf("an archived file offers %q, want supplement alone", offered)
	}
	u.act("supplement")
	u.do(chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "法院裁定确认协议有效（（2026）浙0411民特12号）"),
		chromedp.SendKeys(chromedp.CSS("textarea[name=reason]"), "归档后收到法院裁定书"))
	u.submit()
	if flash := u.text("p.flash"); flash != "已记录：卷宗补充。" {
		t.Errorf("the flash says %q", flash)
	}

	u.do(chromedp.Navigate(s.URL+casePath(k, "/documents")), chromedp.WaitVisible(chromedp.ID("contents")))
	total := u.poll(chromedp.Evaluate[string](`document.querySelector('.page-total').textContent.trim()`),
		func(s string) bool { return s != "" })
	rows := u.poll(chromedp.Evaluate[string](`[...document.querySelectorAll('#contents tr[data-doc] .page-no')].map(td => td.textContent).join(' ')`),
		func(string) bool { return true })
	if marker := u.poll(chromedp.Evaluate[string](`getComputedStyle(document.querySelector('ol.terms')).listStyleType`),
		func(string) bool { return true }); marker != "cjk-ideographic" {
		t.Errorf("the terms are numbered %q, want 一、二、", marker)
	}
	if back := u.text("#doc-back"); !strings.Contains(back, "mediator@G11 卷宗补充：法院裁定确认协议有效（（2026）浙0411民特12号）（原因：归档后收到法院裁定书）") ||
		!strings.Contains(back, "本卷共有文书 10 份，共 "+total+" 页。") {
		t.Errorf("the 卷内备考表: %s", back)
	}
	printed := u.printedPages("file.pdf")
	t.Logf("页号 %s, total %s, printed %d pages", rows, total, printed)
	if fmt.Sprint(printed) != total {
		t.Errorf("the file says it has %s pages; it prints on %d", total, printed)
	}
	numbers := strings.Fields(rows)
	if len(numbers) != 10 || numbers[0] != "1-2" || !strings.HasSuffix(numbers[9], total) {
		t.Errorf("the contents' 页号: %q, want 1-2 for the cover and contents and the last page last", rows)
	}
	for i := 1; i < len(numbers); i++ {
		prev, cur := strings.Split(numbers[i-1], "-"), strings.Split(numbers[i], "-")
		var end, start int
		fmt.Sscan(prev[len(prev)-1], &end)
		fmt.Sscan(cur[0], &start)
		if start != end+1 {
			t.Errorf("row %d starts at page %d after a row ending at %d", i+1, start, end)
		}
	}
}
