package store_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

// TestPlans asks the planner, on SQLite and PostgreSQL, how it reads the
// lists, the reports and the scheduler's statements over forty towns (one
// database for both, built once: the scheduler's pass, which writes, comes
// last).
func TestPlans(t *testing.T) {
	db, e, tree, now := planTowns(t)
	t.Run("lists", func(t *testing.T) { listPlans(t, db, tree, now) })
	t.Run("reports and scheduler", func(t *testing.T) { reportAndSchedulerPlans(t, db, e, now) })
}

// listPlans asks the planner how it reads the lists of one town among
// others, its statistics refreshed: every
// list is read through an index led by the location or the handling unit
// (or by the cases' ids the text index found), never by a scan of all cases
// or all parties, nor by an index of every town's open cases; the
// warnings of deadlines close at hand read those by deadline.
func listPlans(t *testing.T, db *store.DB, tree *engine.Tree, now time.Time) {
	town := tree.Subtree(tree.ByCode("A").ID)
	grid := tree.ByCode("A11").ID
	soon := now.Add(24 * time.Hour)
	explain := func(name string, plan []string, err error, allowed map[string]bool) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		read, ordered := false, false
		for _, line := range plan {
			// A search tested case by case reads the town's cases in
			// order from a subquery named as the table, which SQLite
			// runs as a co-routine and then scans.
			ordered = ordered || strings.TrimSpace(line) == "CO-ROUTINE cases"
			if bad := scan.FindString(line); bad != "" && (!ordered || strings.TrimSpace(line) != "SCAN cases") {
				t.Errorf("%s: %q scans: %s", name, line, bad)
			}
			for _, m := range indexUse.FindAllStringSubmatch(line, -1) {
				index := m[1] + m[2] + m[3] + m[4]
				if !allowed[index] {
					t.Errorf("%s: %q reads %s", name, line, index)
				}
				read = true
			}
		}
		if !read {
			t.Errorf("%s: no index read", name)
		}
		if t.Failed() {
			t.Logf("%s:\n%s", name, strings.Join(plan, "\n"))
		}
	}
	// The warnings of deadlines close at hand read the open cases by
	// deadline.
	plan, err := db.ExplainCases(ctx, engine.CaseFilter{States: workflow.TierStates(), DueAfter: &now, DueBy: &soon})
	explain("the deadlines close at hand", plan, err, openByDeadline)
	for _, tc := range []struct {
		name string
		f    engine.CaseFilter
	}{
		{"the town's list", engine.CaseFilter{Units: town}},
		{"the overdue list", engine.CaseFilter{Units: town, OverdueAt: &now}},
		{"a state", engine.CaseFilter{Units: town, States: []workflow.State{workflow.Registered}}},
		{"a category and a state", engine.CaseFilter{Units: town, Category: "邻里", States: []workflow.State{workflow.Grid}}},
		{"a surname", engine.CaseFilter{Units: town, Text: "王"}},
		{"a whole name", engine.CaseFilter{Units: town, Text: "王伟芳"}},
		{"a grid's own cases", engine.CaseFilter{Units: []int64{grid}, Handling: []int64{grid}, States: workflow.WorkStates()}},
	} {
		plan, err := db.ExplainCases(ctx, tc.f)
		explain(tc.name, plan, err, unitLed)
	}
	// A number is looked up by the numbers' text index (SQLite) or trigram
	// index (PostgreSQL), and a public code by its own. PostgreSQL's
	// trigrams are read within the town's locations, not every town's.
	village := tree.Subtree(tree.ByCode("A1").ID)
	for _, tc := range []struct {
		name string
		f    engine.CaseFilter
	}{
		{"a number", engine.CaseFilter{Units: town, WholeTowns: true, TownUnits: town, Number: "0012"}},
		{"a number in a village", engine.CaseFilter{Units: village, TownUnits: town, Number: "0012"}},
	} {
		plan, err := db.ExplainCases(ctx, tc.f)
		explain(tc.name, plan, err, numberLed)
		if !trigramsAround(plan) {
			t.Errorf("%s: the trigrams are read without the town's locations:\n%s", tc.name, strings.Join(plan, "\n"))
		}
	}
	// A partner's liaison reads the cases that wait on its body, those it
	// sent in, and those referred to it before, each by its own index.
	partner := int64(len(tree.Units()) + 1)
	for _, tc := range []struct {
		name string
		f    engine.CaseFilter
	}{
		{"a partner's cases", engine.CaseFilter{Partner: partner}},
		{"a partner's referrals to handle", engine.CaseFilter{Partner: partner, WaitingOn: partner}},
		{"a partner's referrals in", engine.CaseFilter{Partner: partner, SentBy: partner}},
	} {
		plan, err := db.ExplainCases(ctx, tc.f)
		explain(tc.name, plan, err, partnerLed)
	}
	// On PostgreSQL a phrase of the summaries is looked up among the town's
	// locations too, before the page is read: no statement reads a whole
	// table. (SQLite's text indexes are tables of their own, which its plans
	// do not show as indexes.)
	if storetest.PostgresDSN() != "" {
		phrasePlans(t, db, town)
	}
}

// phrasePlans asks PostgreSQL how a town's search of a phrase of the
// summaries reads: the look-up of its cases and the page.
func phrasePlans(t *testing.T, db *store.DB, town []int64) {
	plans, err := db.ReadPlans(ctx, func() error {
		_, _, err := db.Cases(ctx, engine.CaseFilter{Units: town, WholeTowns: true, TownUnits: town, Text: "宅基地", Limit: 50})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, plan := range plans {
		if bad := wholeReads(plan); len(bad) > 0 || !trigramsAround(plan) {
			t.Errorf("a phrase: %q reads a whole table (%s) or the trigrams without the town's locations:\n%s", q,
				strings.Join(bad, "; "), strings.Join(plan, "\n"))
		}
	}
}

// planTowns is a database of forty towns in a county, with two years of
// cases at every grid and the statistics refreshed, for the plan tests.
func planTowns(t *testing.T) (*store.DB, *engine.Engine, *engine.Tree, time.Time) {
	t.Helper()
	db := storetest.Open(t)
	e := engine.New(db)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	e.Now = func() time.Time { return now }
	var grids []int64
	// Forty towns of two villages of two grids in a county: a town holds a
	// fortieth of the cases, as one town among others of a county or a
	// city does.
	if err := e.SaveUnit(ctx, &engine.Unit{Code: "county", Name: "本县", Level: workflow.LevelCounty}, ""); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		town := string(rune('A' + i))
		if err := e.SaveUnit(ctx, &engine.Unit{Code: town, Name: town + "镇", Level: workflow.LevelTown, CasePrefix: town}, "county"); err != nil {
			t.Fatal(err)
		}
		for v := 1; v <= 2; v++ {
			village := fmt.Sprintf("%s%d", town, v)
			if err := e.SaveUnit(ctx, &engine.Unit{Code: village, Name: village + "村", Level: workflow.LevelVillage}, town); err != nil {
				t.Fatal(err)
			}
			for g := 1; g <= 2; g++ {
				grid := fmt.Sprintf("%s%d", village, g)
				if err := e.SaveUnit(ctx, &engine.Unit{Code: grid, Name: grid + "网格", Level: workflow.LevelGrid}, village); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	tree, err := e.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range tree.Units() {
		if u.Level == workflow.LevelGrid {
			grids = append(grids, u.ID)
		}
	}
	// Two years of cases, most of them closed, a tenth still at the desk
	// and a tenth in mediation, at every grid.
	rng := rand.New(rand.NewPCG(7, 8))
	surnames, given := []rune("王李张刘陈杨黄赵吴周"), []rune("伟芳娜秀英敏静丽强磊")
	name := func() string {
		return string([]rune{surnames[rng.IntN(len(surnames))], given[rng.IntN(len(given))], given[rng.IntN(len(given))]})
	}
	var items []engine.Opening
	for range 2400 {
		at := now.Add(-time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
		n := &engine.NewCase{Source: "当事人申请", Category: []string{"邻里", "婚姻家庭", "合同"}[rng.IntN(3)],
			LocationID: grids[rng.IntN(len(grids))], People: 2, Risk: engine.RiskGreen, Summary: "双方因宅基地边界发生争执。", At: at,
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: name()}, {Side: engine.SideRespondent, Name: name()}}}
		var steps []engine.Step
		if x := rng.IntN(10); x > 0 {
			steps = append(steps, engine.Step{Event: workflow.AcceptGrid, Input: engine.Input{At: at.Add(time.Hour)}})
			if x > 1 {
				steps = append(steps, engine.Step{Event: workflow.Fail, Input: engine.Input{At: at.Add(48 * time.Hour), Reason: "调解不成", Routes: []string{"诉讼"}}})
			}
		}
		items = append(items, engine.Opening{Case: n, Steps: steps})
	}
	if err := e.OpenCases(ctx, engine.System, items); err != nil {
		t.Fatal(err)
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	return db, e, tree, now
}

var (
	// scan finds a step that reads a whole table of cases or parties in
	// SQLite's and PostgreSQL's plans.
	scan = regexp.MustCompile(`SCAN (cases|p|parties)\b|Seq Scan on (cases|parties)\b`)
	// indexUse finds the index a step reads: SQLite's "SEARCH cases USING
	// INDEX x" and "USING INTEGER PRIMARY KEY", PostgreSQL's "Index Scan
	// using x", "Index Only Scan using x" and "Bitmap Index Scan on x".
	indexUse = regexp.MustCompile(`SEARCH (?:cases|p|parties) USING (?:COVERING )?INDEX (\w+)|USING (INTEGER PRIMARY KEY)|` +
		`Index (?:Only )?Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)`)
	// unitLed are the indexes a town's list may read: those of the cases
	// led by the location or the handling unit, the cases' and the parties'
	// by case.
	unitLed = map[string]bool{"cases_location": true, "cases_location_closed": true, "cases_location_last_event": true, "cases_location_category": true,
		"cases_report": true, "cases_location_state": true, "cases_handling": true,
		"INTEGER PRIMARY KEY": true, "cases_pkey": true, "parties_case": true}
	// numberLed are the indexes a search by number may read besides a
	// town's: the public codes' and the numbers' trigrams.
	numberLed = map[string]bool{"sqlite_autoindex_cases_2": true, "cases_code_key": true, "cases_number_trgm": true,
		"cases_location": true, "cases_location_state": true, "cases_location_category": true, "cases_report": true, "cases_handling": true,
		"INTEGER PRIMARY KEY": true, "cases_pkey": true}
	// partnerLed are the indexes a partner's list may read: the cases' by
	// the partner they wait on, by their sender and by id, and the
	// referrals by partner.
	partnerLed = map[string]bool{"cases_partner": true, "cases_external": true, "referrals_partner": true,
		"referrals_partner_at": true, "referrals_partner_resolved": true, "INTEGER PRIMARY KEY": true, "cases_pkey": true}
	// openByDeadline are the indexes of the open cases by deadline, and
	// the cases' by id, by which the rows of a page are read.
	openByDeadline = map[string]bool{"cases_open_due": true, "cases_open_overall_due": true, "INTEGER PRIMARY KEY": true, "cases_pkey": true}
)

// reportAndSchedulerPlans asks the planner how it reads every statement of a town's month, a county's year and
// their trend, and of the scheduler's passes: none reads a whole table of
// cases, events or parties, nor a whole index of one.
func reportAndSchedulerPlans(t *testing.T, db *store.DB, e *engine.Engine, now time.Time) {
	r := report.New(e, db)
	s := schedule.New(e, db)
	plans, err := db.ReadPlans(ctx, func() error {
		for _, p := range []struct{ unit, period string }{{"A", "2026-10"}, {"county", "2025"}} {
			if _, err := r.Report(ctx, engine.System, p.unit, p.period); err != nil {
				return err
			}
			if _, err := r.Trend(ctx, engine.System, p.unit, p.period, 12); err != nil {
				return err
			}
		}
		if _, err := s.Warn(ctx, now); err != nil {
			return err
		}
		if _, err := s.RunDeadlines(ctx, now); err != nil {
			return err
		}
		_, err := s.Anonymise(ctx, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) < 10 {
		t.Fatalf("%d statements traced: the report and the scheduler read through the store's own statements", len(plans))
	}
	atEnd := 0
	for q, plan := range plans {
		if bad := wholeReads(plan); len(bad) > 0 {
			t.Errorf("%q reads a whole table or index: %s\n%s", q, strings.Join(bad, "; "), strings.Join(plan, "\n"))
		}
		// The cases open at a period's end are told apart on SQLite by the
		// columns of the report's index alone, before any row is read.
		if openAtEnd.MatchString(q) {
			atEnd++
			for _, line := range plan {
				if strings.Contains(line, "SEARCH c USING INDEX cases_report") {
					t.Errorf("%q reads the row of every unclosed case:\n%s", q, strings.Join(plan, "\n"))
				}
			}
		}
	}
	if atEnd == 0 {
		t.Error("no statement read the cases open at a period's end")
	}
}

// trigramsAround reports whether every read of PostgreSQL's trigram indexes
// of the cases in a plan has the locations among its conditions: a town's
// search reads its own matches, not every town's.
func trigramsAround(plan []string) bool {
	for i, line := range plan {
		if (strings.Contains(line, "Bitmap Index Scan on cases_number_trgm") || strings.Contains(line, "Bitmap Index Scan on cases_summary_trgm")) &&
			(i+1 == len(plan) || !strings.Contains(plan[i+1], "(location_unit_id + 0) = ANY")) {
			return false
		}
	}
	return true
}

// wholeReads returns the steps of a plan that read a whole table of cases,
// events or parties, or a whole index of one: SQLite's SCAN (a SEARCH
// reads a range); PostgreSQL's sequential scan (priced out by the plan
// tests, so taken only where no index serves) and its index scans without
// an index condition on the lines under them; but for either, of a partial
// index that holds one rare kind of record alone (partialIndexes).
func wholeReads(plan []string) []string {
	var bad []string
	for i, line := range plan {
		if m := wholeRead.FindString(line); m != "" {
			if ix := sqliteIndex.FindStringSubmatch(line); ix == nil || !partialIndexes[ix[1]] {
				bad = append(bad, m)
			}
			continue
		}
		m := pgIndexScan.FindStringSubmatch(line)
		if m == nil || partialIndexes[m[3]] {
			continue
		}
		cond := false
		for _, next := range plan[i+1:] {
			if strings.Contains(next, "->") {
				break
			}
			cond = cond || strings.Contains(next, "Index Cond:")
		}
		if !cond {
			bad = append(bad, m[0])
		}
	}
	return bad
}

var (
	// wholeRead finds SQLite's scans and PostgreSQL's sequential scans of
	// the cases, events and parties, under their names and aliases.
	wholeRead = regexp.MustCompile(`SCAN (cases|case_events|parties|c|x|p|e)\b|Seq Scan on (cases|case_events|parties)\b`)
	// pgIndexScan finds PostgreSQL's index scans of the same tables, and
	// the index.
	pgIndexScan = regexp.MustCompile(`Index (Only )?Scan (Backward )?using (\w+) on (cases|case_events|parties)\b`)
	// openAtEnd finds the statement of the cases open at a period's end:
	// those never closed that are open now or moved since.
	openAtEnd = regexp.MustCompile(`OR COALESCE\(c\.moved_at, c\.last_event_at\) >= (\?|\$\d+)\)`)
	// sqliteIndex finds the index of SQLite's scan.
	sqliteIndex = regexp.MustCompile(`USING (?:COVERING )?INDEX (\w+)`)
	// partialIndexes hold the parties' applications alone, which are few:
	// PostgreSQL reads all of them when they are fewer than a scope's
	// cases, and SQLite, which cannot weigh them, is asked to.
	partialIndexes = map[string]bool{"case_events_applications": true}
)

// TestWholeReads holds the plan tests' reading of plans to a few lines of
// each planner.
func TestWholeReads(t *testing.T) {
	for _, tc := range []struct {
		plan []string
		bad  []string
	}{
		{[]string{"SEARCH c USING COVERING INDEX cases_report (location_unit_id=? AND closed_at>?)"}, nil},
		{[]string{"SCAN c USING COVERING INDEX cases_report"}, []string{"SCAN c"}},
		{[]string{"SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", "SCAN e USING COVERING INDEX case_events_applications"}, nil},
		{[]string{"SCAN e USING INDEX case_events_location"}, []string{"SCAN e"}},
		{[]string{"Seq Scan on cases c  (cost=0.00..1.00 rows=1 width=8)"}, []string{"Seq Scan on cases"}},
		{[]string{"->  Index Scan using cases_report on cases c", "      Filter: (closed_at IS NULL)"}, []string{"Index Scan using cases_report on cases"}},
		{[]string{"->  Index Scan using cases_report on cases c", "      Index Cond: (location_unit_id = ANY ($1))"}, nil},
		{[]string{"->  Index Only Scan using case_events_applications on case_events e"}, nil},
	} {
		if got := wholeReads(tc.plan); !slices.Equal(got, tc.bad) {
			t.Errorf("%q: %q, want %q", tc.plan, got, tc.bad)
		}
	}
}

// TestTrigramPendingLists: PostgreSQL's trigram indexes keep pending lists
// of 64 kB, which every search reads whole (migration 49), not the 4 MB of
// PostgreSQL's default.
func TestTrigramPendingLists(t *testing.T) {
	if storetest.PostgresDSN() == "" {
		t.Skip("the pending lists are PostgreSQL's")
	}
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `SELECT relname, array_to_string(reloptions, ',') FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relname LIKE '%trgm' ORDER BY relname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name, options string
		if err := rows.Scan(&name, &options); err != nil {
			t.Fatal(err)
		}
		got = append(got, name+": "+options)
	}
	want := []string{"cases_number_trgm: gin_pending_list_limit=64", "cases_summary_trgm: gin_pending_list_limit=64",
		"parties_name_trgm: gin_pending_list_limit=64"}
	if !slices.Equal(got, want) {
		t.Errorf("the trigram indexes' options: %q, want %q", got, want)
	}
}
