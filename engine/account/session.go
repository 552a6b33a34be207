package account

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
)

// WebSession is a logged-in browser, kept in the database so that every server
// on it knows it and a logout or a new password ends it everywhere. Only
// the hash of its random token is stored; Data is the session manager's
// own encoding of what the session holds.
type WebSession struct {
	Hash   string
	UserID int64 // 0 before login
	Data   []byte
	Expiry time.Time
	// LoginAt, Address and Agent (the browser) are shown to the user
	// among their sessions.
	LoginAt time.Time
	Address string
	Agent   string
}

// FindSession returns the data of the session whose token hashes to hash,
// unless it expired by now. The session manager reckons expiry by the wall
// clock, not the engine's, so the caller says what now is.
func (e *Service) FindSession(ctx context.Context, hash string, now time.Time) ([]byte, bool, error) {
	return e.Store.FindSession(ctx, hash, now)
}

// StartSession stores the session of a login.
func (e *Service) StartSession(ctx context.Context, s *WebSession) error {
	return e.Store.CreateSession(ctx, s)
}

// SaveSession refreshes a stored session; one ended meanwhile (a logout, a
// new password, a disabled account) stays ended.
func (e *Service) SaveSession(ctx context.Context, s *WebSession) error {
	return e.Store.SaveSession(ctx, s)
}

// EndSession ends one session.
func (e *Service) EndSession(ctx context.Context, hash string) error {
	return e.Store.DeleteSession(ctx, hash)
}

// Sessions lists the actor's live sessions, latest login first.
func (e *Service) Sessions(ctx context.Context, a engine.Actor, now time.Time) ([]*WebSession, error) {
	return e.Store.UserSessions(ctx, a.UserID, now)
}

// EndOwnSession ends one of the actor's sessions, by its hash; one of
// anybody else's is not found.
func (e *Service) EndOwnSession(ctx context.Context, a engine.Actor, hash string, now time.Time) error {
	mine, err := e.Store.UserSessions(ctx, a.UserID, now)
	if err != nil {
		return err
	}
	for _, s := range mine {
		if s.Hash == hash {
			return e.Store.DeleteSession(ctx, hash)
		}
	}
	return engine.Errorf(engine.ENOTFOUND, "没有这个登录。")
}
