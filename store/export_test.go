package store

import (
	"context"
	"database/sql"
	"time"
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
