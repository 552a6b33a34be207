package partner

import (
	"context"

	"github.com/grassroots/mediation/engine"
)

// Store is what the referrals in need from persistence.
type Store interface {
	// CaseByExternal returns the case a partner unit referred in under its
	// own id. Returns ENOTFOUND if none.
	CaseByExternal(ctx context.Context, senderID int64, externalID string) (*engine.Case, error)
}

// Service registers the partners' referrals on the engine's case core.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the partners' service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
