// Command bench measures the engine against the raw limit of its database,
// in one run on one machine, and prints the figures and their ratios. It is
// what `make bench` runs; shared machines are noisy, so it compares figures
// measured side by side rather than against fixed numbers.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/workflow"
	_ "github.com/mattn/go-sqlite3" // The raw baseline talks to SQLite without GORM.
)

func main() {
	n := flag.Int("n", 2000, "transitions per round")
	rounds := flag.Int("rounds", 3, "rounds of each, interleaved; the median counts")
	sync := flag.String("synchronous", "FULL", "SQLite synchronous setting for both sides")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	reportCases := flag.Int("report-cases", 1_000_000, "cases to generate for the report benchmark (0 skips it)")
	reportDB := flag.String("report-db", "", "keep the report benchmark's generated database in this file, and reuse it when it exists")
	httpFor := flag.Duration("http", 3*time.Second, "how long each round of an HTTP figure loads the server (0 skips them)")
	pg := flag.String("postgres", "", "a PostgreSQL server (postgres://user@host:port/db) for the figures on PostgreSQL")
	province := flag.Int("province", 10_000_000, "cases of the province generated on PostgreSQL, kept and reused in schemas of their own (0 skips it)")
	only := flag.Bool("province-only", false, "measure only the province")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *pg != "" && *province > 0 {
		if err := provinceBench(context.Background(), *pg, *province, *rounds, *httpFor); err != nil {
			pprof.StopCPUProfile()
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if *only {
			return
		}
	}
	if err := run(*n, *rounds, *sync); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *httpFor > 0 {
		if err := httpBench(context.Background(), *sync, *httpFor, *rounds); err != nil {
			pprof.StopCPUProfile()
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		if *pg != "" {
			if err := pgBench(context.Background(), *pg, *httpFor); err != nil {
				pprof.StopCPUProfile()
				fmt.Fprintln(os.Stderr, "bench:", err)
				os.Exit(1)
			}
		}
	}
	if *reportCases > 0 {
		if err := reportBench(*reportCases, 5, *reportDB); err != nil {
			pprof.StopCPUProfile()
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

// town is a fresh SQLite database with a town of cases at its grid, and a
// raw connection to the same file for the baselines.
type town struct {
	db    *store.DB
	e     *engine.Engine
	cases []*engine.Case
	raw   *sql.DB
	dir   string
}

// newTown makes a town of n cases in a temporary directory.
func newTown(ctx context.Context, syncMode string, n int) (*town, error) {
	dir, err := os.MkdirTemp("", "mediation-bench-")
	if err != nil {
		return nil, err
	}
	t := &town{dir: dir}
	dsn := "file:" + filepath.Join(dir, "bench.db") + "?_synchronous=" + syncMode
	if t.db, err = store.Open(ctx, dsn); err != nil {
		t.close()
		return nil, err
	}
	t.e = engine.New(t.db)
	if t.cases, err = setup(ctx, t.e, n, ""); err != nil {
		t.close()
		return nil, err
	}
	full, _, err := store.SQLiteDSN(dsn)
	if err == nil {
		t.raw, err = sql.Open("sqlite3", full+"&_txlock=immediate")
	}
	if err != nil {
		t.close()
		return nil, err
	}
	t.raw.SetMaxOpenConns(1)
	return t, nil
}

func (t *town) close() {
	if t.raw != nil {
		t.raw.Close()
	}
	if t.db != nil {
		t.db.Close()
	}
	os.RemoveAll(t.dir)
}

func run(n, rounds int, syncMode string) error {
	ctx := context.Background()
	w, err := newTown(ctx, syncMode, 200)
	if err != nil {
		return err
	}
	defer w.close()
	db, e, cases, raw := w.db, w.e, w.cases, w.raw

	fmt.Printf("engine transition vs raw database/sql transaction (SQLite, WAL, synchronous=%s)\n", syncMode)
	fmt.Printf("%d transitions per round, %d rounds, median round shown\n\n", n, rounds)
	var rawRates, engRates []float64
	var rawLat, engLat []time.Duration
	for range rounds {
		r, lat, err := rawRound(ctx, raw, db, cases, n)
		if err != nil {
			return fmt.Errorf("raw: %w", err)
		}
		rawRates, rawLat = append(rawRates, r), append(rawLat, lat...)
		r, lat, err = engineRound(ctx, e, cases, n)
		if err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		engRates, engLat = append(engRates, r), append(engLat, lat...)
	}
	rr, er := median(rawRates), median(engRates)
	fmt.Printf("%-38s %10s %10s %10s\n", "", "tx/s", "p50", "p99")
	fmt.Printf("%-38s %10.0f %10s %10s\n", "raw: UPDATE + INSERT event, notifications", rr, pct(rawLat, 50), pct(rawLat, 99))
	fmt.Printf("%-38s %10.0f %10s %10s\n", "engine.Fire (load, guards, fsm, write)", er, pct(engLat, 50), pct(engLat, 99))
	fmt.Printf("\nengine / raw = %.0f%% (target: at least 75%%)\n", 100*er/rr)
	return nil
}

// setup makes a town with one village and grid and cases at the grid; the
// town under the unit of code within, or at the top when within is empty.
func setup(ctx context.Context, e *engine.Engine, n int, within string) ([]*engine.Case, error) {
	for _, u := range []struct{ code, level, parent, prefix string }{
		{"T", "town", within, "测"}, {"V", "village", "T", ""}, {"G", "grid", "V", ""},
	} {
		if err := e.SaveUnit(ctx, &engine.Unit{Code: u.code, Name: u.code, Level: workflow.Level(u.level), CasePrefix: u.prefix}, u.parent); err != nil {
			return nil, err
		}
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	var out []*engine.Case
	for range n {
		c, err := e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "邻里",
			LocationID: t.ByCode("G").ID, People: 2, Risk: engine.RiskGreen, Summary: "压测用的邻里纠纷。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}, {Side: engine.SideRespondent, Name: "乙"}}})
		if err != nil {
			return nil, err
		}
		if c, err = e.Fire(ctx, engine.System, c.ID, workflow.AcceptGrid, engine.Input{}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// engineRound moves cases up and down between grid and village through the
// engine, as a supervisor of the town would.
func engineRound(ctx context.Context, e *engine.Engine, cases []*engine.Case, n int) (float64, []time.Duration, error) {
	t, _ := e.Tree(ctx)
	sup := engine.Actor{UserID: 0, Name: "督办", Role: workflow.RoleSupervisor, UnitID: t.ByCode("T").ID}
	lat := make([]time.Duration, 0, n)
	start := time.Now()
	for i := range n {
		k := i % len(cases)
		c := cases[k]
		ev, in := workflow.Escalate, engine.Input{Version: c.Version, Reason: "调解不成"}
		if c.State == workflow.Village {
			ev, in = workflow.HandDown, engine.Input{Version: c.Version, Unit: "G", Reason: "交网格就近调解"}
		}
		t0 := time.Now()
		next, err := e.Fire(ctx, sup, c.ID, ev, in)
		if err != nil {
			return 0, nil, err
		}
		lat = append(lat, time.Since(t0))
		cases[k] = next
	}
	return float64(n) / time.Since(start).Seconds(), lat, nil
}

// rawRound does the same writes with plain database/sql (see rawMove), on
// cases of its own.
func rawRound(ctx context.Context, raw *sql.DB, db *store.DB, cases []*engine.Case, n int) (float64, []time.Duration, error) {
	units := []int64{cases[0].HandlingUnitID, 0}
	if t, err := engine.New(db).Tree(ctx); err == nil {
		units = []int64{t.ByCode("G").ID, t.ByCode("V").ID}
	}
	// The raw side works on its own copy of the cases' ids and versions, read
	// fresh, so the two sides never conflict.
	versions := map[int64]int{}
	states := map[int64]string{}
	for _, c := range cases {
		cur, err := db.FindCase(ctx, c.ID)
		if err != nil {
			return 0, nil, err
		}
		versions[c.ID], states[c.ID] = cur.Version, string(cur.State)
	}
	lat := make([]time.Duration, 0, n)
	start := time.Now()
	for i := range n {
		c := cases[i%len(cases)]
		t0 := time.Now()
		to, err := rawMove(ctx, raw, c.ID, versions[c.ID], states[c.ID], units)
		if err != nil {
			return 0, nil, err
		}
		lat = append(lat, time.Since(t0))
		versions[c.ID], states[c.ID] = versions[c.ID]+1, to
	}
	// Put the engine's view back in step with what the raw side wrote.
	for i, c := range cases {
		cur, err := db.FindCase(ctx, c.ID)
		if err != nil {
			return 0, nil, err
		}
		cases[i] = cur
	}
	return float64(n) / time.Since(start).Seconds(), lat, nil
}

// rawMove moves case id, at version v in state from, up to the village or
// down to the grid (units, in that order) with plain database/sql: an UPDATE
// that checks the version, an INSERT of an event row and the INSERT that
// tells the unit taking the case (to each of its mediators), in one
// transaction. It returns the state the case is in after.
func rawMove(ctx context.Context, raw *sql.DB, id int64, v int, from string, units []int64) (string, error) {
	to, unit := "village", units[1]
	if from == "village" {
		to, unit = "grid", units[0]
	}
	now := time.Now().UTC()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	res, err := tx.Exec(`UPDATE cases SET state = $1, version = $2, handling_unit_id = $3, tier_started_at = $4, due_at = $5 WHERE id = $6 AND version = $7`,
		to, v+1, unit, now, now.Add(72*time.Hour), id, v)
	if err == nil {
		if k, _ := res.RowsAffected(); k != 1 {
			err = fmt.Errorf("case %d moved", id)
		}
	}
	if err == nil {
		_, err = tx.Exec(`INSERT INTO case_events (case_id, seq, name, from_state, to_state, unit_id, actor_name, role, at, reason, automatic, data)
			VALUES ($1, $2, $3, $4, $5, $6, '督办', $7, $8, '调解不成', FALSE, '{}')`, id, v+1, workflow.Escalate, from, to, unit, workflow.RoleSupervisor, now)
	}
	if err == nil {
		_, err = tx.Exec(`INSERT INTO notifications (user_id, phone, case_id, kind, text, dedup, created_at, next_attempt_at)
			SELECT id, '', $1, 'escalated', '上报：邻里纠纷转由村调解。', NULL, $2, NULL FROM users
			WHERE unit_id = $3 AND role = 'mediator' AND id <> 0 AND disabled_at IS NULL ORDER BY id ON CONFLICT DO NOTHING`, id, now, unit)
	}
	if err != nil {
		tx.Rollback()
		return "", err
	}
	return to, tx.Commit()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func pct(d []time.Duration, p int) string {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(time.Microsecond).String()
}
