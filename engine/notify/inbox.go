package notify

import (
	"context"
	"slices"

	"github.com/grassroots/mediation/engine"
)

// Notifications returns the actor's latest notifications, unread first,
// and how many are unread.
func (e *Service) Notifications(ctx context.Context, a engine.Actor, limit int) ([]*engine.Notification, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return e.Store.Notifications(ctx, a.UserID, limit)
}

// UnreadCap is where the navigation bar's count of unread notifications
// stops: every page shows it, and a mediator who never reads them may have
// thousands, each of which a full count would read.
const UnreadCap = 100

// Unread counts the actor's unread notifications for the navigation bar,
// up to UnreadCap.
func (e *Service) Unread(ctx context.Context, a engine.Actor) (int, error) {
	if a.UserID == 0 {
		return 0, nil
	}
	return e.Store.Unread(ctx, a.UserID, UnreadCap)
}

// ReadNotification marks one of the actor's notifications read, or all of
// them (id 0), and returns the one read. Returns ENOTFOUND for another's.
func (e *Service) ReadNotification(ctx context.Context, a engine.Actor, id int64) (*engine.Notification, error) {
	return e.Store.ReadNotification(ctx, a.UserID, id, e.Now().UTC())
}

// NotifyKinds lists the kinds in the order the API documents them.
func NotifyKinds() []string {
	out := make([]string, 0, len(engine.NotifyLabels))
	for k := range engine.NotifyLabels {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
