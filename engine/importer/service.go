// Package importer loads units and case histories from JSON lines (the
// ledgers of systems before this one): each case goes through the same
// checks and workflow as a live one, with its own timestamps.
package importer

import (
	"context"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/registry"
)

// Store is what an import needs from persistence.
type Store interface {
	// ImportedCase reports whether a case with the import key exists.
	ImportedCase(ctx context.Context, key string) (bool, error)
	// CreateCases inserts new cases, each with its parties, its first event
	// and its history, all in one transaction.
	CreateCases(ctx context.Context, regs ...*engine.Registration) error
	// FindUserByName returns the user with name. Returns ENOTFOUND if none.
	FindUserByName(ctx context.Context, name string) (*engine.User, error)
	// The registry's store keeps the committees and mediators imported.
	registry.Store
}

// Service imports on the engine's unit tree, workflow and time zone.
type Service struct {
	*engine.Engine
	Store    Store
	Registry *registry.Service
}

// New returns the import's service on e and s.
func New(e *engine.Engine, s Store) *Service {
	return &Service{Engine: e, Store: s, Registry: registry.New(e, s)}
}
