package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	_ "github.com/jackc/pgx/v5/stdlib" // The raw baseline's driver.
)

// pgBench serves the web interface on PostgreSQL, in a schema of its own
// dropped afterwards, first from one server and then from two sharing the
// database, each with half the connections, and loads them with 8 and 32
// users noting through the API on cases of their own, against a raw
// transaction doing the same write. On one machine two servers share its
// cores and cannot be faster than one: they must lose nothing.
func pgBench(ctx context.Context, dsn string, d time.Duration) error {
	dsn, drop, err := benchSchema(ctx, dsn)
	if err != nil {
		return err
	}
	defer drop()
	one, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer one.Close()
	e := engine.New(one)
	cases, err := setup(ctx, e, 256)
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
	grid := cases[0].HandlingUnitID

	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	fmt.Printf("\nthe API's note over HTTP on PostgreSQL, one server and two on one database, %s per figure\n\n", d)
	fmt.Printf("%-52s %8s %10s %10s\n", "", "req/s", "p50", "p99")
	rates := map[string]float64{}
	figure := func(name string, users []*visitor, do func(int, *visitor) error) error {
		rate, lat, err := load(users, d, do)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rates[name] = rate
		fmt.Printf("%-52s %8.0f %10s %10s\n", name, rate, pct(lat, 50), pct(lat, 99))
		return nil
	}
	notes := func(name string, bases []string, n int) error {
		users, err := logins(bases, n)
		if err != nil {
			return err
		}
		own, err := ownCases(ctx, one, cases, n)
		if err != nil {
			return err
		}
		return figure(name, users, apiNote(own))
	}
	for _, n := range []int{8, 32} {
		own, err := ownCases(ctx, one, cases, n)
		if err != nil {
			return err
		}
		if err := figure(fmt.Sprintf("raw: note transaction, %d writers", n), make([]*visitor, n), func(u int, _ *visitor) error {
			return rawNote(raw, own[u], grid)
		}); err != nil {
			return err
		}
	}
	base, stop, err := serve(e)
	if err != nil {
		return err
	}
	for _, n := range []int{8, 32} {
		if err := notes(fmt.Sprintf("one server: API note POST, %d users", n), []string{base}, n); err != nil {
			stop()
			return err
		}
	}
	stop()
	// Two servers share what one had: each keeps half the connections.
	two, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer two.Close()
	one.SetPoolSize(store.DefaultPoolSize / 2)
	two.SetPoolSize(store.DefaultPoolSize / 2)
	var bases []string
	for _, db := range []*store.DB{one, two} {
		base, stop, err := serve(engine.New(db))
		if err != nil {
			return err
		}
		defer stop()
		bases = append(bases, base)
	}
	for _, n := range []int{8, 32} {
		if err := notes(fmt.Sprintf("two servers: API note POST, %d users", n), bases, n); err != nil {
			return err
		}
	}
	for _, n := range []int{8, 32} {
		fmt.Printf("\n%d users: one server / raw transaction %.2fx; two servers / one server %.2fx (target: at least 1x, no errors)",
			n, rates[fmt.Sprintf("one server: API note POST, %d users", n)]/rates[fmt.Sprintf("raw: note transaction, %d writers", n)],
			rates[fmt.Sprintf("two servers: API note POST, %d users", n)]/rates[fmt.Sprintf("one server: API note POST, %d users", n)])
	}
	fmt.Println()
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
	for _, q := range []string{"CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public", "CREATE SCHEMA " + schema} {
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
