package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// TestStmtCacheEvicts keeps three statements of ten, the most recently
// used, and the evicted ones are closed.
func TestStmtCacheEvicts(t *testing.T) {
	ctx := context.Background()
	pool, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c := newStmtCache(3)
	var first *sql.Stmt
	for i := range 10 {
		st, err := c.get(ctx, pool, fmt.Sprintf("SELECT %d", i), false)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = st
		}
		if i == 5 {
			// Using the first of the kept ones again keeps it.
			if _, err := c.get(ctx, pool, "SELECT 3", false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c.Len() != 3 {
		t.Fatalf("%d statements kept, bound 3", c.Len())
	}
	var kept []string
	for el := c.order.Front(); el != nil; el = el.Next() {
		kept = append(kept, el.Value.(*cached).q)
	}
	if want := []string{"SELECT 9", "SELECT 8", "SELECT 7"}; !slices.Equal(kept, want) {
		t.Errorf("kept %v, want %v", kept, want)
	}
	if err := first.QueryRowContext(ctx).Scan(new(int)); err == nil {
		t.Error("an evicted statement still runs")
	}
	if st, err := c.get(ctx, pool, "SELECT 42", true); st != nil || err != nil {
		t.Errorf("inside a transaction a new statement is prepared: %v, %v", st, err)
	}
	c.close()
	if c.Len() != 0 {
		t.Errorf("%d statements after close", c.Len())
	}
}

func TestDialect(t *testing.T) {
	sqlite, pg := dialect{}, dialect{postgres: true}
	for _, tc := range []struct{ got, want string }{
		{pg.rebind("a = ? AND b IN (?)"), "a = $1 AND b IN ($2)"},
		{sqlite.rebind("a = ?"), "a = ?"},
		{pg.in("state"), "state = ANY(?)"},
		{sqlite.in("state"), "state IN (SELECT value FROM json_each(?))"},
		{fmt.Sprint(sqlite.list([]int64{1, 2})), "[1,2]"},
		{fmt.Sprint(pg.list([]int64{1, 2})), "[1 2]"},
		{pg.lockRow(), " FOR UPDATE"},
		{sqlite.lockRow(), ""},
		{pg.types("id {{pk}}, at {{time}}"), "id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ"},
		{sqlite.types("id {{pk}}, at {{time}}"), "id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME"},
		{pg.seconds("a", "b"), "CAST(EXTRACT(EPOCH FROM b - a) AS DOUBLE PRECISION)"},
		{sqlite.seconds("a", "b"), "(unixepoch(b, 'subsec') - unixepoch(a, 'subsec'))"},
		{pg.timeText("at"), "at"},
		{sqlite.timeText("at"), "CAST(at AS TEXT)"},
		{pg.jsonText("data", "kind"), "COALESCE(CAST(data AS JSONB) ->> 'kind', '')"},
		{sqlite.jsonText("data", "kind"), "COALESCE(json_extract(data, '$.kind'), '')"},
		{pg.bytewise("name"), `name COLLATE "C"`},
		{sqlite.bytewise("name"), "name COLLATE BINARY"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	type state string
	if got, ok := pg.list([]state{"a", "b"}).([]string); !ok || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("named strings for PostgreSQL: %#v", pg.list([]state{"a", "b"}))
	}
}
