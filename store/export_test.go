package store

import (
	"context"
	"database/sql"
	"errors"
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
	w, err := db.caseWhere(ctx, f)
	if err != nil {
		return nil, err
	}
	return db.explain(ctx, []statement{
		{"SELECT COUNT(*) FROM cases WHERE " + w.String(), w.args},
		{"SELECT " + caseColumns + " FROM cases WHERE " + w.String() + caseOrder, append(w.args, 50, 0)},
	})
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
