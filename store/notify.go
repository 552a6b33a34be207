package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/notify"
)

// insertNotification writes one notification; insertNotifications one to
// each active account of a role at a unit but one. A warning whose dedup
// the recipient already has for the case is skipped.
const (
	insertNotification = `INSERT INTO notifications (user_id, phone, webhook, case_id, kind, text, dedup, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	insertNotifications = `INSERT INTO notifications (user_id, phone, case_id, kind, text, dedup, created_at, next_attempt_at)
		SELECT id, '', ?, ?, ?, ?, ?, ? FROM users WHERE unit_id = ? AND role = ? AND id <> ? AND disabled_at IS NULL
		ORDER BY id ON CONFLICT DO NOTHING`
)

// writeNotifications writes notifications about case caseID in the
// transaction of c: one row for a user or a phone, or, for an audience, one
// row per active account of the role at the unit (but the one excepted),
// chosen in the same statement. A warning whose dedup the recipient already
// has for the case is skipped.
func writeNotifications(ctx context.Context, c conn, caseID int64, ns []*engine.Notification) error {
	for _, n := range ns {
		n.CaseID = caseID
		var next *time.Time
		if n.Deliver {
			next = &n.CreatedAt
		}
		var dedup *string
		if n.Dedup != "" {
			dedup = &n.Dedup
		}
		var err error
		if n.UserID != 0 || n.Phone != "" || n.Webhook != "" {
			var user *int64
			if n.UserID != 0 {
				user = &n.UserID
			}
			_, err = c.exec(ctx, insertNotification, user, n.Phone, n.Webhook, caseID, n.Kind, n.Text, dedup, n.CreatedAt.UTC(), utc(next))
		} else {
			_, err = c.exec(ctx, insertNotifications, caseID, n.Kind, n.Text, dedup, n.CreatedAt.UTC(), utc(next), n.Unit, string(n.Role), n.Except)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Notify writes notifications outside any event, each about its case.
func (db *DB) Notify(ctx context.Context, ns ...*engine.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	return db.write(ctx, func(c conn) error {
		for _, n := range ns {
			if err := writeNotifications(ctx, c, n.CaseID, []*engine.Notification{n}); err != nil {
				return err
			}
		}
		return nil
	})
}

// notificationColumns are read with each notification: its case's number
// and its recipient's name.
const notificationColumns = `n.id, COALESCE(n.user_id, 0), n.phone, n.webhook, n.case_id, n.kind, n.text, n.created_at, n.read_at, n.attempts,
	c.number, COALESCE(u.name, '')`

const notificationFrom = ` FROM notifications n JOIN cases c ON c.id = n.case_id LEFT JOIN users u ON u.id = n.user_id`

func scanNotification(rows *sql.Rows) (*engine.Notification, error) {
	var n engine.Notification
	var read *time.Time
	if err := rows.Scan(&n.ID, &n.UserID, &n.Phone, &n.Webhook, &n.CaseID, &n.Kind, &n.Text, &n.CreatedAt, &read, &n.Attempts,
		&n.CaseNumber, &n.UserName); err != nil {
		return nil, err
	}
	n.CreatedAt, n.ReadAt = n.CreatedAt.UTC(), utc(read)
	return &n, nil
}

// notifications reads the notifications a condition selects.
func notifications(ctx context.Context, c conn, cond string, args ...any) ([]*engine.Notification, error) {
	var out []*engine.Notification
	err := c.each(ctx, "SELECT "+notificationColumns+notificationFrom+" WHERE "+cond, args, func(rows *sql.Rows) error {
		n, err := scanNotification(rows)
		out = append(out, n)
		return err
	})
	return out, err
}

// Notifications returns a user's latest notifications, unread first, and
// how many are unread.
func (db *DB) Notifications(ctx context.Context, userID int64, limit int) ([]*engine.Notification, int, error) {
	out, err := notifications(ctx, db.reader(), "n.user_id = ? ORDER BY (n.read_at IS NOT NULL), n.id DESC LIMIT ?", userID, limit)
	if err != nil {
		return nil, 0, err
	}
	unread, err := db.Unread(ctx, userID, 0)
	return out, unread, err
}

// Unread counts a user's unread notifications, up to upTo (all of them
// when upTo is 0): the count reads the index entry of each it counts.
func (db *DB) Unread(ctx context.Context, userID int64, upTo int) (int, error) {
	var n int
	if upTo > 0 {
		err := db.reader().scalar(ctx, &n, "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = ? AND read_at IS NULL LIMIT ?) AS u", userID, upTo)
		return n, err
	}
	err := db.reader().scalar(ctx, &n, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID)
	return n, err
}

// ReadNotification marks a user's notification read, or all of them (id
// 0), and returns the one read.
func (db *DB) ReadNotification(ctx context.Context, userID, id int64, at time.Time) (*engine.Notification, error) {
	var out *engine.Notification
	err := db.write(ctx, func(c conn) error {
		if id == 0 {
			_, err := c.exec(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", at.UTC(), userID)
			return err
		}
		if _, err := c.exec(ctx, "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
			at.UTC(), id, userID); err != nil {
			return err
		}
		ns, err := notifications(ctx, c, "n.id = ? AND n.user_id = ?", id, userID)
		if err != nil {
			return err
		}
		if len(ns) == 0 {
			return engine.Errorf(engine.ENOTFOUND, "没有这条通知。")
		}
		out = ns[0]
		return nil
	})
	return out, err
}

// ClaimDeliveries takes up to limit notifications due for delivery at now
// and puts their next attempt off until until, in one statement: on
// PostgreSQL, rows another worker holds are skipped rather than waited for.
func (db *DB) ClaimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]*engine.Notification, error) {
	var out []*engine.Notification
	err := db.write(ctx, func(c conn) error {
		var ids []int64
		err := c.each(ctx, `UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN (
			SELECT id FROM notifications WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`+
			db.d.pick(" FOR UPDATE SKIP LOCKED", "")+`) RETURNING id`, []any{until.UTC(), now.UTC(), limit},
			func(rows *sql.Rows) error {
				var id int64
				err := rows.Scan(&id)
				ids = append(ids, id)
				return err
			})
		if err != nil || len(ids) == 0 {
			return err
		}
		out, err = notifications(ctx, c, db.d.in("n.id")+" ORDER BY n.id", db.d.list(ids))
		return err
	})
	return out, err
}

// Delivered records a delivery at at, or, when problem is not "", a failed
// attempt to be tried again at next.
func (db *DB) Delivered(ctx context.Context, id int64, at time.Time, problem string, next time.Time) error {
	return db.write(ctx, func(c conn) error {
		if problem == "" {
			_, err := c.exec(ctx, "UPDATE notifications SET delivered_at = ?, next_attempt_at = NULL, last_error = '' WHERE id = ?", at.UTC(), id)
			return err
		}
		_, err := c.exec(ctx, "UPDATE notifications SET next_attempt_at = ?, last_error = ? WHERE id = ?", next.UTC(), problem, id)
		return err
	})
}

// WebhookFailures returns, by partner webhook address, the last error of
// the deliveries waiting to be tried again and how many wait.
func (db *DB) WebhookFailures(ctx context.Context) (map[string]notify.Failure, error) {
	out := map[string]notify.Failure{}
	err := db.reader().each(ctx, `SELECT webhook, last_error FROM notifications
		WHERE next_attempt_at IS NOT NULL AND webhook <> '' AND last_error <> '' ORDER BY id`, nil, func(rows *sql.Rows) error {
		var hook, problem string
		if err := rows.Scan(&hook, &problem); err != nil {
			return err
		}
		out[hook] = notify.Failure{Error: problem, Waiting: out[hook].Waiting + 1}
		return nil
	})
	return out, err
}

// Backlog counts the notifications waiting for delivery.
func (db *DB) Backlog(ctx context.Context) (int, error) {
	var n int
	err := db.reader().scalar(ctx, &n, "SELECT COUNT(*) FROM notifications WHERE next_attempt_at IS NOT NULL")
	return n, err
}
