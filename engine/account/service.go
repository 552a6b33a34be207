package account

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Store is what the accounts need from persistence.
type Store interface {
	// CreateUser inserts u and sets u.ID. Returns ECONFLICT if the name is taken.
	CreateUser(ctx context.Context, u *engine.User) error
	// FindUser returns the user with id. Returns ENOTFOUND if none.
	FindUser(ctx context.Context, id int64) (*engine.User, error)
	// FindUserByName returns the user with name. Returns ENOTFOUND if none.
	FindUserByName(ctx context.Context, name string) (*engine.User, error)
	// Users returns users, those of units when units is not empty.
	Users(ctx context.Context, units []int64) ([]*engine.User, error)
	// SetPasswordHash replaces a user's password hash. Returns ENOTFOUND if none.
	SetPasswordHash(ctx context.Context, id int64, hash string, mustChange bool) error
	// SetRole gives a user another role and unit.
	SetRole(ctx context.Context, id int64, role workflow.Role, unitID int64) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// SetDisabled disables a user at at, ending the user's sessions, or
	// enables the user again (nil).
	SetDisabled(ctx context.Context, id int64, at *time.Time) error
	// CloseUnit closes a unit at at, or opens it again (nil).
	CloseUnit(ctx context.Context, id int64, at *time.Time) error
	// FindSession returns the data of the session whose token hashes to
	// hash, unless it expired by now.
	FindSession(ctx context.Context, hash string, now time.Time) ([]byte, bool, error)
	// CreateSession stores a new session: only a login makes one.
	CreateSession(ctx context.Context, s *WebSession) error
	// SaveSession refreshes a stored session and never creates one, so
	// that a session ended meanwhile stays ended; a refresh that would
	// change nothing but move the expiry by less than a minute is skipped,
	// so that reading pages writes nothing.
	SaveSession(ctx context.Context, s *WebSession) error
	// DeleteSession ends one session.
	DeleteSession(ctx context.Context, hash string) error
	// UserSessions lists a user's sessions that have not expired by now,
	// latest login first.
	UserSessions(ctx context.Context, userID int64, now time.Time) ([]*WebSession, error)
	// Failures returns, for each key, how many failed attempts it had since
	// since and when the last was.
	Failures(ctx context.Context, keys []string, since time.Time) (map[string]int, map[string]time.Time, error)
	// Fail records a failed attempt under each key at at, and forgets
	// failures older than forget.
	Fail(ctx context.Context, keys []string, at, forget time.Time) error
	// ClearFailures forgets the failures under key.
	ClearFailures(ctx context.Context, key string) error
	// SaveToken stores a new API token (its hash) and sets its id.
	SaveToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with the hash. Returns ENOTFOUND if
	// none.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// Tokens returns the tokens, newest first, of the units given, or of
	// all units when units is nil.
	Tokens(ctx context.Context, units []int64) ([]*Token, error)
	// RevokeToken revokes a token at at. Returns ENOTFOUND if there is no
	// such token not yet revoked.
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	// TokenUsed records a token's use at at.
	TokenUsed(ctx context.Context, id int64, at time.Time) error
	// Setting returns a stored setting, "" when unset.
	Setting(ctx context.Context, key string) (string, error)
	// SetSetting stores a setting.
	SetSetting(ctx context.Context, key, value string) error
	// SetUp spends the setting key if it still holds value, and creates
	// the first unit and its administrator, all at once or not at all.
	// Returns ENOTFOUND if the setting was spent meanwhile.
	SetUp(ctx context.Context, key, value string, unit *engine.Unit, u *engine.User) error
	// AuditEntries returns the latest audit rows that f selects, newest
	// first: of the staff of units when units is not nil.
	AuditEntries(ctx context.Context, units []int64, f engine.AuditFilter) ([]*engine.AuditEntry, error)
}

// Service runs the accounts' use cases on the engine's unit tree, clock and
// audit trail.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the accounts' service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
