// Package apply serves the parties, who never log in (DESIGN §1): a party
// looks a case up by its public code and their phone and is told how it
// stands, in words and with no one else's personal data.
package apply

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
)

// Store is what the parties' side needs from persistence.
type Store interface {
	// FindCaseBy returns the case with that number or public code. Returns
	// ENOTFOUND if none.
	FindCaseBy(ctx context.Context, numberOrCode string) (*engine.Case, error)
	// Agreements returns a case's agreements, oldest first.
	Agreements(ctx context.Context, caseID int64) ([]*engine.Agreement, error)
	// Confirmations returns a case's steps of judicial confirmation,
	// oldest first.
	Confirmations(ctx context.Context, caseID int64) ([]*engine.Confirmation, error)
	// Failures counts the tries under each key since a time, with the
	// latest; Fail records one under each key, forgetting those before
	// forget. Applications are counted under them, by address and phone.
	Failures(ctx context.Context, keys []string, since time.Time) (map[string]int, map[string]time.Time, error)
	Fail(ctx context.Context, keys []string, at, forget time.Time) error
}

// Service serves the parties on the engine's unit tree and rules.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the parties' service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
