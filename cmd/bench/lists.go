package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/workflow"
)

// listBench times the lists and searches of the small town's supervisor
// over the million generated cases against the same over a database of ten
// thousand cases in the other towns, the small town's cases being the same
// in both: a list scoped before it scans costs what the town holds, not
// what the database holds. The large town T01's lists over the million are
// shown beside them.
func listBench(ctx context.Context, large *engine.Engine, raw *sql.DB) error {
	// A list takes a few milliseconds: more rounds steady its median.
	const rounds = 21
	dir, err := os.MkdirTemp("", "mediation-list-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, "file:"+filepath.Join(dir, "small.db")+"?_synchronous=OFF")
	if err != nil {
		return err
	}
	defer db.Close()
	small := engine.New(db)
	small.Now = large.Now
	if err := layout(ctx, small); err != nil {
		return err
	}
	const smallTotal = 10_000
	if err := generate(ctx, small, smallTotal, small.Now()); err != nil {
		return err
	}
	if err := db.Optimize(ctx); err != nil {
		return err
	}
	// The searched name is the small town's first three-character name,
	// the number part of its first case's: the same in both databases.
	var name, number string
	if err := raw.QueryRowContext(ctx, `SELECT p.name, c.number FROM parties p JOIN cases c ON c.id = p.case_id
		JOIN units u ON u.id = c.location_unit_id WHERE u.code LIKE ? AND length(p.name) = 3 ORDER BY p.id LIMIT 1`,
		smallTown+"-%").Scan(&name, &number); err != nil {
		return err
	}
	number = string([]rune(number)[len([]rune(number))-5:])
	now := large.Now()
	lists := townLists(&now, number, "a whole name", name)
	timeList := func(e *engine.Engine, town string, f engine.CaseFilter) (time.Duration, int, error) {
		return timeTownList(ctx, e, town, f, rounds)
	}
	var largeCases int
	if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&largeCases); err != nil {
		return err
	}
	fmt.Printf("\nlists of one town (SQLite): the small town %s over %d and over %d cases in all; the large town T01 over %d\n",
		smallTown, smallTotal+smallTownCases, largeCases, largeCases)
	fmt.Printf("%d rounds, median shown; found: the cases matching, counted as the list page counts them (up to 1,001; a search tested\n"+
		"case by case up to the page's end and one more)\n\n", rounds)
	fmt.Printf("%-48s %12s %12s %8s %16s\n", "", "S, 10k", "S, 1M", "1M/10k", "T01, 1M")
	worst, slowest := 0.0, time.Duration(0)
	for _, l := range lists {
		few, fewN, err := timeList(small, smallTown, l.f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		many, manyN, err := timeList(large, smallTown, l.f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		if fewN != manyN {
			return fmt.Errorf("%s: the small town's list found %d cases over 10k and %d over 1M", l.name, fewN, manyN)
		}
		big, bigN, err := timeList(large, "T01", l.f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		r := float64(many) / float64(few)
		worst, slowest = max(worst, r), max(slowest, big)
		fmt.Printf("%-48s %12s %12s %7.2fx %16s\n", fmt.Sprintf("%s, %d found", l.name, fewN), few.Round(10*time.Microsecond),
			many.Round(10*time.Microsecond), r, fmt.Sprintf("%s (%d)", big.Round(10*time.Microsecond), bigN))
	}
	fmt.Printf("\nthe small town's lists, 1M / 10k: at most %.2fx (target: at most 1.5x); the large town's slowest: %s (target: under 50 ms)\n",
		worst, slowest.Round(10*time.Microsecond))
	return nil
}

// namedList is one of the lists the bench times.
type namedList struct {
	name string
	f    engine.CaseFilter
}

// townLists are the lists and searches of a town's supervisor the bench
// times: the list, the overdue, a category in a state, a number's tail, a
// name (what kind of name says) and the commonest searches, each counted as
// the list page counts them.
func townLists(now *time.Time, number, kind, name string) []namedList {
	return []namedList{
		{"case list, first page", engine.CaseFilter{CountUpTo: 1001}},
		{"overdue list", engine.CaseFilter{OverdueAt: now, CountUpTo: 1001}},
		{"category and state filter", engine.CaseFilter{Category: cats[0], States: []workflow.State{workflow.Fulfilled}, CountUpTo: 1001}},
		{"number search (" + number + ")", engine.CaseFilter{Number: number, CountUpTo: 1001}},
		{"party search, " + kind + " (" + name + ")", engine.CaseFilter{Text: name, CountUpTo: 1001}},
		{"party search, a surname (王)", engine.CaseFilter{Text: "王", CountUpTo: 1001}},
		{"summary search, a common phrase (宅基地)", engine.CaseFilter{Text: "宅基地", CountUpTo: 1001}},
	}
}

// timeTownList times a list of the town's supervisor over rounds, and
// returns the median and how many cases it found.
func timeTownList(ctx context.Context, e *engine.Engine, town string, f engine.CaseFilter, rounds int) (time.Duration, int, error) {
	tree, err := e.Tree(ctx)
	if err != nil {
		return 0, 0, err
	}
	sup, err := benchUser(ctx, e, "supervisor@"+town, workflow.RoleSupervisor, tree.ByCode(town).ID)
	if err != nil {
		return 0, 0, err
	}
	var times []time.Duration
	var total int
	for range rounds {
		t0 := time.Now()
		if _, total, err = e.Cases(ctx, sup, f); err != nil {
			return 0, 0, err
		}
		times = append(times, time.Since(t0))
	}
	return medDur(times), total, nil
}
