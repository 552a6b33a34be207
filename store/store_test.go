package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

func TestSQLiteDSN(t *testing.T) {
	for _, tc := range []struct{ in, want, path string }{
		{"file:data/m.db", "_synchronous=FULL", "data/m.db"},
		{"data/m.db", "_journal_mode=WAL", "data/m.db"},
		{"file:/tmp/x.db?_synchronous=NORMAL", "_synchronous=NORMAL", "/tmp/x.db"},
		{"file:x.db", "_foreign_keys=on", "x.db"},
	} {
		got, path, err := store.SQLiteDSN(tc.in)
		if err != nil || !strings.Contains(got, tc.want) || path != tc.path {
			t.Errorf("%s: got %s %s %v", tc.in, got, path, err)
		}
	}
	if _, _, err := store.SQLiteDSN("file::memory:"); err == nil {
		t.Error("an in-memory database was accepted")
	}
}

// TestMigrationsOnce opens one database twice: the second open applies
// nothing and the schema is recorded once.
func TestMigrationsOnce(t *testing.T) {
	dsn := storetest.DSN(t)
	for range 2 {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		names, err := db.Migrations(ctx)
		db.Close()
		if err != nil || len(names) == 0 || names[0] != "0001_init.sql" {
			t.Fatalf("migrations %v: %v", names, err)
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				t.Fatalf("%s recorded twice", n)
			}
			seen[n] = true
		}
	}
}

// TestCaseNumbers opens cases from many goroutines at once: each town and
// year counts from 1 without gaps or repeats.
func TestCaseNumbers(t *testing.T) {
	db := storetest.Open(t)
	e := engine.New(db)
	for _, u := range []struct{ code, level, parent, prefix string }{
		{"A", "town", "", "甲"}, {"A1", "village", "A", ""}, {"A11", "grid", "A1", ""},
		{"B", "town", "", "乙"}, {"B1", "village", "B", ""}, {"B11", "grid", "B1", ""},
	} {
		if err := e.SaveUnit(ctx, &engine.Unit{Code: u.code, Name: u.code, Level: workflow.Level(u.level), CasePrefix: u.prefix}, u.parent); err != nil {
			t.Fatal(err)
		}
	}
	tree, _ := e.Tree(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	numbers := map[string]bool{}
	for i := range 40 {
		wg.Go(func() {
			grid := []string{"A11", "B11"}[i%2]
			at := time.Date(2025+i%4/2, 6, 1, 0, 0, 0, 0, time.UTC)
			c, err := e.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: "邻里",
				LocationID: tree.ByCode(grid).ID, People: 2, Risk: engine.RiskGreen, Summary: "邻里纠纷测试。", At: at,
				Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			numbers[c.Number] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, p := range []string{"甲", "乙"} {
		for _, y := range []int{2025, 2026} {
			for n := 1; n <= 10; n++ {
				if want := fmt.Sprintf("%s调〔%d〕%04d号", p, y, n); !numbers[want] {
					t.Errorf("missing %s", want)
				}
			}
		}
	}
	if len(numbers) != 40 {
		t.Errorf("%d distinct numbers for 40 cases", len(numbers))
	}
}

func TestBackup(t *testing.T) {
	if storetestPostgres() {
		t.Skip("backup copies SQLite files; PostgreSQL has pg_dump")
	}
	db := storetest.Open(t)
	if err := db.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/copy.db"
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(ctx, "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if v, _ := cp.Setting(ctx, "k"); v != "v" {
		t.Errorf("backup has %q", v)
	}
	if err := db.Backup(ctx, path); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("backup over an existing file: %v", err)
	}
}

func storetestPostgres() bool { return storetest.PostgresDSN() != "" }

// TestPoolSize: the pool that serves many at once takes the size given;
// SQLite's writer stays one connection.
func TestPoolSize(t *testing.T) {
	db := storetest.Open(t)
	db.SetPoolSize(5)
	for name, pool := range db.Pools() {
		want := 5
		if name == "writer" {
			want = 1
		}
		if got := pool.Stats().MaxOpenConnections; got != want {
			t.Errorf("%s pool: %d connections at most, want %d", name, got, want)
		}
	}
}

// TestOptimizeMergesTextIndexes: each case opened wrote its names and
// summary to the text indexes in a b-tree of its own; Optimize leaves one
// b-tree in each, and the search still finds a name by a part of it.
func TestOptimizeMergesTextIndexes(t *testing.T) {
	w := newTown(t)
	if !storetestPostgres() {
		names, summaries, err := w.db.TextSegments(ctx)
		if err != nil || names < 2 || summaries < 2 {
			t.Fatalf("before: %d and %d b-trees, %v", names, summaries, err)
		}
	}
	if err := w.db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	if !storetestPostgres() {
		names, summaries, err := w.db.TextSegments(ctx)
		if err != nil || names != 1 || summaries != 1 {
			t.Errorf("after: %d and %d b-trees, %v", names, summaries, err)
		}
	}
	cases, _, err := w.db.Cases(ctx, engine.CaseFilter{Units: w.subtree("A"), Text: "张三丰", Limit: 50})
	if err != nil || len(cases) != 1 || cases[0].ID != w.cases["agreed"].ID {
		t.Errorf("the search after: %v, %v", w.keys(cases), err)
	}
}

// TestPoolKeepsItsConnections holds the reading pool's connections open
// when they are released: a report reads side by side, and a connection
// closed after each burst is opened again with every statement parsed
// afresh.
func TestPoolKeepsItsConnections(t *testing.T) {
	db := storetest.Open(t)
	pools := db.Pools()
	pool := pools["reader"]
	if pool == nil {
		pool = pools["db"]
	}
	const n = 8
	var conns []*sql.Conn
	for range n {
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if s := pool.Stats(); s.Idle < n || s.MaxIdleClosed != 0 {
		t.Errorf("after %d connections released: %d idle, %d closed for want of room", n, s.Idle, s.MaxIdleClosed)
	}
}
