package web_test

import (
	"fmt"
	"net/url"
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
