package store

import (
	"context"
	"errors"
	"time"
)

// Failures returns, for each key, how many failures it had since since and
// when the last was.
func (db *DB) Failures(ctx context.Context, keys []string, since time.Time) (map[string]int, map[string]time.Time, error) {
	rows, err := db.reader().query(ctx, "SELECT key, at FROM failures WHERE "+db.d.in("key")+" AND at > ?",
		db.d.list(keys), since.UTC())
	if err != nil {
		return nil, nil, err
	}
	counts, last := map[string]int{}, map[string]time.Time{}
	for rows.Next() {
		var k string
		var at time.Time
		if err := rows.Scan(&k, &at); err != nil {
			rows.Close()
			return nil, nil, err
		}
		counts[k]++
		if at.After(last[k]) {
			last[k] = at
		}
	}
	return counts, last, errors.Join(rows.Err(), rows.Close())
}

// Fail records a failure under each key at at, and forgets failures older
// than forget.
func (db *DB) Fail(ctx context.Context, keys []string, at, forget time.Time) error {
	return db.write(ctx, func(w conn) error {
		for _, k := range keys {
			if _, err := w.exec(ctx, "INSERT INTO failures (key, at) VALUES (?, ?)", k, at.UTC()); err != nil {
				return err
			}
		}
		_, err := w.exec(ctx, "DELETE FROM failures WHERE at < ?", forget.UTC())
		return err
	})
}

// ClearFailures forgets the failures under key.
func (db *DB) ClearFailures(ctx context.Context, key string) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, "DELETE FROM failures WHERE key = ?", key)
		return err
	})
}
