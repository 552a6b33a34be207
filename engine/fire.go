package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Input carries the data of one event or activity. Which fields matter is
// declared in the workflow table (Requires); the others are ignored.
type Input struct {
	// Version is the case version the user saw; 0 means "whatever it is now".
	// A stale version is refused with ECONFLICT so nobody overwrites a change
	// they have not seen.
	Version int
	// At backdates the step of a replayed history (see Replaying) or of the
	// scheduler.
	At        time.Time
	Automatic bool // set by the deadline scheduler

	Unit      string // unit code (accept, hand down)
	Reason    string
	Routes    []string
	Partner   string
	Party     string // which party (withdraw)
	Result    string
	Note      string
	Consent   bool
	Days      int
	Mediator  int64
	Risk      Risk
	Agreement *Agreement
	Visit     *FollowUp
	Session   *Session
	NewParty  *Party
}

// Fire fires a workflow event on a case. Guards run first, inside the
// machine's before-callback; then the new case, the event row and the records
// that come with it are written in one transaction that checks the version.
// A guard failure or a lost race changes nothing.
func (e *Engine) Fire(ctx context.Context, a Actor, id int64, ev workflow.Event, in Input) (*Case, error) {
	return e.change(ctx, a, id, in.Version, func(t *Tree, c *Case) (*Change, error) {
		return e.decide(ctx, t, a, c, ev, in)
	})
}

// errStaleTree says the cached unit tree lacks a unit the case names.
var errStaleTree = errors.New("engine: unit tree out of date")

// change runs one change to a case inside the store's write transaction: it
// checks that the actor may see the case and saw its current version, then
// lets decide work out the change.
func (e *Engine) change(ctx context.Context, a Actor, id int64, version int, decide func(*Tree, *Case) (*Change, error)) (*Case, error) {
	for attempt := 0; ; attempt++ {
		t, err := e.Tree(ctx)
		if err != nil {
			return nil, err
		}
		out, err := e.Store.Transition(ctx, id, func(c *Case) (*Change, error) {
			if t.Unit(c.LocationUnitID) == nil || t.Unit(c.HandlingUnitID) == nil || (a.UnitID != 0 && t.Unit(a.UnitID) == nil) {
				// Another server added units since this one loaded them.
				return nil, errStaleTree
			}
			if !canSee(t, a, c) {
				return nil, errOutside()
			}
			if version != 0 && version != c.Version {
				return nil, Errorf(ECONFLICT, "本案已被他人更新（您看到的是第%d版，现为第%d版），请查看最新情况后再操作。", version, c.Version)
			}
			return decide(t, c)
		})
		if errors.Is(err, errStaleTree) && attempt == 0 {
			e.forgetTree()
			continue
		}
		return out, err
	}
}

// decide runs the workflow for one event on c, in memory: the machine, its
// guards and the change the event makes. Live events and imported histories
// both go through it; it writes nothing.
func (e *Engine) decide(ctx context.Context, t *Tree, a Actor, c *Case, ev workflow.Event, in Input) (*Change, error) {
	at := e.at(a, in.At)
	if at.Before(c.OpenedAt) {
		return nil, Invalid("at", "事件时间不能早于登记时间。")
	}
	var row workflow.Transition
	var target *Unit
	to, err := workflow.Fire(ctx, c.State, ev, func(tr workflow.Transition) error {
		row = tr
		if !workflow.Permits(tr.Grants, position(t, a, c)) {
			return Errorf(EFORBIDDEN, "您无权对本案执行“%s”。", tr.Label())
		}
		if err := checkFields(tr.Requires, tr.Reasons, &in); err != nil {
			return err
		}
		if tr.Event == workflow.Escalate && in.Reason == workflow.ReasonOverdue && a.Role != workflow.RoleSystem {
			return Invalid("reason", "“%s”只由系统在超期时使用。", workflow.ReasonOverdue)
		}
		if tr.Event.Accepts() {
			if !a.backdates() && in.Reason == "" {
				if r := e.Routing.Suggest(c.Facts()); r.Level != tr.To.Level() {
					return Invalid("reason", "分流建议为%s（%s），改为%s须说明理由。", r.Level.Label(), strings.Join(r.Reasons, "；"), tr.To.Level().Label())
				}
			}
			for _, p := range c.Parties {
				if p.Consent == "no" {
					return Invalid("consent", "当事人%s不同意调解，不能受理；请以“当事人拒绝调解”不予受理。", p.Name)
				}
			}
		}
		var err error
		target, err = resolveTarget(t, tr, c, in.Unit)
		return err
	})
	switch {
	case errors.Is(err, workflow.ErrNotAllowed):
		return nil, Errorf(ECONFLICT, "本案当前状态为“%s”，不能执行“%s”。", c.State.Label(), ev.Label())
	case errors.Is(err, workflow.ErrUnknownEvent):
		return nil, Invalid("event", "未知的操作“%s”。", ev)
	case err != nil:
		return nil, err
	}
	return e.transition(e.policy(t, c.LocationUnitID), c, a, row, to, target, at, in), nil
}

// resolveTarget works out the unit that handles the case after tr.
func resolveTarget(t *Tree, tr workflow.Transition, c *Case, code string) (*Unit, error) {
	level := tr.To.Level()
	switch tr.Target {
	case workflow.ChosenUnit:
		want := t.Ancestor(c.LocationUnitID, level)
		if code == "" {
			if want == nil {
				return nil, Invalid("unit", "纠纷发生地没有上级%s。", level.Label())
			}
			return want, nil
		}
		u := t.ByCode(code)
		switch {
		case u == nil:
			return nil, Invalid("unit", "单位“%s”不存在。", code)
		case u.Level != level:
			return nil, Invalid("unit", "“%s”是%s，不是%s。", u.Name, u.Level.Label(), level.Label())
		case !t.Contains(u.ID, c.LocationUnitID):
			return nil, Invalid("unit", "“%s”不管辖纠纷发生地，应由%s受理。", u.Name, nameOf(want))
		}
		return u, nil
	case workflow.ChildUnit:
		u := t.ByCode(code)
		switch {
		case u == nil:
			return nil, Invalid("unit", "请选择交办的下级单位。")
		case u.ParentID != c.HandlingUnitID:
			return nil, Invalid("unit", "“%s”不是%s的下级单位。", u.Name, nameOf(t.Unit(c.HandlingUnitID)))
		}
		return u, nil
	case workflow.ParentUnit:
		h := t.Unit(c.HandlingUnitID)
		if h == nil || t.Unit(h.ParentID) == nil || t.Unit(h.ParentID).Level != level {
			return nil, Errorf(ECONFLICT, "%s没有可上报的%s。", nameOf(h), level.Label())
		}
		return t.Unit(h.ParentID), nil
	case workflow.LocationTown:
		if u := t.Town(c.LocationUnitID); u != nil {
			return u, nil
		}
		return nil, Errorf(ECONFLICT, "纠纷发生地不属于任何镇(街道)。")
	}
	return nil, nil
}

func nameOf(u *Unit) string {
	if u == nil {
		return "（未知单位）"
	}
	return u.Name
}

// checkFields validates the input against the fields a row requires.
func checkFields(fields []workflow.Field, reasons []string, in *Input) error {
	in.Reason = strings.TrimSpace(in.Reason)
	in.Note = strings.TrimSpace(in.Note)
	for _, f := range fields {
		switch f {
		case workflow.FieldReason:
			if in.Reason == "" {
				return Invalid("reason", "请填写原因。")
			}
			if reasons != nil && !slices.Contains(reasons, in.Reason) {
				return Invalid("reason", "原因须为以下之一：%s。", strings.Join(reasons, "、"))
			}
		case workflow.FieldRoutes:
			if len(in.Routes) == 0 {
				return Invalid("routes", "请记录已告知当事人的其他解决途径（%s）。", strings.Join(workflow.Routes, "、"))
			}
			for _, r := range in.Routes {
				if !slices.Contains(workflow.Routes, r) {
					return Invalid("routes", "未知的解决途径“%s”。", r)
				}
			}
		case workflow.FieldPartner:
			if !slices.Contains(workflow.Partners, in.Partner) {
				return Invalid("partner", "请选择移交单位（%s）。", strings.Join(workflow.Partners, "、"))
			}
		case workflow.FieldParty:
			if strings.TrimSpace(in.Party) == "" {
				return Invalid("party", "请填写撤回的当事人。")
			}
		case workflow.FieldResult:
			if strings.TrimSpace(in.Result) == "" {
				return Invalid("result", "请填写移交单位的办理结果。")
			}
		case workflow.FieldNote:
			if in.Note == "" {
				return Invalid("note", "请填写内容。")
			}
		case workflow.FieldConsent:
			if !in.Consent {
				return Invalid("consent", "须有双方当事人的同意。")
			}
		case workflow.FieldDays:
			if in.Days < 1 || in.Days > 90 {
				return Invalid("days", "延长天数须在1到90天之间。")
			}
		case workflow.FieldMediator:
			if in.Mediator == 0 {
				return Invalid("mediator", "请选择调解员。")
			}
		case workflow.FieldRisk:
			if !in.Risk.Valid() {
				return Invalid("risk", "请选择风险等级（绿、黄、红）。")
			}
		case workflow.FieldAgreement:
			if in.Agreement == nil {
				return Invalid("agreement", "请填写调解协议。")
			}
			if err := in.Agreement.Validate(); err != nil {
				return err
			}
		case workflow.FieldVisit:
			if in.Visit == nil {
				return Invalid("visit", "请填写回访记录。")
			}
			if err := in.Visit.Validate(); err != nil {
				return err
			}
		case workflow.FieldSession:
			if in.Session == nil || strings.TrimSpace(in.Session.Record) == "" {
				return Invalid("session.record", "请填写调解经过。")
			}
		case workflow.FieldNewParty:
			if in.NewParty == nil {
				return Invalid("party", "请填写当事人。")
			}
		}
	}
	return nil
}

// transition computes everything a transition writes. It does not touch c.
func (e *Engine) transition(p Policy, c *Case, a Actor, tr workflow.Transition, to workflow.State, target *Unit, at time.Time, in Input) *Change {
	n := *c
	n.State = to
	n.Version = c.Version + 1
	if target != nil {
		n.HandlingUnitID = target.ID
	}
	ev := &Event{Seq: n.Version, Name: string(tr.Event), From: c.State, To: to, ActorID: a.UserID,
		ActorName: a.Name, Role: a.Role, At: at, Reason: in.Reason, Automatic: in.Automatic, Data: map[string]any{}}
	ch := &Change{Case: &n, Version: c.Version, Event: ev}

	// A transition restarts the clocks, so a suspension ends with it; the
	// overall deadline moves by the time it was stopped.
	if n.SuspendedAt != nil {
		if n.OverallDueAt != nil {
			n.OverallDueAt = ptr(n.OverallDueAt.Add(at.Sub(*n.SuspendedAt)))
		}
		n.SuspendedAt = nil
	}
	n.TierStartedAt = &at
	n.DueAt = nil
	if days := p.StateDays(to); days > 0 {
		n.DueAt = e.due(p, at, days)
	}
	if tr.Event.Accepts() && n.AcceptedAt == nil {
		n.AcceptedAt = &at
		n.OverallDueAt = e.due(p, at, p.Overall)
	}
	if target != nil {
		ev.Data["unit"] = target.Code
	}
	if len(in.Routes) > 0 {
		ev.Data["routes"] = in.Routes
	}
	switch tr.Event {
	case workflow.Agree:
		ag := *in.Agreement
		ag.SignedAt = at
		ag.Tier = c.State.Level()
		ag.Copies = len(c.Parties) + 1
		ch.Agreement = &ag
		if n.AgreedAt == nil {
			n.AgreedAt = &at
			n.AgreedTier = ag.Tier
			n.AgreementAmount = ag.Amount
		}
		due := at
		if ag.DueAt != nil && ag.DueAt.After(at) {
			due = *ag.DueAt
		}
		n.DueAt = e.due(p, due, p.FollowUp)
		ev.Data["agreement_kind"] = ag.Kind
		ev.Data["amount"] = ag.Amount
	case workflow.Refer:
		ch.Referral = &Referral{Partner: in.Partner, Reason: in.Reason, At: at, DueAt: *n.DueAt}
		ev.Data["partner"] = in.Partner
	case workflow.Return:
		ch.Resolve = &Referral{ResolvedAt: &at, Result: "退回调解：" + in.Reason}
	case workflow.PartnerClose:
		ch.Resolve = &Referral{ResolvedAt: &at, Result: in.Result}
		ev.Data["result"] = in.Result
	case workflow.Fulfil:
		v := *in.Visit
		v.At = at
		v.Performed = true
		ch.FollowUp = &v
	case workflow.Withdraw:
		ev.Data["party"] = in.Party
	}
	if tr.Event == workflow.Refer && n.ReferredAt == nil {
		n.ReferredAt = &at
	}
	if to.Terminal() {
		n.ClosedAt = &at
		n.Outcome = to
		n.DueAt = nil
	}
	ev.UnitID = n.HandlingUnitID
	ev.DueAt, ev.OverallDueAt, ev.SuspendedAt = n.DueAt, n.OverallDueAt, n.SuspendedAt
	n.LastEventAt = latest(n.LastEventAt, at)
	return ch
}

// Record appends an activity to a case's timeline. Like a transition, it
// checks the version and bumps it, in one transaction.
func (e *Engine) Record(ctx context.Context, a Actor, id int64, act workflow.Activity, in Input) (*Case, error) {
	return e.change(ctx, a, id, in.Version, func(t *Tree, c *Case) (*Change, error) {
		return e.decideActivity(ctx, t, a, c, act, in)
	})
}

// decideActivity checks an activity on c and works out its change.
func (e *Engine) decideActivity(ctx context.Context, t *Tree, a Actor, c *Case, act workflow.Activity, in Input) (*Change, error) {
	rule, known, ok := workflow.LookupActivity(c.State, act)
	switch {
	case !known:
		return nil, Invalid("activity", "未知的操作“%s”。", act)
	case !ok:
		return nil, Errorf(ECONFLICT, "本案当前状态为“%s”，不能%s。", c.State.Label(), rule.Label)
	case !workflow.Permits(rule.Grants, position(t, a, c)):
		return nil, Errorf(EFORBIDDEN, "您无权对本案执行“%s”。", rule.Label)
	}
	if err := checkFields(rule.Requires, nil, &in); err != nil {
		return nil, err
	}
	at := e.at(a, in.At)
	if at.Before(c.OpenedAt) {
		return nil, Invalid("at", "事件时间不能早于登记时间。")
	}
	n := *c
	n.Version++
	ev := &Event{Seq: n.Version, Name: string(act), From: c.State, To: c.State, UnitID: c.HandlingUnitID,
		ActorID: a.UserID, ActorName: a.Name, Role: a.Role, At: at, Reason: in.Reason, Data: map[string]any{}}
	if in.Note != "" {
		ev.Data["note"] = in.Note
	}
	ch := &Change{Case: &n, Version: c.Version, Event: ev}
	switch act {
	case workflow.LogSession:
		s := *in.Session
		s.At = at
		ch.Session = &s
	case workflow.AddParty:
		p := *in.NewParty
		if err := p.Validate(len(c.Parties)); err != nil {
			return nil, err
		}
		ch.Party = &p
		ev.Data["party"] = p.Name
	case workflow.Assign:
		u, err := e.Store.FindUser(ctx, in.Mediator)
		if err != nil || u.Role != workflow.RoleMediator || u.UnitID != c.HandlingUnitID {
			return nil, Invalid("mediator", "只能指派承办单位的调解员。")
		}
		n.MediatorID = u.ID
		ev.Data["mediator"] = u.Actor().Name
	case workflow.FollowUp:
		v := *in.Visit
		v.At = at
		ch.FollowUp = &v
	case workflow.Suspend:
		if c.SuspendedAt != nil {
			return nil, Errorf(ECONFLICT, "本案已暂停计时。")
		}
		n.SuspendedAt = &at
	case workflow.Resume:
		if c.SuspendedAt == nil {
			return nil, Errorf(ECONFLICT, "本案没有暂停计时。")
		}
		paused := at.Sub(*c.SuspendedAt)
		if n.DueAt != nil {
			n.DueAt = ptr(n.DueAt.Add(paused))
		}
		if n.OverallDueAt != nil {
			n.OverallDueAt = ptr(n.OverallDueAt.Add(paused))
		}
		n.SuspendedAt = nil
		ev.Data["paused_seconds"] = int64(paused.Seconds())
	case workflow.Extend:
		if n.OverallDueAt == nil {
			return nil, Errorf(ECONFLICT, "本案尚未受理，没有调解总期限可延长。")
		}
		n.OverallDueAt = e.due(e.policy(t, c.LocationUnitID), *n.OverallDueAt, in.Days)
		ev.Data["days"] = in.Days
	case workflow.Supervise:
		n.SupervisedAt = &at
	case workflow.UpdateRisk:
		n.Risk = in.Risk
		ev.Data["risk"] = string(in.Risk)
	case workflow.FlagOverdue:
		latest := c.LatestPassed(at)
		if latest == nil {
			return nil, Errorf(ECONFLICT, "本案没有超期。")
		}
		n.FlaggedDueAt = latest
		ev.Data["due"] = latest.Format(time.RFC3339)
	}
	ev.DueAt, ev.OverallDueAt, ev.SuspendedAt = n.DueAt, n.OverallDueAt, n.SuspendedAt
	n.LastEventAt = latest(n.LastEventAt, at)
	return ch, nil
}

func ptr[T any](v T) *T { return &v }

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
