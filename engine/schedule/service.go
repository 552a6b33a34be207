// Package schedule is the deadline scheduler: each pass escalates the grid
// and village cases whose deadline passed (超期自动上报) through the
// ordinary transition path, flags the other passed deadlines for
// supervisors (超期提醒), warns mediators of deadlines close at hand, and
// keeps the database in trim (expired sessions, audit rows past their
// retention, the particulars of cases past theirs, the planner's
// statistics).
package schedule

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
)

// Store is what the scheduler needs from persistence.
type Store interface {
	// DueCases returns the ids of the cases whose deadlines the scheduler
	// has to deal with at now.
	DueCases(ctx context.Context, now time.Time) ([]int64, error)
	// TransitionBatch changes many cases in one write transaction (see
	// engine.CaseStore).
	TransitionBatch(ctx context.Context, ids []int64, decide func(*engine.Case) (*engine.Change, error)) ([]error, error)
	// Notify writes notifications outside any event, skipping those whose
	// Dedup a recipient has for the case.
	Notify(ctx context.Context, ns ...*engine.Notification) error
	// PruneSessions deletes the sessions expired by now.
	PruneSessions(ctx context.Context, now time.Time) error
	// PruneAudit deletes the audit rows older than before.
	PruneAudit(ctx context.Context, before time.Time) error
	// Anonymise clears the particulars and attachments of a batch of the
	// cases closed before closedBefore without being taken into mediation,
	// and returns how many it cleared.
	Anonymise(ctx context.Context, closedBefore, now time.Time) (int, error)
	// Optimize refreshes the statistics the database's planner picks its
	// indexes by.
	Optimize(ctx context.Context) error
}

// Observer is told of each pass of the scheduler, for metrics.
type Observer interface {
	Swept(res DeadlineResult, took time.Duration)
}

// Service runs the scheduler on the engine's cases, clock and policies.
type Service struct {
	*engine.Engine
	Store Store
	// Observer, when set, is told of each pass.
	Observer Observer
}

// New returns the scheduler on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
