package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// fileSweeps files, when the database holds none, the monthly dispute
// sweep (拉网式排查) of every grid for each of the 120 months before now's,
// one in fifty missed, as a live deployment's grids would have filed them:
// every report reads the sweeps of its months. They are written in one
// statement around the store; now is the start of a month in the towns'
// zone.
func fileSweeps(ctx context.Context, raw *sql.DB, postgres bool, now time.Time) error {
	var n int
	if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM sweeps").Scan(&n); err != nil || n > 0 {
		return err
	}
	// A sweep's values come from its grid's id and its month's number, so
	// that every database holds the same.
	q := `WITH RECURSIVE m(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM m WHERE i < 120)
	INSERT INTO sweeps (grid_id, month, swept_on, households, risks, disputes_found, notes, filed_at)
	SELECT u.id, strftime('%Y-%m', ?1, '-' || m.i || ' months'), strftime('%Y-%m-20', ?1, '-' || m.i || ' months'),
		60 + (u.id * 7 + m.i) % 240, '', (u.id + m.i) % 7 / 3, '', strftime('%Y-%m-21 02:00:00', ?1, '-' || m.i || ' months')
	FROM units u, m WHERE u.level = ?2 AND (u.id * 31 + m.i) % 50 <> 0`
	if postgres {
		q = `INSERT INTO sweeps (grid_id, month, swept_on, households, risks, disputes_found, notes, filed_at)
		SELECT u.id, to_char(m.at, 'YYYY-MM'), to_char(m.at + interval '19 days', 'YYYY-MM-DD'),
			60 + (u.id * 7 + m.i) % 240, '', (u.id + m.i) % 7 / 3, '', m.at + interval '20 days 2 hours'
		FROM units u CROSS JOIN (SELECT i, $1::timestamp - make_interval(months => i) AS at FROM generate_series(1, 120) i) m
		WHERE u.level = $2 AND (u.id * 31 + m.i) % 50 <> 0`
	}
	t0 := time.Now()
	res, err := raw.ExecContext(ctx, q, now.Format(time.DateOnly), string(workflow.LevelGrid))
	if err != nil {
		return fmt.Errorf("filing the grids' sweeps: %w", err)
	}
	filed, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if postgres {
		if _, err := raw.ExecContext(ctx, "ANALYZE sweeps"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "the grids' sweeps of ten years: %d filed in %s\n", filed, time.Since(t0).Round(time.Millisecond))
	return nil
}
