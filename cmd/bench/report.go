package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/workflow"
)

// reportBench generates cases spread over ten years and fifty towns through
// the engine and the store, then times one town's monthly report against a
// hand-written SQL aggregate over the same rows. With keep, the generated
// database is kept in that file, and reused when it exists.
func reportBench(total, rounds int, keep string) error {
	ctx := context.Background()
	path := keep
	if path == "" {
		dir, err := os.MkdirTemp("", "mediation-report-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "report.db")
	}
	_, statErr := os.Stat(path)
	reuse := keep != "" && statErr == nil
	// The report only reads, so the load need not survive a power cut.
	db, err := store.Open(ctx, "file:"+path+"?_synchronous=OFF")
	if err != nil {
		return err
	}
	defer db.Close()
	e := engine.New(db)
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, e.Location)
	e.Now = func() time.Time { return now }
	const towns = 50
	if reuse {
		fmt.Fprintf(os.Stderr, "reusing the generated cases in %s\n", path)
	} else if err := generate(ctx, e, total, towns, now); err != nil {
		return err
	}
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	unit, month := "T01", "2026-10"
	units := tree.Subtree(tree.ByCode(unit).ID)
	mStart, mEnd, _ := e.MonthBounds(month)
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer raw.Close()
	var report, month1, rawMonth, raw3 []time.Duration
	var r *engine.Report
	for range rounds {
		t0 := time.Now()
		if r, err = e.Report(ctx, engine.System, unit, month); err != nil {
			return err
		}
		report = append(report, time.Since(t0))
		t0 = time.Now()
		if _, err := e.PeriodFigures(ctx, engine.System, unit, month); err != nil {
			return err
		}
		month1 = append(month1, time.Since(t0))
		var d3 time.Duration
		for i, m := range [][2]time.Time{{mStart, mEnd}, {mStart.AddDate(0, -1, 0), mStart}, {mStart.AddDate(-1, 0, 0), mEnd.AddDate(-1, 0, 0)}} {
			t0 = time.Now()
			if err := rawAggregate(ctx, raw, units, m[0], m[1]); err != nil {
				return err
			}
			if i == 0 {
				rawMonth = append(rawMonth, time.Since(t0))
			}
			d3 += time.Since(t0)
		}
		raw3 = append(raw3, d3)
	}
	var cases int
	if err := raw.QueryRow("SELECT COUNT(*) FROM cases").Scan(&cases); err != nil {
		return err
	}
	fmt.Printf("\nmonthly report of one town (%s, %s) over %d cases in %d towns, 10 years (SQLite)\n", unit, month, cases, towns)
	fmt.Printf("%d rounds, median shown; the town's month: %d registered, %d agreed\n\n", rounds, r.Registered, r.Agreed)
	fmt.Printf("%-58s %10s\n", "", "median")
	fmt.Printf("%-58s %10s\n", "raw: one hand-written SQL aggregate, one month", med(rawMonth))
	fmt.Printf("%-58s %10s\n", "engine: one month's figures (MonthFigures)", med(month1))
	fmt.Printf("%-58s %10s\n", "raw: the same aggregate for the report's three months", med(raw3))
	fmt.Printf("%-58s %10s\n", "engine: the whole report (3 months, rows, sweeps)", med(report))
	fmt.Printf("\none month: engine / raw = %.2fx (target: within 2x)\n", ratio(month1, rawMonth))
	fmt.Printf("whole report: engine / raw = %.2fx; %s (target: under 200 ms)\n", ratio(report, raw3), med(report))
	return nil
}

// generate loads total cases spread over ten years and the towns' grids,
// five villages of four grids a town.
func generate(ctx context.Context, e *engine.Engine, total, towns int, now time.Time) error {
	for t := 1; t <= towns; t++ {
		tc := fmt.Sprintf("T%02d", t)
		if err := e.SaveUnit(ctx, &engine.Unit{Code: tc, Name: tc + "镇", Level: workflow.LevelTown, CasePrefix: tc}, ""); err != nil {
			return err
		}
		for v := 1; v <= 5; v++ {
			vc := fmt.Sprintf("%s-V%d", tc, v)
			if err := e.SaveUnit(ctx, &engine.Unit{Code: vc, Name: vc, Level: workflow.LevelVillage}, tc); err != nil {
				return err
			}
			for g := 1; g <= 4; g++ {
				gc := fmt.Sprintf("%s-G%d", vc, g)
				if err := e.SaveUnit(ctx, &engine.Unit{Code: gc, Name: gc, Level: workflow.LevelGrid}, vc); err != nil {
					return err
				}
			}
		}
	}
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	var gridIDs []int64
	for _, u := range tree.Units() {
		if u.Level == workflow.LevelGrid {
			gridIDs = append(gridIDs, u.ID)
		}
	}
	from := now.AddDate(-10, 0, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	const batch = 5000
	for done := 0; done < total; {
		n := min(batch, total-done)
		items := make([]engine.Opening, n)
		for i := range items {
			items[i] = randomHistory(rng, gridIDs, from, now)
		}
		if err := e.OpenCases(ctx, engine.System, items); err != nil {
			return err
		}
		done += n
		fmt.Fprintf(os.Stderr, "\rgenerating cases: %d/%d (%.0f/s)", done, total, float64(done)/time.Since(start).Seconds())
	}
	fmt.Fprintln(os.Stderr)
	return nil
}

// rawAggregate is the raw limit: the month's figures in one hand-written
// SQL statement over the same rows, read through the same indexes, grouped
// by category and source as the report breaks them down, with the month's
// escalations and follow-ups counted over the same cases. The state at the
// month's end is read from the case columns, which is exact for a month
// after which nothing happened (the generator's last month).
func rawAggregate(ctx context.Context, db *sql.DB, units []int64, start, end time.Time) error {
	s, e := start.UTC(), end.UTC()
	in := "location_unit_id IN (?" + strings.Repeat(", ?", len(units)-1) + ")"
	scope := `SELECT * FROM cases WHERE ` + in + ` AND opened_at < ? AND closed_at >= ? UNION ALL SELECT * FROM cases WHERE ` + in + `
		AND closed_at IS NULL AND (state IN {{open}} OR last_event_at >= ?)`
	scopeArgs := append(append(append(int64Args(units), e, s), int64Args(units)...), s)
	q := `SELECT c.category, c.source,
		SUM(c.opened_at >= ?1 AND c.opened_at < ?2),
		SUM(c.accepted_at >= ?1 AND c.accepted_at < ?2),
		SUM(CASE WHEN c.accepted_at >= ?1 AND c.accepted_at < ?2 THEN c.people ELSE 0 END),
		SUM(c.agreed_at >= ?1 AND c.agreed_at < ?2),
		SUM(c.agreed_at >= ?1 AND c.agreed_at < ?2 AND c.agreed_tier = '{{grid}}'),
		SUM(c.agreed_at >= ?1 AND c.agreed_at < ?2 AND c.agreed_tier = '{{village}}'),
		SUM(c.agreed_at >= ?1 AND c.agreed_at < ?2 AND c.agreed_tier = '{{town}}'),
		SUM(CASE WHEN c.agreed_at >= ?1 AND c.agreed_at < ?2 THEN c.agreement_amount ELSE 0 END),
		SUM(CASE WHEN c.agreed_at >= ?1 AND c.agreed_at < ?2 THEN julianday(c.agreed_at) - julianday(c.accepted_at) ELSE 0 END),
		SUM(c.agreed_at >= ?1 AND c.agreed_at < ?2 AND c.flags LIKE '%{{c2c}}%'),
		SUM(c.agreed_at >= ?1 AND c.agreed_at < ?2 AND c.flags LIKE '%{{group}}%'),
		SUM(c.closed_at >= ?1 AND c.closed_at < ?2 AND c.outcome = '{{failed}}'),
		SUM(c.closed_at >= ?1 AND c.closed_at < ?2 AND c.outcome = '{{withdrawn}}'),
		SUM(c.closed_at >= ?1 AND c.closed_at < ?2 AND c.outcome = '{{rejected}}'),
		SUM(c.referred_at >= ?1 AND c.referred_at < ?2),
		SUM(c.state IN {{open}}),
		SUM(c.state IN {{open}} AND c.suspended_at IS NULL
			AND (c.due_at <= ?2 OR (c.state IN {{tiers}} AND c.overall_due_at <= ?2))),
		SUM((SELECT COUNT(*) FROM case_events x WHERE x.case_id = c.id AND x.at >= ?1 AND x.at < ?2 AND x.name = '{{escalate}}')),
		SUM((SELECT COUNT(*) FROM case_events x WHERE x.case_id = c.id AND x.at >= ?1 AND x.at < ?2 AND x.name IN {{followups}}))
	FROM (` + scope + `) c GROUP BY c.category, c.source`
	q = strings.NewReplacer("{{open}}", sqlList(workflow.OpenStates()), "{{tiers}}", sqlList(workflow.TierStates()),
		"{{grid}}", string(workflow.LevelGrid), "{{village}}", string(workflow.LevelVillage), "{{town}}", string(workflow.LevelTown),
		"{{c2c}}", engine.FlagCivilToCriminal, "{{group}}", engine.FlagGroupPetition, "{{failed}}", string(workflow.Failed),
		"{{withdrawn}}", string(workflow.Withdrawn), "{{rejected}}", string(workflow.Rejected), "{{escalate}}", string(workflow.Escalate),
		"{{followups}}", sqlList([]string{string(workflow.FollowUp), string(workflow.Fulfil)})).Replace(q)
	rows, err := db.QueryContext(ctx, q, append([]any{s, e}, scopeArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cat, src string
		vals := make([]sql.NullFloat64, 19)
		dest := []any{&cat, &src}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// sqlList writes names from the workflow table as a literal SQL list, as
// the raw baseline's hand-written statement would have them.
func sqlList[T ~string](names []T) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + string(n) + "'"
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func med(d []time.Duration) string { return pct(d, 50) }

func ratio(a, b []time.Duration) float64 {
	return float64(medDur(a)) / float64(medDur(b))
}

func medDur(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

var cats, sources = engine.DefaultLists.CategoryNames(), engine.DefaultLists.SourceNames()

// randomHistory makes one dispute of the last ten years with a plausible
// history: accepted at a level, mostly agreed within weeks, some failed,
// withdrawn, escalated or referred; the recent ones may still be open.
func randomHistory(rng *rand.Rand, grids []int64, from, to time.Time) engine.Opening {
	at := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)))))
	people := 2 + rng.IntN(3)
	n := &engine.NewCase{Source: sources[rng.IntN(len(sources))], Category: cats[rng.IntN(len(cats))],
		LocationID: grids[rng.IntN(len(grids))], Amount: int64(rng.IntN(50000)) * 100, People: people,
		Risk: engine.RiskGreen, Summary: "压测生成的纠纷。", At: at,
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}, {Side: engine.SideRespondent, Name: "乙"}}}
	if rng.IntN(40) == 0 {
		n.Flags = []string{engine.FlagCivilToCriminal}
	}
	var steps []engine.Step
	t := at
	next := func(maxHours int) time.Time {
		t = t.Add(time.Duration(1+rng.IntN(maxHours)) * time.Hour)
		return t
	}
	stop := func() bool { return t.After(to) || (to.Sub(t) < 60*24*time.Hour && rng.IntN(5) == 0) }
	step := func(ev workflow.Event, in engine.Input) {
		in.At = next(24 * 6)
		steps = append(steps, engine.Step{Event: ev, Input: in})
	}
	if stop() {
		return engine.Opening{Case: n}
	}
	switch x := rng.IntN(100); {
	case x < 2:
		step(workflow.Reject, engine.Input{Reason: "不属于人民调解范围", Routes: []string{"诉讼"}})
		return engine.Opening{Case: n, Steps: steps}
	case x < 5:
		step(workflow.Refer, engine.Input{Partner: "派出所", Reason: "移交"})
		if !stop() {
			step(workflow.PartnerClose, engine.Input{Result: "已处理"})
		}
		return engine.Opening{Case: n, Steps: steps}
	case x < 65:
		step(workflow.AcceptGrid, engine.Input{})
	case x < 92:
		step(workflow.AcceptVillage, engine.Input{})
	default:
		step(workflow.AcceptTown, engine.Input{})
	}
	if stop() {
		return engine.Opening{Case: n, Steps: steps}
	}
	if rng.IntN(10) == 0 && steps[len(steps)-1].Event != workflow.AcceptTown {
		step(workflow.Escalate, engine.Input{Reason: "调解不成", Automatic: rng.IntN(2) == 0})
		if steps[len(steps)-1].Input.Automatic {
			steps[len(steps)-1].Input.Reason = workflow.ReasonOverdue
		}
		if stop() {
			return engine.Opening{Case: n, Steps: steps}
		}
	}
	switch x := rng.IntN(100); {
	case x < 80:
		step(workflow.Agree, engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementOral, Terms: "协议", Amount: n.Amount / 2, OralConfirmed: true}})
		if !stop() && rng.IntN(100) < 97 {
			step(workflow.Fulfil, engine.Input{Visit: &engine.FollowUp{Visited: "甲", Findings: "已履行"}})
		}
	case x < 92:
		step(workflow.Fail, engine.Input{Reason: "调解不成", Routes: []string{"诉讼"}})
	default:
		step(workflow.Withdraw, engine.Input{Party: "甲", Reason: "撤回"})
	}
	return engine.Opening{Case: n, Steps: steps}
}
