// Package notify is the users' inbox of notifications and their delivery
// through a webhook (SMS gateways, partner systems). The engine writes the
// notifications with the events that cause them; this room reads them back
// and sends them on.
package notify

import (
	"context"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Store is what the notifications need from persistence.
type Store interface {
	// Notifications returns a user's latest notifications, unread first,
	// and how many are unread.
	Notifications(ctx context.Context, userID int64, limit int) ([]*engine.Notification, int, error)
	// Unread counts a user's unread notifications, up to upTo (all of them
	// when upTo is 0).
	Unread(ctx context.Context, userID int64, upTo int) (int, error)
	// ReadNotification marks a user's notification read at at, or all of
	// them (id 0). Returns ENOTFOUND if the user has no such notification.
	ReadNotification(ctx context.Context, userID, id int64, at time.Time) (*engine.Notification, error)
	// ClaimDeliveries takes up to limit notifications whose delivery is due
	// at now, counting the attempt and putting their next one off until
	// until, so that no other worker takes them meanwhile.
	ClaimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]*engine.Notification, error)
	// Delivered records a notification's delivery at at; a failed one
	// (problem not "") is tried again at next.
	Delivered(ctx context.Context, id int64, at time.Time, problem string, next time.Time) error
	// Backlog counts the notifications waiting for delivery.
	Backlog(ctx context.Context) (int, error)
	// WebhookFailures returns, by partner webhook address, the last error
	// of the deliveries waiting to be tried again and how many wait.
	WebhookFailures(ctx context.Context) (map[string]Failure, error)
}

// Failure is what went wrong with a partner webhook's deliveries that wait
// to be tried again: the last error and how many wait.
type Failure struct {
	Error   string
	Waiting int
}

// WebhookFailures tells the administrator, by partner webhook address, what
// went wrong with the deliveries still waiting.
func (e *Service) WebhookFailures(ctx context.Context, a engine.Actor) (map[string]Failure, error) {
	if !workflow.May(workflow.FeatureConsole, a.Role, "") {
		return nil, engine.Errorf(engine.EFORBIDDEN, "%s", workflow.FeatureConsole.Refusal())
	}
	return e.Store.WebhookFailures(ctx)
}

// Service runs the inbox and the delivery on the engine's clock.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the notifications' service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }
