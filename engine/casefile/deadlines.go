package casefile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Deadline is one of a case's deadlines with how it came to be.
type Deadline struct {
	Name string
	Due  time.Time
	// Ends says when a period counted in days ends, in the words the
	// documents print it (2027年1月6日17时前); "" for the clocks that end
	// at the moment Due.
	Ends string
	Why  []string
}

// Deadlines explains a case's deadlines from its timeline: when each clock
// started, the pauses that moved it and the extensions granted.
// confirmBy ends the window for judicial confirmation, nil when there is
// none (see ConfirmDeadline).
func (e *Service) Deadlines(ctx context.Context, c *engine.Case, events []*engine.Event, confirmBy *time.Time) []Deadline {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil
	}
	x := &explainer{e: e.Engine, p: e.PolicyOf(t, c.LocationUnitID), c: c}
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
	e    *engine.Engine
	p    engine.Policy
	c    *engine.Case
	unit string // 天 or 个工作日
	// stateStart is the index of the event that started the current
	// state's clock.
	stateStart             int
	statePauses, allPauses []pause
	// extensions are all the extensions granted, stateExtensions those
	// granted since the current state's clock started.
	extensions, stateExtensions []string
}

// pause is a time the clocks were stopped.
type pause struct{ from, to time.Time }

func (x *explainer) stamp(at time.Time) string { return at.In(x.e.Location).Format("2006-01-02 15:04") }

// read finds where the current state's clock started and collects the
// pauses and extensions.
func (x *explainer) read(events []*engine.Event) {
	for i, ev := range events {
		if ev.Transition() {
			x.stateStart = i
		}
	}
	var open *time.Time
	for i, ev := range events {
		switch ev.Name {
		case workflow.Suspend.Step():
			at := ev.At
			open = &at
		case workflow.Resume.Step():
			if open != nil {
				x.allPauses = append(x.allPauses, pause{*open, ev.At})
				if i > x.stateStart {
					x.statePauses = append(x.statePauses, pause{*open, ev.At})
				}
				open = nil
			}
		case workflow.Extend.Step():
			ext := fmt.Sprintf("%s %s延长%d%s：%s（双方当事人同意）", x.stamp(ev.At), ev.ActorName, ev.Data.Days, x.unit, ev.Reason)
			x.extensions = append(x.extensions, ext)
			if i > x.stateStart {
				x.stateExtensions = append(x.stateExtensions, ext)
			}
		}
		if ev.Transition() && ev.To.Terminal() {
			open = nil
		}
	}
}

// graveFlags names the grave flags the case carries.
func (x *explainer) graveFlags() []string {
	var out []string
	for _, f := range x.c.Flags {
		if slices.Contains(engine.GraveFlags, f) {
			out = append(out, x.e.CurrentLists().FlagName(f))
		}
	}
	return out
}

func (x *explainer) describe(ps []pause) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("暂停计时 %s 至 %s，顺延 %s", x.stamp(p.from), x.stamp(p.to), p.to.Sub(p.from).Round(time.Minute)))
	}
	return out
}

// state explains the current state's own deadline.
func (x *explainer) state(events []*engine.Event) *Deadline {
	c := x.c
	if c.DueAt == nil || len(events) == 0 {
		return nil
	}
	start := events[x.stateStart]
	def, _ := c.State.Def()
	d := &Deadline{Name: def.Deadline, Due: *c.DueAt}
	risk := engine.ResponseRisk(c.Risk, c.Flags)
	hours := x.p.ResponseHours[risk]
	switch {
	case c.State == workflow.Agreed:
		d.Why = append(d.Why, fmt.Sprintf("协议履行期限后 %d%s回访", x.p.StateDays(workflow.Agreed), x.unit))
	case c.State == workflow.Registered && hours > 0 && c.DueAt.Equal(start.At.Add(time.Duration(hours)*time.Hour)):
		// A grave dispute's response clock (DESIGN §10).
		why := "风险" + risk.Label()
		if c.Risk != risk {
			why = "有" + strings.Join(x.graveFlags(), "、")
		}
		d.Why = append(d.Why, fmt.Sprintf("%s：自 %s（%s）起 %d小时内受理，到期未受理将提醒督办", why, x.stamp(start.At), start.Label(), hours))
	default:
		d.Why = append(d.Why, fmt.Sprintf("自 %s（%s）起 %d%s", x.stamp(start.At), start.Label(), x.p.StateDays(c.State), x.unit))
		d.Why = append(d.Why, x.describe(x.statePauses)...)
		d.Why = append(d.Why, x.stateExtensions...)
	}
	if c.State == workflow.Grid || c.State == workflow.Village {
		if x.p.Action(c.State) == engine.ActionEscalate {
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
	return &Deadline{Name: "司法确认申请期限", Due: *confirmBy, Ends: x.e.Until(*confirmBy) + "前",
		Why: []string{"双方可自协议生效次日起30日内共同向人民法院申请司法确认；期限最后一日为节假日的，顺延至节假日后的第一个工作日，于人民法院停止办公时截止"}}
}

// suspended says since when the clocks are stopped.
func (x *explainer) suspended() *Deadline {
	if x.c.SuspendedAt == nil {
		return nil
	}
	return &Deadline{Name: "暂停计时中", Due: *x.c.SuspendedAt, Why: []string{"自该时刻起各项期限暂停，恢复后顺延"}}
}
