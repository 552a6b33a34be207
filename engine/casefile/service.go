// Package casefile reads a case's whole file (卷宗, 一案一卷) as one viewer
// may see it: the timeline with each event's record, the documents of
// DOMAIN §2 in the order of the contents list, the deadlines with how they
// came to be, and what the viewer may do next. The engine writes the
// records with the events; this room reads them back together.
package casefile

import (
	"context"

	"github.com/grassroots/mediation/engine"
)

// Store is what the case file reads from persistence.
type Store interface {
	// Events returns a case's timeline, oldest first.
	Events(ctx context.Context, caseID int64) ([]*engine.Event, error)
	// Timeline returns a case's timeline without the notes between its
	// first head events and its last tail.
	Timeline(ctx context.Context, caseID int64, head, tail int) ([]*engine.Event, error)
	// Agreements returns a case's agreements, oldest first.
	Agreements(ctx context.Context, caseID int64) ([]*engine.Agreement, error)
	// Sessions returns a case's mediation session records, oldest first.
	Sessions(ctx context.Context, caseID int64) ([]*engine.Session, error)
	// FollowUps returns a case's follow-up visits, oldest first.
	FollowUps(ctx context.Context, caseID int64) ([]*engine.FollowUp, error)
	// Referrals returns a case's referrals, oldest first.
	Referrals(ctx context.Context, caseID int64) ([]*engine.Referral, error)
	// Confirmations returns a case's steps of judicial confirmation,
	// oldest first.
	Confirmations(ctx context.Context, caseID int64) ([]*engine.Confirmation, error)
	// Attachments returns a case's attachments, oldest first, without
	// their content.
	Attachments(ctx context.Context, caseID int64) ([]*engine.Attachment, error)
	// FindUser returns the user with id. Returns ENOTFOUND if none.
	FindUser(ctx context.Context, id int64) (*engine.User, error)
}

// Service reads case files on the engine's unit tree, policies and
// permissions.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the case file's service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
