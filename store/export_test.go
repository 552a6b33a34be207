package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
)

// CachedStatements returns how many prepared statements the store holds,
// for the tests of the cache's bound.
func (db *DB) CachedStatements() int { return db.rstmts.Len() + db.wstmts.Len() }

// StatementCacheSize is the bound of each pool's statement cache.
const StatementCacheSize = 2 * stmtCacheSize

// SessionExpiry reads a session's stored expiry, expired or not, for the
// tests of what a refresh writes.
func (db *DB) SessionExpiry(ctx context.Context, hash string) (time.Time, error) {
	rows, err := db.reader().query(ctx, "SELECT expiry FROM web_sessions WHERE hash = ?", hash)
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	var t time.Time
	if !rows.Next() {
		return t, sql.ErrNoRows
	}
	err = rows.Scan(&t)
	return t.UTC(), err
}

// ExplainCases returns the planner's plans of the two statements of a case
// list, its count and its page, one line a step. On PostgreSQL sequential
// scans are priced out, so that the plan of a test's small tables shows
// the index the planner picks among the indexes, as it does at scale.
func (db *DB) ExplainCases(ctx context.Context, f engine.CaseFilter) ([]string, error) {
	w, scan, err := db.caseWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	f.Limit = 50
	count, countArgs := caseCount(w, scan, f)
	page, args := db.casePage(w, scan, 50, 0)
	return db.explain(ctx, []statement{
		{count, countArgs},
		{"SELECT " + caseColumns + " FROM cases WHERE " + page, args},
	})
}

// ReadPlans runs f and returns the planner's plans of every statement of
// its own that read (a SELECT or WITH) which the store sent meanwhile,
// each statement once, by its text.
func (db *DB) ReadPlans(ctx context.Context, f func() error) (map[string][]string, error) {
	var mu sync.Mutex
	var sent []statement
	seen := map[string]bool{}
	trace := func(q string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		head := strings.ToUpper(strings.TrimSpace(q))
		if !seen[q] && (strings.HasPrefix(head, "SELECT") || strings.HasPrefix(head, "WITH")) {
			seen[q] = true
			sent = append(sent, statement{q, args})
		}
	}
	db.tracer.Store(&trace)
	err := f()
	db.tracer.Store(nil)
	if err != nil {
		return nil, err
	}
	plans := map[string][]string{}
	for _, st := range sent {
		plan, err := db.explain(ctx, []statement{st})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.sql, err)
		}
		plans[st.sql] = plan
	}
	return plans, nil
}

type statement struct {
	sql  string
	args []any
}

func (db *DB) explain(ctx context.Context, statements []statement) ([]string, error) {
	c, err := db.rsql.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	explain := db.d.pick("EXPLAIN ", "EXPLAIN QUERY PLAN ")
	if db.d.postgres {
		if _, err := c.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			return nil, err
		}
		defer c.ExecContext(ctx, "RESET enable_seqscan")
	}
	var plan []string
	for _, q := range statements {
		rows, err := c.QueryContext(ctx, db.d.rebind(explain+q.sql), q.args...)
		if err != nil {
			return nil, err
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			var line string
			for i := range vals {
				vals[i] = new(any)
			}
			vals[len(vals)-1] = &line
			if err := rows.Scan(vals...); err != nil {
				rows.Close()
				return nil, err
			}
			plan = append(plan, line)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// ForgetPartners takes a database back to before partners were units: the
// referrals name their partner by its kind's word and no partner unit, the
// cases none either, and there is none.
func (db *DB) ForgetPartners(ctx context.Context) error {
	return db.write(ctx, func(c conn) error {
		for _, q := range []string{"UPDATE referrals SET partner = (SELECT u.kind FROM units u WHERE u.id = referrals.partner_unit_id)",
			"UPDATE referrals SET partner_unit_id = NULL, returned = FALSE", "UPDATE cases SET partner_unit_id = NULL",
			"DELETE FROM units WHERE kind <> ''"} {
			if _, err := c.exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// RerunData runs again the statements of the migration named name that
// move data (its INSERTs and UPDATEs), for the tests of how a migration
// maps what older versions recorded.
func (db *DB) RerunData(ctx context.Context, name string) error {
	ms, err := migrations(db.d)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.name != name {
			continue
		}
		return db.write(ctx, func(c conn) error {
			// The data statements of these files end their lines.
			for _, stmt := range strings.Split(workflowNames.Replace(db.d.types(m.sql)), ";\n") {
				var code []string
				for _, line := range strings.Split(stmt, "\n") {
					if !strings.HasPrefix(strings.TrimSpace(line), "--") {
						code = append(code, line)
					}
				}
				q := strings.TrimSpace(strings.Join(code, "\n"))
				if strings.HasPrefix(q, "INSERT") || strings.HasPrefix(q, "UPDATE") {
					if _, err := c.exec(ctx, q); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	return errors.New("no migration " + name)
}

// HoldWriter opens a write transaction and keeps it open until release is
// called, for the tests of the changes queued behind it.
func (db *DB) HoldWriter(ctx context.Context) (release func() error) {
	began, done, finished := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		finished <- db.write(ctx, func(conn) error {
			close(began)
			<-done
			return nil
		})
	}()
	<-began
	return func() error {
		close(done)
		return <-finished
	}
}

// Queued returns how many changes of cases wait for SQLite's writer.
func (db *DB) Queued() int {
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return len(db.group.queue)
}

// TextSegments returns how many b-trees SQLite's two text indexes hold.
func (db *DB) TextSegments(ctx context.Context) (names, summaries int, err error) {
	r := db.reader()
	if err := r.scalar(ctx, &names, "SELECT COUNT(DISTINCT segid) FROM party_text_idx"); err != nil {
		return 0, 0, err
	}
	err = r.scalar(ctx, &summaries, "SELECT COUNT(DISTINCT segid) FROM summary_text_idx")
	return names, summaries, err
}
