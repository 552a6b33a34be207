package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
)

// TestListCounts checks how a list counts what it cannot show on one
// page: a search that tests the cases one by one (a name of one character)
// counts to the page's end and one more, and says "30+"; a search the text
// index answers counts them all; the second page of the one-by-one search
// follows the first.
func TestListCounts(t *testing.T) {
	s := newSite(t)
	var items []engine.Opening
	for i := range 45 {
		items = append(items, engine.Opening{Case: &engine.NewCase{Source: "当事人申请", Category: "邻里",
			LocationID: s.units["G11"].ID, People: 2, Risk: engine.RiskGreen, Summary: "两户因化粪池渗漏发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: fmt.Sprintf("欧阳%c", '一'+rune(i))},
				{Side: engine.SideRespondent, Name: "邻居"}}}})
	}
	if err := s.e.OpenCases(ctx, engine.System, items); err != nil {
		t.Fatal(err)
	}
	sup := s.login(t, "supervisor@T1")
	for _, tc := range []struct {
		q, want, pages string
	}{
		{"欧", "共 30+ 件", "第 1 / 1+ 页"},
		{"欧阳", "共 30+ 件", "第 1 / 1+ 页"},
		{"欧阳一", "共 1 件", "第 1 / 1 页"},
		{"化粪池", "共 45 件", "第 1 / 2 页"},
	} {
		status, page := sup.get("/cases?q=" + url.QueryEscape(tc.q))
		if status != 200 || !strings.Contains(page, tc.want) || !strings.Contains(page, tc.pages) {
			t.Errorf("%s: %d, want %q and %q in\n%s", tc.q, status, tc.want, tc.pages, textOf(t, page, "main h1"))
		}
	}
	// The second page of a one-by-one search holds the fifteen others,
	// and counts exactly.
	status, page := sup.get("/cases?q=" + url.QueryEscape("欧阳") + "&page=2")
	if status != 200 || !strings.Contains(page, "共 45 件") || strings.Count(textOf(t, page, "table.cases tbody"), "欧阳") != 15 {
		t.Errorf("the second page: %d\n%s", status, textOf(t, page, "main"))
	}
}
