package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestBoundedStatements: the case page and each role's queue send as many
// SQL statements with a timeline of 300 more events, and 100 more cases in
// the town, as before, and never more than 20 (the session, the user, the
// navigation's counts and the page's own reads).
func TestBoundedStatements(t *testing.T) {
	// The engine's clock stands still, so that the users of the sessions,
	// cached for two seconds of it, are read the same number of times
	// however slowly a busy machine runs the test.
	now := time.Now()
	s := newSiteAt(t, func() time.Time { return now })
	grid := s.cases["grid"]
	pages := []struct{ who, path string }{
		{"mediator@G11", casePath(grid, "")},
		{"intake@T1", casePath(grid, "")},
		{"intake@T1", "/cases"},
		{"mediator@G11", "/cases"},
		{"supervisor@T1", "/cases"},
		{"supervisor@T1", "/overdue"},
	}
	clients := map[string]*client{}
	count := func() []int64 {
		var out []int64
		for _, p := range pages {
			c := clients[p.who]
			if c == nil {
				c = s.login(t, p.who)
				clients[p.who] = c
			}
			// Two visits first: the session is written when it changes,
			// and then at most once a minute.
			c.get(p.path)
			c.get(p.path)
			before := s.db.Statements()
			if code, _ := c.get(p.path); code != http.StatusOK {
				t.Fatalf("%s as %s: %d", p.path, p.who, code)
			}
			out = append(out, s.db.Statements()-before)
		}
		return out
	}
	small := count()
	med, err := s.db.FindUserByName(ctx, "mediator@G11")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		k := s.caseNow(t, "grid")
		if _, err := s.e.Record(ctx, med.Actor(), k.ID, workflow.AddNote, engine.Input{Version: k.Version, Note: fmt.Sprintf("第%d次电话联系", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if _, err := s.e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: s.units["G11"].ID,
			People: 2, Risk: engine.RiskGreen, Summary: "两户因排水沟堵塞发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: fmt.Sprintf("申请人%d", i), Phone: fmt.Sprintf("139%08d", i)}}},
			engine.Step{Event: workflow.AcceptGrid}); err != nil {
			t.Fatal(err)
		}
	}
	large := count()
	for i, p := range pages {
		if large[i] != small[i] || large[i] > 20 {
			t.Errorf("%s as %s: %d statements, %d before the case and the town grew", p.path, p.who, large[i], small[i])
		}
		t.Logf("%s as %s: %d statements", p.path, p.who, large[i])
	}
}

// TestTimelineFolds: a case of 60 events, notes after its acceptance,
// shows its first 5 and last 20 with a link to the 35 notes between, which
// shows them all; a session among the notes stays in view.
func TestTimelineFolds(t *testing.T) {
	s := newSite(t)
	med, err := s.db.FindUserByName(ctx, "mediator@G11")
	if err != nil {
		t.Fatal(err)
	}
	k := s.caseNow(t, "grid")
	for i := k.Version; i < 61; i++ {
		k = s.caseNow(t, "grid")
		in, act := engine.Input{Version: k.Version, Note: fmt.Sprintf("备注%d", i+1)}, workflow.AddNote
		if i == 30 {
			in, act = engine.Input{Version: k.Version, Session: &engine.Session{Place: "村调委会", Record: "双方到场，各自陈述。"}}, workflow.LogSession
		}
		if _, err := s.e.Record(ctx, med.Actor(), k.ID, act, in); err != nil {
			t.Fatal(err)
		}
	}
	c := s.login(t, "mediator@G11")
	for _, tc := range []struct {
		path    string
		entries int
		folded  string
	}{
		{casePath(k, ""), 26, "另有 35 条备注已折叠，显示全部"},
		{casePath(k, "?timeline=all"), 61, ""},
	} {
		_, page := c.get(tc.path)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		if n := doc.Find("#timeline > li:not(.folded)").Length(); n != tc.entries {
			t.Errorf("%s: %d entries, want %d", tc.path, n, tc.entries)
		}
		if got := strings.TrimSpace(doc.Find("#folded").Text()); got != tc.folded {
			t.Errorf("%s: the fold says %q, want %q", tc.path, got, tc.folded)
		}
		if doc.Find("#timeline li:contains('双方到场，各自陈述')").Length() != 1 {
			t.Errorf("%s: the session among the notes is not shown", tc.path)
		}
	}
}
