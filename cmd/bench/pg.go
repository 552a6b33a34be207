package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/web"
	_ "github.com/jackc/pgx/v5/stdlib" // The raw baseline's driver.
)

// pgBench measures the API's writes on PostgreSQL (see pgWrites) in a
// schema of its own, dropped afterwards.
func pgBench(ctx context.Context, dsn string, d time.Duration) error {
	dsn, drop, err := benchSchema(ctx, dsn)
	if err != nil {
		return err
	}
	defer drop()
	return pgWrites(ctx, dsn, d, "in a schema of its own", "")
}

// pgWrites serves the web interface on the PostgreSQL schema dsn names from
// one server and from two sharing the database (each with half the
// connections the one has), and loads them with 8 and 32 users noting
// through the API, and moving cases up and down, on cases of their own,
// against a raw transaction doing the same write. On one machine two
// servers share its cores and cannot be faster than one: they must lose
// nothing. The two arrangements take turns, three rounds each, and the
// median round counts: the database's own work (its checkpoints, its
// autovacuum) falls on whichever figure runs when it comes, and made
// single runs of them differ by twice. The cases written are those of a town
// of their own, under the unit of code within (at the top when empty).
func pgWrites(ctx context.Context, dsn string, d time.Duration, where, within string) error {
	const rounds = 3
	one, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer one.Close()
	e := engine.New(one)
	cases, err := setup(ctx, e, 256, within)
	if err != nil {
		return err
	}
	if _, err := benchMediator(ctx, e); err != nil {
		return err
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(store.DefaultPoolSize)
	tree, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	grid := tree.ByCode("G").ID
	units := []int64{grid, tree.ByCode("V").ID}
	// The one server keeps all the connections; the two servers share
	// them, each with half. Each arrangement has stores of its own, open
	// throughout, so that no round pays for the connections (and their
	// prepared statements) another round closed.
	arrangements := []struct {
		name  string
		bases []string
	}{{name: "one server"}, {name: "two servers"}}
	for i, pools := range [][]int{{store.DefaultPoolSize}, {store.DefaultPoolSize / 2, store.DefaultPoolSize / 2}} {
		for _, n := range pools {
			db, err := store.Open(ctx, dsn)
			if err != nil {
				return err
			}
			defer db.Close()
			db.SetPoolSize(n)
			base, stop, err := serve(web.NewServices(engine.New(db), db))
			if err != nil {
				return err
			}
			defer stop()
			arrangements[i].bases = append(arrangements[i].bases, base)
		}
	}
	// A write is a note by the grid's mediators, or an event by the town's
	// supervisors, each against its raw transaction.
	writes := []struct {
		name, user string
		api        func([]*owned) func(int, *visitor) error
		raw        func(*owned) error
	}{
		{"note", "mediator@G", apiNote, func(w *owned) error { return rawNote(raw, w, grid) }},
		{"event (escalate, hand_down)", "supervisor@T", apiMove, func(w *owned) error { return rawEvent(ctx, raw, w, units) }},
	}

	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	fmt.Printf("\nthe API's writes over HTTP on PostgreSQL %s, one server and two on one database, %s per round, the median of %d rounds taken in turns\n\n",
		where, d, rounds)
	fmt.Printf("%-52s %8s %10s %10s\n", "", "req/s", "p50", "p99")
	type round struct {
		rate float64
		lat  []time.Duration
	}
	rates := map[string]float64{}
	show := func(name string, rs []round) {
		slices.SortFunc(rs, func(a, b round) int { return cmp.Compare(a.rate, b.rate) })
		m := rs[len(rs)/2]
		rates[name] = m.rate
		fmt.Printf("%-52s %8.0f %10s %10s\n", name, m.rate, pct(m.lat, 50), pct(m.lat, 99))
	}
	var ratios []string
	for _, w := range writes {
		// A first round warms each arrangement's servers, their
		// connections and the database; it is not shown.
		for _, a := range arrangements {
			warm, err := logins(a.bases, w.user, 8)
			if err != nil {
				return err
			}
			own, err := ownCases(ctx, one, cases, 8)
			if err != nil {
				return err
			}
			if _, _, err := load(warm, d, w.api(own)); err != nil {
				return fmt.Errorf("warming %s up: %w", a.name, err)
			}
		}
		for _, n := range []int{8, 32} {
			var rawRounds []round
			byArr := make([][]round, len(arrangements))
			users := make([][]*visitor, len(arrangements))
			for i, a := range arrangements {
				if users[i], err = logins(a.bases, w.user, n); err != nil {
					return err
				}
			}
			for r := range rounds {
				own, err := ownCases(ctx, one, cases, n)
				if err != nil {
					return err
				}
				rate, lat, err := load(make([]*visitor, n), d, func(u int, _ *visitor) error { return w.raw(own[u]) })
				if err != nil {
					return fmt.Errorf("raw %s, %d writers: %w", w.name, n, err)
				}
				rawRounds = append(rawRounds, round{rate, lat})
				// The arrangements swap places from round to round: the
				// database's cleaning up after one falls on the next.
				for k := range arrangements {
					i := (k + r) % len(arrangements)
					a := arrangements[i]
					own, err := ownCases(ctx, one, cases, n)
					if err != nil {
						return err
					}
					rate, lat, err := load(users[i], d, w.api(own))
					if err != nil {
						return fmt.Errorf("%s, %s, %d users: %w", a.name, w.name, n, err)
					}
					byArr[i] = append(byArr[i], round{rate, lat})
				}
			}
			rawName := fmt.Sprintf("raw: %s transaction, %d writers", w.name, n)
			show(rawName, rawRounds)
			for i, a := range arrangements {
				show(fmt.Sprintf("%s: API %s, %d users", a.name, w.name, n), byArr[i])
			}
			ratios = append(ratios, fmt.Sprintf("%s, %d users: one server / raw transaction %.2fx; two servers / one server %.2fx (target: at least 1x, no errors)",
				w.name, n, rates[fmt.Sprintf("one server: API %s, %d users", w.name, n)]/rates[rawName],
				rates[fmt.Sprintf("two servers: API %s, %d users", w.name, n)]/rates[fmt.Sprintf("one server: API %s, %d users", w.name, n)]))
		}
	}
	fmt.Println()
	for _, r := range ratios {
		fmt.Println(r)
	}
	return nil
}

// benchSchema makes a schema of its own on the server dsn names, and
// returns the DSN that works in it and how to drop it. The search's trigram
// extension is the database's, in public, on the schema's path.
func benchSchema(ctx context.Context, dsn string) (string, func(), error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	for _, q := range append(slices.Clip(extensions), "CREATE SCHEMA "+schema) {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			admin.Close()
			return "", nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	drop := func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
	u, err := url.Parse(dsn)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("the PostgreSQL DSN must be a URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// extensions create the extensions the store's migrations use in public,
// where every schema the bench makes finds them: a migration run first in
// a schema of its own would create them there, out of the others' reach.
var extensions = []string{"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", "CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public"}
