package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// DeadlineResult counts what one pass of the deadline scheduler did.
type DeadlineResult struct {
	Escalated int // grid and village cases moved up, reason 超期自动上报
	Flagged   int // cases flagged for supervisors (超期提醒)
}

// sweepBatch is how many cases the deadline scheduler changes in one
// transaction.
const sweepBatch = 200

// errNothingDue tells the pass a case no longer needs it: someone acted on
// it, or another scheduler got there first.
var errNothingDue = errors.New("engine: nothing due")

// RunDeadlines is one pass of the deadline scheduler at now. An overdue grid or
// village case whose town escalates on overdue moves up through the ordinary
// transition path under the system actor; any other passed deadline is
// flagged once. Each case is decided inside the write transaction that
// changes it, on the case as it is then, so two schedulers (or two servers)
// never escalate one case twice, and a case one of them skips the other
// handles. The cases go sweepBatch to a transaction, so that a first sweep
// over a large database pays one commit per batch, not per case; a batch
// that cannot be written is done again case by case.
func (e *Service) RunDeadlines(ctx context.Context, now time.Time) (DeadlineResult, error) {
	var res DeadlineResult
	if e.Observer != nil {
		start := time.Now()
		defer func() { e.Observer.Swept(res, time.Since(start)) }()
	}
	ids, err := e.Store.DueCases(ctx, now)
	if err != nil {
		return res, err
	}
	var errs []error
	count := func(id int64, action string, err error) {
		switch {
		case errors.Is(err, errNothingDue), engine.ErrorCode(err) == engine.ECONFLICT:
		case err != nil:
			errs = append(errs, fmt.Errorf("case %d: %w", id, err))
		case action == engine.ActionEscalate:
			res.Escalated++
		default:
			res.Flagged++
		}
	}
	one := func(id int64) {
		var action string
		_, err := e.ChangeCase(ctx, engine.System, id, 0, func(t *engine.Tree, c *engine.Case) (*engine.Change, error) {
			ch, a, err := e.decideOverdue(ctx, t, c, now)
			action = a
			return ch, err
		})
		count(id, action, err)
	}
	for start := 0; start < len(ids); start += sweepBatch {
		batch := ids[start:min(start+sweepBatch, len(ids))]
		t, err := e.Tree(ctx)
		if err != nil {
			return res, err
		}
		actions, names := map[int64]string{}, map[int64]workflow.Step{}
		results, err := e.Store.TransitionBatch(ctx, batch, func(c *engine.Case) (*engine.Change, error) {
			if t.Unit(c.LocationUnitID) == nil || t.Unit(c.HandlingUnitID) == nil {
				return nil, engine.ErrStaleTree
			}
			ch, a, err := e.decideOverdue(ctx, t, c, now)
			if err == nil {
				e.Notices(t, engine.System, c, ch)
				actions[c.ID], names[c.ID] = a, ch.Event.Name
			}
			return ch, err
		})
		if err != nil {
			for _, id := range batch {
				one(id)
			}
			continue
		}
		for i, id := range batch {
			if errors.Is(results[i], engine.ErrStaleTree) {
				one(id)
				continue
			}
			count(id, actions[id], results[i])
			if results[i] == nil && e.Engine.Observer != nil {
				e.Engine.Observer.Changed(names[id])
			}
		}
	}
	return res, errors.Join(errs...)
}

// decideOverdue works out what a passed deadline does to c at now.
func (e *Service) decideOverdue(ctx context.Context, t *engine.Tree, c *engine.Case, now time.Time) (*engine.Change, string, error) {
	latest := c.LatestPassed(now)
	if latest == nil {
		return nil, "", errNothingDue
	}
	p := e.PolicyOf(t, c.LocationUnitID)
	// A deadline already flagged (an imported history's past) is not
	// escalated for; the scheduler acts on those that pass from then on.
	acknowledged := c.FlaggedDueAt != nil && c.DueAt != nil && !c.FlaggedDueAt.Before(*c.DueAt)
	if c.DueAt != nil && !now.Before(*c.DueAt) && p.Action(c.State) == engine.ActionEscalate && !acknowledged {
		ch, err := e.Decide(ctx, t, engine.System, c, workflow.Escalate, engine.Input{At: now, Reason: workflow.ReasonOverdue, Automatic: true})
		return ch, engine.ActionEscalate, err
	}
	if c.FlaggedDueAt != nil && !c.FlaggedDueAt.Before(*latest) {
		return nil, "", errNothingDue
	}
	ch, err := e.DecideActivity(ctx, t, engine.System, c, workflow.FlagOverdue, engine.Input{At: now})
	return ch, engine.ActionSupervise, err
}

// optimizeEvery is how often the scheduler refreshes the database's
// statistics.
const optimizeEvery = 6 * time.Hour

// Run sweeps every interval until ctx ends, warns of deadlines
// close at hand (see Warn), clears expired sessions, audit rows past their
// retention and the particulars of cases past theirs, and now and then refreshes the planner's statistics.
func (e *Service) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var optimized time.Time
	for {
		res, err := e.RunDeadlines(ctx, e.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Error("deadline sweep", "escalated", res.Escalated, "flagged", res.Flagged, "err", err)
		case res.Escalated > 0 || res.Flagged > 0:
			slog.Info("deadline sweep", "escalated", res.Escalated, "flagged", res.Flagged)
		}
		if _, err := e.Warn(ctx, e.Now()); err != nil && ctx.Err() == nil {
			slog.Error("deadline warnings", "err", err)
		}
		// Expired sessions are of no use to anyone, and audit rows past
		// their retention are due to go; the same pass clears them.
		if err := e.Store.PruneSessions(ctx, e.Now()); err != nil && ctx.Err() == nil {
			slog.Error("pruning expired sessions", "err", err)
		}
		if e.AuditRetention > 0 {
			if err := e.Store.PruneAudit(ctx, e.Now().Add(-e.AuditRetention)); err != nil && ctx.Err() == nil {
				slog.Error("pruning the audit trail", "err", err)
			}
		}
		e.anonymise(ctx)
		// The planner's statistics follow the cases as they grow, so that
		// the lists keep reading the indexes led by the unit.
		if time.Since(optimized) >= optimizeEvery {
			if err := e.Store.Optimize(ctx); err != nil && ctx.Err() == nil {
				slog.Error("refreshing the planner's statistics", "err", err)
			}
			optimized = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Anonymise clears the particulars and attachments of every case closed
// without being taken into mediation more than the retention's
// UnfiledYears ago, a batch at a time, and returns how many it cleared.
// It does nothing when the retention keeps them for good.
func (e *Service) Anonymise(ctx context.Context, now time.Time) (int, error) {
	years := e.Retention.UnfiledYears
	if years <= 0 {
		return 0, nil
	}
	cutoff := now.In(e.Location).AddDate(-years, 0, 0)
	total := 0
	for {
		n, err := e.Store.Anonymise(ctx, cutoff, now)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// anonymise runs Anonymise for the pass and logs what it did.
func (e *Service) anonymise(ctx context.Context) {
	n, err := e.Anonymise(ctx, e.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		slog.Error("clearing the particulars of cases past their retention", "cleared", n, "err", err)
	case n > 0:
		slog.Info("cleared the particulars of cases past their retention", "cases", n, "years", e.Retention.UnfiledYears)
	}
}
