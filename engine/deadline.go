package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

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
func (e *Engine) RunDeadlines(ctx context.Context, now time.Time) (DeadlineResult, error) {
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
		case errors.Is(err, errNothingDue), ErrorCode(err) == ECONFLICT:
		case err != nil:
			errs = append(errs, fmt.Errorf("case %d: %w", id, err))
		case action == ActionEscalate:
			res.Escalated++
		default:
			res.Flagged++
		}
	}
	one := func(id int64) {
		var action string
		_, err := e.change(ctx, System, id, 0, func(t *Tree, c *Case) (*Change, error) {
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
		actions, names := map[int64]string{}, map[int64]string{}
		results, err := e.Store.TransitionBatch(ctx, batch, func(c *Case) (*Change, error) {
			if t.Unit(c.LocationUnitID) == nil || t.Unit(c.HandlingUnitID) == nil {
				return nil, errStaleTree
			}
			ch, a, err := e.decideOverdue(ctx, t, c, now)
			if err == nil {
				e.notices(t, System, c, ch)
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
			if errors.Is(results[i], errStaleTree) {
				one(id)
				continue
			}
			count(id, actions[id], results[i])
			if results[i] == nil && e.Observer != nil {
				e.Observer.Changed(names[id])
			}
		}
	}
	if len(errs) > 0 {
		slog.Error("deadline sweep", "errors", len(errs), "first", errs[0])
	}
	return res, errors.Join(errs...)
}

// decideOverdue works out what a passed deadline does to c at now.
func (e *Engine) decideOverdue(ctx context.Context, t *Tree, c *Case, now time.Time) (*Change, string, error) {
	latest := c.LatestPassed(now)
	if latest == nil {
		return nil, "", errNothingDue
	}
	p := e.policy(t, c.LocationUnitID)
	if c.DueAt != nil && !now.Before(*c.DueAt) && p.Action(c.State) == ActionEscalate {
		ch, err := e.decide(ctx, t, System, c, workflow.Escalate, Input{At: now, Reason: workflow.ReasonOverdue, Automatic: true})
		return ch, ActionEscalate, err
	}
	if c.FlaggedDueAt != nil && !c.FlaggedDueAt.Before(*latest) {
		return nil, "", errNothingDue
	}
	ch, err := e.decideActivity(ctx, t, System, c, workflow.FlagOverdue, Input{At: now})
	return ch, ActionSupervise, err
}

// optimizeEvery is how often the scheduler refreshes the database's
// statistics.
const optimizeEvery = 6 * time.Hour

// RunScheduler sweeps every interval until ctx ends, warns of deadlines
// close at hand (see Warn), clears expired sessions and audit rows past
// their retention, and now and then refreshes the planner's statistics.
func (e *Engine) RunScheduler(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var optimized time.Time
	for {
		res, err := e.RunDeadlines(ctx, e.Now())
		if err == nil && (res.Escalated > 0 || res.Flagged > 0) {
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

// Deadline is one of a case's deadlines with how it came to be.
type Deadline struct {
	Name string
	Due  time.Time
	Why  []string
}

// Deadlines explains a case's deadlines from its timeline: when each clock
// started, the pauses that moved it and the extensions granted.
// confirmBy ends the window for judicial confirmation, nil when there is
// none (see ConfirmDeadline).
func (e *Engine) Deadlines(ctx context.Context, c *Case, events []*Event, confirmBy *time.Time) []Deadline {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil
	}
	x := &explainer{e: e, p: e.policy(t, c.LocationUnitID), c: c}
	x.unit = "天"
	if x.p.WorkingDays {
		x.unit = "个工作日"
	}
	x.read(events)
	var out []Deadline
	for _, d := range []*Deadline{x.state(events), x.overall(), x.confirmation(confirmBy), x.suspended()} {
		if d != nil {
			out = append(out, *d)
		}
	}
	return out
}

// explainer reads a timeline for the reasons behind a case's deadlines.
type explainer struct {
	e    *Engine
	p    Policy
	c    *Case
	unit string // 天 or 个工作日
	// stateStart is the index of the event that started the current
	// state's clock.
	stateStart             int
	statePauses, allPauses []pause
	extensions             []string
}

// pause is a time the clocks were stopped.
type pause struct{ from, to time.Time }

// stateDeadlineNames names each state's own deadline.
var stateDeadlineNames = map[workflow.State]string{workflow.Registered: "受理审查期限", workflow.Grid: "网格调解期限",
	workflow.Village: "村(社区)调解期限", workflow.Town: "镇(街道)调解期限", workflow.Referred: "移交反馈期限",
	workflow.Agreed: "回访期限"}

func (x *explainer) stamp(at time.Time) string { return at.In(x.e.Location).Format("2006-01-02 15:04") }

// read finds where the current state's clock started and collects the
// pauses and extensions.
func (x *explainer) read(events []*Event) {
	for i, ev := range events {
		if ev.Transition() {
			x.stateStart = i
		}
	}
	var open *time.Time
	for i, ev := range events {
		switch ev.Name {
		case string(workflow.Suspend):
			at := ev.At
			open = &at
		case string(workflow.Resume):
			if open != nil {
				x.allPauses = append(x.allPauses, pause{*open, ev.At})
				if i > x.stateStart {
					x.statePauses = append(x.statePauses, pause{*open, ev.At})
				}
				open = nil
			}
		case string(workflow.Extend):
			x.extensions = append(x.extensions, fmt.Sprintf("%s %s延长%v%s：%s（双方当事人同意）", x.stamp(ev.At), ev.ActorName, ev.Data["days"], x.unit, ev.Reason))
		}
		if ev.Transition() && ev.To.Terminal() {
			open = nil
		}
	}
}

func (x *explainer) describe(ps []pause) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("暂停计时 %s 至 %s，顺延 %s", x.stamp(p.from), x.stamp(p.to), p.to.Sub(p.from).Round(time.Minute)))
	}
	return out
}

// state explains the current state's own deadline.
func (x *explainer) state(events []*Event) *Deadline {
	c := x.c
	if c.DueAt == nil || len(events) == 0 {
		return nil
	}
	start := events[x.stateStart]
	d := &Deadline{Name: stateDeadlineNames[c.State], Due: *c.DueAt}
	if c.State == workflow.Agreed {
		d.Why = append(d.Why, fmt.Sprintf("协议履行期限后 %d%s回访", x.p.FollowUp, x.unit))
	} else {
		d.Why = append(d.Why, fmt.Sprintf("自 %s（%s）起 %d%s", x.stamp(start.At), start.Label(), x.p.StateDays(c.State), x.unit))
		d.Why = append(d.Why, x.describe(x.statePauses)...)
	}
	if c.State == workflow.Grid || c.State == workflow.Village {
		if x.p.Action(c.State) == ActionEscalate {
			d.Why = append(d.Why, "到期未办结将自动上报上一级")
		} else {
			d.Why = append(d.Why, "到期未办结将提醒督办")
		}
	}
	return d
}

// overall explains the whole mediation's deadline while the case is at a
// tier.
func (x *explainer) overall() *Deadline {
	c := x.c
	if c.OverallDueAt == nil || c.AcceptedAt == nil || c.State.Level() == "" {
		return nil
	}
	d := &Deadline{Name: "调解总期限", Due: *c.OverallDueAt,
		Why: []string{fmt.Sprintf("自首次受理 %s 起 %d%s（一般在一个月内调结）", x.stamp(*c.AcceptedAt), x.p.Overall, x.unit)}}
	d.Why = append(d.Why, x.describe(x.allPauses)...)
	d.Why = append(d.Why, x.extensions...)
	return d
}

// confirmation explains the window for judicial confirmation of the latest
// agreement while the parties may still apply.
func (x *explainer) confirmation(confirmBy *time.Time) *Deadline {
	if confirmBy == nil || (x.c.State != workflow.Agreed && x.c.State != workflow.Fulfilled) {
		return nil
	}
	return &Deadline{Name: "司法确认申请期限", Due: *confirmBy,
		Why: []string{"双方可自协议生效次日起30日内共同向人民法院申请司法确认；期限最后一日为节假日的，顺延至节假日后的第一个工作日，到期日24时截止"}}
}

// suspended says since when the clocks are stopped.
func (x *explainer) suspended() *Deadline {
	if x.c.SuspendedAt == nil {
		return nil
	}
	return &Deadline{Name: "暂停计时中", Due: *x.c.SuspendedAt, Why: []string{"自该时刻起各项期限暂停，恢复后顺延"}}
}
