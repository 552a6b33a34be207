package store

import (
	"context"
	"errors"
	"time"

	"github.com/grassroots/mediation/engine/account"
)

// FindSession returns the data of the session whose token hashes to hash,
// unless it expired by now.
func (db *DB) FindSession(ctx context.Context, hash string, now time.Time) ([]byte, bool, error) {
	rows, err := db.reader().query(ctx, "SELECT data FROM web_sessions WHERE hash = ? AND expiry > ?", hash, now.UTC())
	if err != nil {
		return nil, false, err
	}
	var data []byte
	found := rows.Next()
	if found {
		err = rows.Scan(&data)
	}
	return data, found, errors.Join(err, rows.Err(), rows.Close())
}

// CreateSession stores a new session, at login. It is the only write that
// makes a session row: a token already stored is a conflict.
func (db *DB) CreateSession(ctx context.Context, s *account.WebSession) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, `INSERT INTO web_sessions (hash, user_id, data, expiry, login_at, address, agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.Hash, nilIfZero(s.UserID), s.Data, s.Expiry.UTC(), loginTime(s), s.Address, s.Agent)
		return err
	})
}

// SaveSession refreshes a stored session, and never creates one: a request
// that loaded its session before a logout ended it finishes without
// bringing it back. A refresh that changes nothing but moves the expiry by
// less than a minute updates no row: with an idle timeout every request
// refreshes its session, and reading a page should not cost a write to
// disk.
func (db *DB) SaveSession(ctx context.Context, s *account.WebSession) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, `UPDATE web_sessions SET user_id = ?, data = ?, expiry = ?, login_at = ?, address = ?, agent = ?
		WHERE hash = ? AND (data <> ? OR user_id IS DISTINCT FROM ? OR expiry < ?)`,
			nilIfZero(s.UserID), s.Data, s.Expiry.UTC(), loginTime(s), s.Address, s.Agent,
			s.Hash, s.Data, nilIfZero(s.UserID), s.Expiry.Add(-time.Minute).UTC())
		return err
	})
}

// loginTime is a session's login time as stored: NULL before login.
func loginTime(s *account.WebSession) *time.Time {
	if s.LoginAt.IsZero() {
		return nil
	}
	t := s.LoginAt.UTC()
	return &t
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, "DELETE FROM web_sessions WHERE hash = ?", hash)
		return err
	})
}

// PruneSessions deletes the sessions expired by now.
func (db *DB) PruneSessions(ctx context.Context, now time.Time) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, "DELETE FROM web_sessions WHERE expiry <= ?", now.UTC())
		return err
	})
}

// UserSessions lists a user's sessions that have not expired by now,
// latest login first.
func (db *DB) UserSessions(ctx context.Context, userID int64, now time.Time) ([]*account.WebSession, error) {
	rows, err := db.reader().query(ctx, `SELECT hash, expiry, login_at, address, agent FROM web_sessions
		WHERE user_id = ? AND expiry > ? ORDER BY login_at DESC`, userID, now.UTC())
	if err != nil {
		return nil, err
	}
	var out []*account.WebSession
	for rows.Next() {
		s := &account.WebSession{UserID: userID}
		var login *time.Time
		if err := rows.Scan(&s.Hash, &s.Expiry, &login, &s.Address, &s.Agent); err != nil {
			rows.Close()
			return nil, err
		}
		if login != nil {
			s.LoginAt = login.UTC()
		}
		s.Expiry = s.Expiry.UTC()
		out = append(out, s)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// DeleteUserSessions ends every session of a user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, "DELETE FROM web_sessions WHERE user_id = ?", userID)
		return err
	})
}
