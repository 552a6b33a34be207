package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/workflow"
)

// reportBench generates cases spread over ten years and fifty towns in five
// counties through the engine and the store, then times one town's monthly
// report and one county's yearly report, each against hand-written SQL
// aggregates over the same rows. With keep, the generated database is kept
// in that file, and reused when it exists.
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
	// A database kept from a run before the counties gains them: saving a
	// unit by its code updates it.
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	if tree.ByCode("C1") == nil {
		if err := layout(ctx, e); err != nil {
			return err
		}
	}
	if reuse {
		fmt.Fprintf(os.Stderr, "reusing the generated cases in %s\n", path)
	} else if err := generate(ctx, e, total, now); err != nil {
		return err
	} else if err := db.Optimize(ctx); err != nil {
		return err
	}
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer raw.Close()
	if err := fileSweeps(ctx, raw, false, now); err != nil {
		return err
	}
	var cases int
	if err := raw.QueryRow("SELECT COUNT(*) FROM cases").Scan(&cases); err != nil {
		return err
	}
	for _, rc := range []reportCase{
		{unit: "T01", period: "2026-10", what: "monthly report of one town", span: "month", spans: "three months", where: sqliteShape,
			whole: "3 months, rows, sweeps", target: "under 200 ms",
			compared: func(p report.Period) [][2]time.Time {
				return [][2]time.Time{{p.Start.AddDate(0, -1, 0), p.Start}, {p.Start.AddDate(-1, 0, 0), p.End.AddDate(-1, 0, 0)}}
			}},
		// A year's previous period is the same year a year before: the
		// report reads it once.
		{unit: "C1", period: "2025", what: "yearly report of one county", span: "year", spans: "two years", where: sqliteShape,
			whole: "2 years, town rows, sweeps", target: "within 2x, under 300 ms",
			compared: func(p report.Period) [][2]time.Time { return [][2]time.Time{{p.Start.AddDate(-1, 0, 0), p.Start}} }},
	} {
		if err := rc.time(ctx, report.New(e, db), raw, cases, rounds); err != nil {
			return err
		}
	}
	if err := queueBench(ctx, queue.New(e, db), raw, cases, rounds); err != nil {
		return err
	}
	if err := listBench(ctx, e, raw); err != nil {
		return err
	}
	return firstSweep(ctx, raw, cases, now)
}

// firstSweep times the deadline scheduler's first pass, which escalates or
// flags every case whose deadline the generated history left passed, on a
// copy of the generated database, so that a kept one stays as generated.
func firstSweep(ctx context.Context, raw *sql.DB, cases int, now time.Time) error {
	dir, err := os.MkdirTemp("", "mediation-sweep-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sweep.db")
	if _, err := raw.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return err
	}
	// As the generated database, the copy need not survive a power cut.
	db, err := store.Open(ctx, "file:"+path+"?_synchronous=OFF")
	if err != nil {
		return err
	}
	defer db.Close()
	e := engine.New(db)
	e.Now = func() time.Time { return now }
	t0 := time.Now()
	res, err := schedule.New(e, db).RunDeadlines(ctx, now)
	if err != nil {
		return err
	}
	fmt.Printf("\nthe deadline scheduler's first pass over %d cases: %d escalated, %d flagged in %s (target: under 5 s)\n",
		cases, res.Escalated, res.Flagged, time.Since(t0).Round(time.Millisecond))
	return nil
}

// reportCase is one report the bench times against the hand-written
// aggregate: a unit's period, and the spans the report compares it with.
type reportCase struct {
	unit, period string
	// what, span, spans and whole name the report, its period, all the
	// spans it reads, and what the whole report holds, for the printout.
	what, span, spans, whole string
	target                   string
	compared                 func(report.Period) [][2]time.Time
	// where names the database and its shape for the printout; postgres
	// says which dialect the raw aggregate is written in.
	where    string
	postgres bool
}

// time times the engine's report and its one period's figures against the
// aggregate for the period and for every span the report reads.
func (rc reportCase) time(ctx context.Context, e *report.Service, raw *sql.DB, cases, rounds int) error {
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	units := tree.Subtree(tree.ByCode(rc.unit).ID)
	p, err := e.ParsePeriod(rc.period)
	if err != nil {
		return err
	}
	spans := append([][2]time.Time{{p.Start, p.End}}, rc.compared(p)...)
	// A live server's connections have each prepared the report's
	// statements long before; a new pool prepares them connection by
	// connection, as the report's reads land on them. Over the province a
	// town's first report took half a second, the next ones 50-60 ms, and
	// they settled at 20-30 ms after a dozen. The rounds are timed after
	// ten reports, or twenty seconds of them.
	warm := time.Now()
	for i := 0; i < 10 && time.Since(warm) < 20*time.Second; i++ {
		if _, err := e.Report(ctx, engine.System, rc.unit, rc.period); err != nil {
			return err
		}
		if rc.span == "month" {
			if _, err := e.Trend(ctx, engine.System, rc.unit, rc.period, 12); err != nil {
				return err
			}
		}
		if _, err := e.PeriodFigures(ctx, engine.System, rc.unit, rc.period); err != nil {
			return err
		}
	}
	var full, page, one, rawOne, rawAll []time.Duration
	var r *report.Report
	// The engine's rounds run before the aggregate's: over the province a
	// year's aggregate reads tens of gigabytes, and run between the
	// engine's rounds it emptied the page cache that a server's repeated
	// reports keep (the province's whole report took 2.43 s so, 1.5-1.9 s
	// one after the other).
	for range rounds {
		t0 := time.Now()
		if r, err = e.Report(ctx, engine.System, rc.unit, rc.period); err != nil {
			return err
		}
		full = append(full, time.Since(t0))
		// The report page shows a month's report with the trend of the
		// twelve months up to it.
		if rc.span == "month" {
			if _, err := e.Trend(ctx, engine.System, rc.unit, rc.period, 12); err != nil {
				return err
			}
			page = append(page, time.Since(t0))
		}
		t0 = time.Now()
		if _, err := e.PeriodFigures(ctx, engine.System, rc.unit, rc.period); err != nil {
			return err
		}
		one = append(one, time.Since(t0))
	}
	for range rounds {
		var all time.Duration
		for i, sp := range spans {
			t0 := time.Now()
			if err := rawAggregate(ctx, raw, rc.postgres, units, sp[0], sp[1]); err != nil {
				return err
			}
			if i == 0 {
				rawOne = append(rawOne, time.Since(t0))
			}
			all += time.Since(t0)
		}
		rawAll = append(rawAll, all)
	}
	fmt.Printf("\n%s (%s, %s: %d rows) over %d cases %s\n", rc.what, rc.unit, rc.period, len(r.Children), cases, rc.where)
	fmt.Printf("%d rounds, median shown; the %s: %d registered, %d agreed\n\n", rounds, rc.span, r.Registered, r.Agreed)
	fmt.Printf("%-58s %10s\n", "", "median")
	fmt.Printf("%-58s %10s\n", "raw: one hand-written SQL aggregate, one "+rc.span, med(rawOne))
	fmt.Printf("%-58s %10s\n", "engine: one "+rc.span+"'s figures (PeriodFigures)", med(one))
	fmt.Printf("%-58s %10s\n", "raw: the same aggregate for the report's "+rc.spans, med(rawAll))
	fmt.Printf("%-58s %10s\n", "engine: the whole report ("+rc.whole+")", med(full))
	fmt.Printf("\none %s: engine / raw = %.2fx (target: within 2x)\n", rc.span, ratio(one, rawOne))
	fmt.Printf("whole report: engine / raw = %.2fx; %s (target: %s)\n", ratio(full, rawAll), med(full), rc.target)
	if len(page) > 0 {
		fmt.Printf("the report page (the report and its 12-month trend): %s (target: under 50 ms)\n", med(page))
	}
	return nil
}

// towns and counties shape the generated tree: ten towns to a county, each
// of five villages of four grids.
const towns, counties = 50, 5

// sqliteShape names the generated database in the printout.
var sqliteShape = fmt.Sprintf("in %d towns of %d counties, 10 years (SQLite)", towns, counties)

// smallTown is the code of a town apart whose cases are the same whatever
// the size of the database: its lists are timed over ten thousand cases in
// other towns and over a million (see listBench).
const smallTown, smallTownCases = "S", 600

// layout saves the counties, towns, villages and grids.
func layout(ctx context.Context, e *engine.Engine) error {
	for c := 1; c <= counties; c++ {
		cc := fmt.Sprintf("C%d", c)
		if err := e.SaveUnit(ctx, &engine.Unit{Code: cc, Name: cc + "区", Level: workflow.LevelCounty}, ""); err != nil {
			return err
		}
	}
	codes := []string{smallTown}
	for t := 1; t <= towns; t++ {
		codes = append(codes, fmt.Sprintf("T%02d", t))
	}
	for t, tc := range codes {
		county := fmt.Sprintf("C%d", max(t-1, 0)/(towns/counties)+1)
		if err := e.SaveUnit(ctx, &engine.Unit{Code: tc, Name: tc + "镇", Level: workflow.LevelTown, CasePrefix: tc}, county); err != nil {
			return err
		}
		// The police station the generated referrals go to.
		if err := e.SaveUnit(ctx, &engine.Unit{Code: tc + "-PCS", Name: tc + "派出所", Level: workflow.LevelPartner, Kind: "派出所"}, tc); err != nil {
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
	return nil
}

// generate loads total cases spread over ten years and the towns' grids.
func generate(ctx context.Context, e *engine.Engine, total int, now time.Time) error {
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	var grids, small []int64
	town := tree.ByCode(smallTown).ID
	for _, u := range tree.Units() {
		if u.Level == workflow.LevelGrid && tree.Contains(town, u.ID) {
			small = append(small, u.ID)
		} else if u.Level == workflow.LevelGrid {
			grids = append(grids, u.ID)
		}
	}
	from := now.AddDate(-10, 0, 0)
	// The small town's cases come from a generator of their own, so that
	// they are the same in every database.
	if err := generateIn(ctx, e, small, smallTownCases, rand.New(rand.NewPCG(3, 4)), from, now); err != nil {
		return err
	}
	return generateIn(ctx, e, grids, total, rand.New(rand.NewPCG(1, 2)), from, now)
}

// generateIn loads total cases from rng at grids, in batches.
func generateIn(ctx context.Context, e *engine.Engine, grids []int64, total int, rng *rand.Rand, from, now time.Time) error {
	return generateBatches(ctx, e, grids, total, rng, from, now, 5000, nil)
}

// generateBatches loads total cases from rng at grids, batch at a time,
// calling between (when given) after each batch.
func generateBatches(ctx context.Context, e *engine.Engine, grids []int64, total int, rng *rand.Rand, from, now time.Time,
	batch int, between func(context.Context) error) error {
	start := time.Now()
	for done := 0; done < total; {
		n := min(batch, total-done)
		items := make([]engine.Opening, n)
		for i := range items {
			items[i] = randomHistory(rng, grids, from, now)
		}
		if err := e.OpenCases(ctx, engine.System, items); err != nil {
			return err
		}
		done += n
		if between != nil {
			if err := between(ctx); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "\rgenerating cases: %d/%d (%.0f/s)", done, total, float64(done)/time.Since(start).Seconds())
	}
	fmt.Fprintln(os.Stderr)
	return nil
}

// rawAggregate is the raw limit: a period's figures in one hand-written SQL
// statement over the same rows, read through the same indexes (it names the
// columns it reads, so that the report's covering index serves it), grouped
// by location, category and source (which rolls up into the report's rows
// for the units below and its breakdowns), with the period's escalations,
// follow-ups and confirmations counted over the same cases. The state at
// the period's end is read from the case columns, which is exact for a
// period after which nothing happened (the generator's last month) and
// close enough in cost for the others.
//
// On PostgreSQL the same statement counts its conditions with CASE, takes
// the days between two times from their difference, and numbers its
// parameters with $.
func rawAggregate(ctx context.Context, db *sql.DB, postgres bool, units []int64, start, end time.Time) error {
	s, e := start.UTC(), end.UTC()
	in := "location_unit_id IN (?" + strings.Repeat(", ?", len(units)-1) + ")"
	cols := `SELECT id, location_unit_id, category, source, people, flags, opened_at, accepted_at, referred_at, agreed_at, agreed_tier,
		agreed_kind, agreement_amount, closed_at, outcome, archived_at, state, due_at, overall_due_at, suspended_at FROM cases WHERE `
	scopeArgs := append(append(append(int64Args(units), e, s), int64Args(units)...), s)
	if postgres {
		// A province's units are more than a statement's parameters: the
		// list is one array.
		in = "location_unit_id = ANY(?)"
		scopeArgs = []any{units, e, s, units, s}
	}
	scope := cols + in + ` AND opened_at < ? AND closed_at >= ? UNION ALL ` + cols + in + `
		AND closed_at IS NULL AND (state IN {{open}} OR last_event_at >= ?)`
	agreed := `c.agreed_at >= ?1 AND c.agreed_at < ?2`
	closed := `c.closed_at >= ?1 AND c.closed_at < ?2`
	q := `SELECT c.location_unit_id, c.category, c.source,
		SUM(c.opened_at >= ?1 AND c.opened_at < ?2),
		SUM(c.accepted_at >= ?1 AND c.accepted_at < ?2),
		SUM(CASE WHEN c.accepted_at >= ?1 AND c.accepted_at < ?2 THEN c.people ELSE 0 END),
		SUM({{agreed}}),
		SUM({{agreed}} AND c.agreed_tier = '{{grid}}'),
		SUM({{agreed}} AND c.agreed_tier = '{{village}}'),
		SUM({{agreed}} AND c.agreed_tier = '{{town}}'),
		SUM({{agreed}} AND c.agreed_kind = '{{written}}'),
		SUM({{agreed}} AND c.agreed_kind = '{{oral}}'),
		SUM(CASE WHEN {{agreed}} THEN c.agreement_amount ELSE 0 END),
		SUM(CASE WHEN {{agreed}} THEN julianday(c.agreed_at) - julianday(c.accepted_at) ELSE 0 END),
		SUM({{agreed}} AND c.flags LIKE '%{{c2c}}%'),
		SUM(CASE WHEN {{agreed}} AND c.flags LIKE '%{{c2c}}%' THEN c.people ELSE 0 END),
		SUM({{agreed}} AND c.flags LIKE '%{{petition}}%'),
		SUM(CASE WHEN {{agreed}} AND c.flags LIKE '%{{petition}}%' THEN c.people ELSE 0 END),
		SUM({{agreed}} AND c.flags LIKE '%{{fight}}%'),
		SUM(CASE WHEN {{agreed}} AND c.flags LIKE '%{{fight}}%' THEN c.people ELSE 0 END),
		SUM({{agreed}} AND c.flags LIKE '%{{suicide}}%'),
		SUM(CASE WHEN {{agreed}} AND c.flags LIKE '%{{suicide}}%' THEN c.people ELSE 0 END),
		SUM({{closed}} AND c.outcome = '{{failed}}'),
		SUM({{closed}} AND c.outcome = '{{withdrawn}}'),
		SUM({{closed}} AND c.outcome = '{{rejected}}'),
		SUM({{closed}} AND c.outcome = '{{fulfilled}}'),
		SUM({{closed}} AND c.outcome = '{{unperformed}}'),
		SUM(c.referred_at >= ?1 AND c.referred_at < ?2),
		SUM(c.archived_at >= ?1 AND c.archived_at < ?2),
		SUM(c.state IN {{open}}),
		SUM(c.state IN {{open}} AND c.suspended_at IS NULL
			AND (c.due_at <= ?2 OR (c.state IN {{tiers}} AND c.overall_due_at <= ?2))),
		SUM((SELECT COUNT(*) FROM case_events x WHERE x.case_id = c.id AND x.at >= ?1 AND x.at < ?2 AND x.name = '{{escalate}}')),
		SUM((SELECT COUNT(*) FROM case_events x WHERE x.case_id = c.id AND x.at >= ?1 AND x.at < ?2 AND x.name IN {{followups}})),
		SUM((SELECT COUNT(*) FROM case_events x WHERE x.case_id = c.id AND x.at >= ?1 AND x.at < ?2 AND x.name = '{{confirm}}'))
	FROM (` + scope + `) c GROUP BY c.location_unit_id, c.category, c.source`
	q = strings.NewReplacer("{{agreed}}", agreed, "{{closed}}", closed).Replace(q)
	q = strings.NewReplacer("{{open}}", sqlList(workflow.OpenStates()), "{{tiers}}", sqlList(workflow.TierStates()),
		"{{grid}}", string(workflow.LevelGrid), "{{village}}", string(workflow.LevelVillage), "{{town}}", string(workflow.LevelTown),
		"{{written}}", engine.AgreementWritten, "{{oral}}", engine.AgreementOral,
		"{{c2c}}", engine.FlagCivilToCriminal, "{{petition}}", engine.FlagGroupPetition, "{{fight}}", engine.FlagGroupFight,
		"{{suicide}}", engine.FlagSuicide, "{{failed}}", string(workflow.Failed), "{{withdrawn}}", string(workflow.Withdrawn),
		"{{rejected}}", string(workflow.Rejected), "{{fulfilled}}", string(workflow.Fulfilled), "{{unperformed}}", string(workflow.Unperformed),
		"{{escalate}}", string(workflow.Escalate), "{{confirm}}", string(workflow.Confirm),
		"{{followups}}", sqlList([]string{string(workflow.FollowUp), string(workflow.Fulfil), string(workflow.CloseUnperformed)})).Replace(q)
	if postgres {
		q = pgAggregate(q)
	}
	rows, err := db.QueryContext(ctx, q, append([]any{s, e}, scopeArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var unit int64
		var cat, src string
		vals := make([]sql.NullFloat64, 31)
		dest := []any{&unit, &cat, &src}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pgAggregate writes the SQLite aggregate for PostgreSQL: each SUM of a
// condition as a SUM of CASE, the days between two times from their
// difference in seconds, and the parameters numbered with $ (?1 and ?2
// first, the others after them in order).
func pgAggregate(q string) string {
	q = regexp.MustCompile(`julianday\(([\w.]+)\) - julianday\(([\w.]+)\)`).ReplaceAllString(q, "EXTRACT(EPOCH FROM $1 - $2) / 86400")
	// A SUM of a condition ends at its own closing parenthesis.
	var b strings.Builder
	for {
		i := strings.Index(q, "SUM(")
		if i < 0 {
			b.WriteString(q)
			break
		}
		b.WriteString(q[:i+4])
		q = q[i+4:]
		depth, end := 1, 0
		for j, r := range q {
			if r == '(' {
				depth++
			} else if r == ')' {
				depth--
			}
			if depth == 0 {
				end = j
				break
			}
		}
		inner := q[:end]
		if !strings.HasPrefix(inner, "CASE") && !strings.HasPrefix(inner, "(SELECT") {
			inner = "CASE WHEN " + inner + " THEN 1 ELSE 0 END"
		}
		b.WriteString(inner)
		q = q[end:]
	}
	q = strings.NewReplacer("?1", "$1", "?2", "$2").Replace(b.String())
	n := 2
	return regexp.MustCompile(`\?`).ReplaceAllStringFunc(q, func(string) string { n++; return fmt.Sprintf("$%d", n) })
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
		Risk: engine.RiskGreen, Summary: randomSummary(rng), At: at}
	for i := range people {
		side := engine.SideApplicant
		if i%2 == 1 {
			side = engine.SideRespondent
		}
		n.Parties = append(n.Parties, &engine.Party{Side: side, Name: randomName(rng)})
	}
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
			step(workflow.Fulfil, engine.Input{Visit: &engine.FollowUp{Visited: n.Parties[0].Name, Findings: "已履行"}})
		}
	case x < 92:
		step(workflow.Fail, engine.Input{Reason: "调解不成", Routes: []string{"诉讼"}})
	default:
		step(workflow.Withdraw, engine.Input{Party: n.Parties[0].Name, Reason: "撤回"})
	}
	return engine.Opening{Case: n, Steps: steps}
}

// surnames and givenNames make the generated parties' names: a common
// surname and one or two characters, so that a whole name of three
// characters is shared by a handful of parties in a million cases, and a
// surname by tens of thousands.
var surnames, givenNames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"),
	[]rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥建国志文斌宇浩凯健俊帆鹏辉鑫丹晨琳雪梅云飞龙海波宁松")

func randomName(rng *rand.Rand) string {
	name := []rune{surnames[rng.IntN(len(surnames))], givenNames[rng.IntN(len(givenNames))]}
	if rng.IntN(10) < 7 {
		name = append(name, givenNames[rng.IntN(len(givenNames))])
	}
	return string(name)
}

// disputes are what the generated summaries are about, each in about one
// case in twelve.
var disputes = []string{"宅基地边界", "赡养费用", "房屋漏水", "工资拖欠", "土地承包", "邻里噪音", "交通事故赔偿", "婚姻家庭",
	"山林权属", "合同货款", "物业费用", "医疗费用"}

func randomSummary(rng *rand.Rand) string {
	return fmt.Sprintf("双方因%s问题发生争执，经%d次协商未果，申请调解。", disputes[rng.IntN(len(disputes))], 1+rng.IntN(3))
}
