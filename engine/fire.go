package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Input carries the data of one event or activity. Which fields matter is
// declared in the workflow table (Requires); the others are ignored.
type Input struct {
	// Version is the case version the user saw. A stale version is refused
	// with ECONFLICT so nobody overwrites a change they have not seen, and a
	// person must give it, so that a form sent twice changes the case once.
	// Only the scheduler and a replayed history, which decide on the case as
	// they find it, may leave it 0.
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
	Notice    *Notice
	// Confirmation is a step of judicial confirmation; its AgreementID is
	// set by the engine (the latest agreement).
	Confirmation *Confirmation
	// Files are uploaded to attach.
	Files []*Upload
	// Major is a 重大纠纷专报.
	Major *MajorReport
	// Rating is a party's rating of the service.
	Rating *Rating

	// partner is the partner body Partner names, found by decide.
	partner *Unit
}

// Fire fires a workflow event on a case. Guards run first, inside the
// machine's before-callback; then the new case, the event row and the records
// that come with it are written in one transaction that checks the version.
// A guard failure or a lost race changes nothing.
func (e *Engine) Fire(ctx context.Context, a Actor, id int64, ev workflow.Event, in Input) (*Case, error) {
	if err := CheckText(&in); err != nil {
		return nil, err
	}
	if err := e.checkDates(&in); err != nil {
		return nil, err
	}
	return e.ChangeCase(ctx, a, id, in.Version, func(t *Tree, c *Case) (*Change, error) {
		return e.Decide(ctx, t, a, c, ev, in)
	})
}

// ErrStaleTree says the cached unit tree lacks a unit the case names.
var ErrStaleTree = errors.New("engine: unit tree out of date")

// ChangeCase runs one change to a case inside the store's write transaction: it
// checks that the actor may see the case and saw its current version, then
// lets decide work out the change.
func (e *Engine) ChangeCase(ctx context.Context, a Actor, id int64, version int, decide func(*Tree, *Case) (*Change, error)) (*Case, error) {
	if version <= 0 && !a.backdates() {
		return nil, Malformed("version", "请求缺少案件版本（version）：请刷新页面，看过案件的最新情况后再操作。")
	}
	var name workflow.Step
	for attempt := 0; ; attempt++ {
		t, err := e.Tree(ctx)
		if err != nil {
			return nil, err
		}
		out, err := e.Store.Transition(ctx, id, func(c *Case) (*Change, error) {
			if t.Unit(c.LocationUnitID) == nil || t.Unit(c.HandlingUnitID) == nil || (a.UnitID != 0 && t.Unit(a.UnitID) == nil) {
				// Another server added units since this one loaded them.
				return nil, ErrStaleTree
			}
			if !CanSee(t, a, c) {
				return nil, NoCase()
			}
			ch, err := decide(t, c)
			if version != 0 && version != c.Version {
				var step workflow.Step
				if ch != nil {
					step = ch.Event.Name
				}
				if err := e.unseen(ctx, a, c, version, step); err != nil {
					return nil, err
				}
			}
			if err == nil {
				e.Notices(t, a, c, ch)
				name = ch.Event.Name
			}
			return ch, err
		})
		if errors.Is(err, ErrStaleTree) && attempt == 0 {
			e.ForgetTree()
			continue
		}
		if err == nil && e.Observer != nil {
			e.Observer.Changed(name)
		}
		return out, err
	}
}

// unseen refuses a step decided on an older version of c than the current
// one when a step since then changed what its actor read: the state, the
// handling unit, the mediator, a deadline, the parties. Steps that only add
// to the record (workflow.Step.Additive) let it through, and Decide has
// checked the step against the case as it is now, unless the same person
// took the same step meanwhile: that is one form sent twice, recorded once.
// The refusal says what changed, in the order it happened, for the form
// that comes back filled in.
func (e *Engine) unseen(ctx context.Context, a Actor, c *Case, version int, step workflow.Step) error {
	if version > c.Version {
		return Malformed("version", "请求中的案件版本（version）不存在：请刷新页面后再操作。")
	}
	evs, err := e.Store.Timeline(ctx, c.ID, 0, c.Version-version)
	if err != nil {
		return err
	}
	var changes []string
	moved := false
	for _, ev := range evs {
		if ev.Seq <= version {
			continue
		}
		if step != "" && ev.Name == step && ev.ActorID == a.UserID && a.UserID != 0 {
			return Errorf(ECONFLICT, "您已在%s%s，这次重复提交未保存。", ev.At.In(e.Location).Format("1月2日15:04"), step.Label())
		}
		moved = moved || !ev.Name.Additive()
		who := ev.ActorName
		if who == "" {
			who = "系统"
		}
		changes = append(changes, fmt.Sprintf("%s %s%s", ev.At.In(e.Location).Format("1月2日15:04"), who, ev.Label()))
	}
	if !moved {
		return nil
	}
	return &Error{Code: ECONFLICT, Field: "version",
		Message: fmt.Sprintf("您打开本页之后，本案有了变化：%s。请看过这些变化后再提交。", strings.Join(changes, "；"))}
}

// Decide runs the workflow for one event on c, in memory: the machine, its
// guards and the change the event makes. Live events and imported histories
// both go through it; it writes nothing.
func (e *Engine) Decide(ctx context.Context, t *Tree, a Actor, c *Case, ev workflow.Event, in Input) (*Change, error) {
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
		if err := checkFields(tr.Requires, choices{tr.Reasons, tr.RoutesOf()}, &in); err != nil {
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
			if c.Grave() && tr.To.Level() != workflow.LevelTown && !a.backdates() {
				return Invalid("event", "红色风险或有民转刑、群体性事件、自杀、死亡倾向的纠纷须由镇（街道）受理。")
			}
			for _, p := range c.Parties {
				if p.Consent == "no" {
					return Invalid("consent", "当事人%s不同意调解，不能受理；请以“当事人拒绝调解”不予受理。", p.Name)
				}
			}
		}
		if tr.Event == workflow.Refer {
			if err := referable(in.Reason); err != nil {
				return err
			}
		}
		if tr.Needs(workflow.FieldPartner) {
			p, err := t.Partner(c, strings.TrimSpace(in.Partner))
			if err != nil {
				return err
			}
			in.partner = p
		}
		var err error
		if target, err = resolveTarget(t, tr, c, in.Unit); err == nil && target != nil && target.ClosedAt != nil {
			err = Invalid("unit", "“%s”已撤销，不能再承办案件。", target.Name)
		}
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
	ch := e.transition(e.PolicyOf(t, c.LocationUnitID), c, a, row, to, target, at, in)
	committee := t.ActingCommittee(a, c.HandlingUnitID)
	// The desk routes a dispute, but accepting it (受理) is the act of the
	// committee that takes it, which issues the notice of acceptance.
	if row.Event.Accepts() && target != nil && t.Committee(a.Committee) == nil {
		committee = t.CommitteeOf(target.ID)
	}
	if committee != nil {
		ch.Event.CommitteeID = committee.ID
	}
	if row.Event.EndsMediation() {
		ch.Case.CommitteeID = ch.Event.CommitteeID
	}
	if ch.Agreement != nil {
		year := at.In(e.Location).Year()
		ch.AgreementNo = &Numbering{CommitteeID: committee.ID, Year: year, Number: archiveNumber(t, committee, year)}
	}
	if row.Event.Accepts() && target != nil && target.ID != c.LocationUnitID && t.Contains(c.LocationUnitID, target.ID) {
		// A dispute a partner referred in without its grid is located
		// where the desk routes it.
		ch.Case.LocationUnitID = target.ID
	}
	return ch, nil
}

// referable refuses the referrals that are not hand-overs: judicial
// confirmation is the parties' joint application to the court (人民调解法
// Art. 33), recorded on the case, and telling the parties to sue is a
// route told when mediation ends, not a referral.
func referable(reason string) error {
	switch {
	case strings.Contains(reason, "司法确认"):
		return Invalid("reason", "司法确认由双方当事人共同向人民法院申请，不是移交：请在案件中记录“司法确认”。")
	case strings.Contains(reason, "起诉"), strings.Contains(reason, "诉讼"):
		return Invalid("reason", "告知当事人向人民法院起诉是告知其他解决途径，不是移交：请以“调解不成”或“撤回”结束调解，并告知诉讼途径。")
	}
	return nil
}

// resolveTarget works out the unit that handles the case after tr.
func resolveTarget(t *Tree, tr workflow.Transition, c *Case, code string) (*Unit, error) {
	level := tr.To.Level()
	switch tr.Target {
	case workflow.ChosenUnit:
		want := t.Ancestor(c.LocationUnitID, level)
		if code == "" {
			if want == nil {
				return nil, Invalid("unit", "请选择承办的%s。", level.Label())
			}
			return want, nil
		}
		u, err := t.Find("unit", code)
		switch {
		case err != nil:
			return nil, err
		case u.Level != level:
			return nil, Invalid("unit", "“%s”是%s，不是%s。", u.Name, u.Level.Label(), level.Label())
		case want == nil && !t.Contains(c.LocationUnitID, u.ID):
			// A dispute located at its town (a partner did not know the
			// grid) goes to a unit of that town.
			return nil, Invalid("unit", "“%s”不属于%s。", u.Name, NameOf(t.Unit(c.LocationUnitID)))
		case want != nil && !t.Contains(u.ID, c.LocationUnitID):
			return nil, Invalid("unit", "“%s”不管辖纠纷发生地，应由%s受理。", u.Name, NameOf(want))
		}
		return u, nil
	case workflow.ChildUnit:
		u := t.ByCode(code)
		switch {
		case u == nil:
			return nil, Invalid("unit", "请选择交办的下级单位。")
		case u.ParentID != c.HandlingUnitID || u.Level != level:
			return nil, Invalid("unit", "“%s”不是%s的下级单位。", u.Name, NameOf(t.Unit(c.HandlingUnitID)))
		}
		return u, nil
	case workflow.ParentUnit:
		h := t.Unit(c.HandlingUnitID)
		if h == nil || t.Unit(h.ParentID) == nil || t.Unit(h.ParentID).Level != level {
			return nil, Errorf(ECONFLICT, "%s没有可上报的%s。", NameOf(h), level.Label())
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

// NameOf returns a unit's name, or says it is unknown.
func NameOf(u *Unit) string {
	if u == nil {
		return "（未知单位）"
	}
	return u.Name
}

// choices are the closed lists a row's reason and routes come from; nil
// reasons mean any.
type choices struct {
	reasons, routes []string
}

// checkFields validates the input against the fields a row requires.
func checkFields(fields []workflow.Field, ch choices, in *Input) error {
	in.Reason = strings.TrimSpace(in.Reason)
	in.Note = strings.TrimSpace(in.Note)
	for _, f := range fields {
		if check := fieldChecks[f]; check != nil {
			if err := check(in, ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldChecks holds the check of each field the workflow table may require.
var fieldChecks = map[workflow.Field]func(in *Input, ch choices) error{
	workflow.FieldReason: func(in *Input, ch choices) error {
		if in.Reason == "" {
			return Invalid("reason", "请填写原因。")
		}
		if ch.reasons != nil && !slices.Contains(ch.reasons, in.Reason) {
			return Invalid("reason", "原因须为以下之一：%s。", strings.Join(ch.reasons, "、"))
		}
		return nil
	},
	workflow.FieldRoutes: func(in *Input, ch choices) error {
		if len(in.Routes) == 0 {
			return Invalid("routes", "请记录已告知当事人的其他解决途径（%s）。", strings.Join(ch.routes, "、"))
		}
		for _, r := range in.Routes {
			if !slices.Contains(ch.routes, r) {
				return Invalid("routes", "未知的解决途径“%s”，应为%s。", r, strings.Join(ch.routes, "、"))
			}
		}
		return nil
	},
	workflow.FieldParty: func(in *Input, _ choices) error {
		return require(strings.TrimSpace(in.Party) != "", "party", "请填写撤回的当事人。")
	},
	workflow.FieldResult: func(in *Input, _ choices) error {
		return require(strings.TrimSpace(in.Result) != "", "result", "请填写移交单位的办理结果。")
	},
	workflow.FieldNote: func(in *Input, _ choices) error { return require(in.Note != "", "note", "请填写内容。") },
	workflow.FieldConsent: func(in *Input, _ choices) error {
		return require(in.Consent, "consent", "须有双方当事人的同意。")
	},
	workflow.FieldDays: func(in *Input, _ choices) error {
		return require(in.Days >= 1 && in.Days <= 90, "days", "延长天数须在1到90天之间。")
	},
	workflow.FieldMediator: func(in *Input, _ choices) error {
		return require(in.Mediator != 0, "mediator", "请选择调解员。")
	},
	workflow.FieldRisk: func(in *Input, _ choices) error {
		return require(in.Risk.Valid(), "risk", "请选择风险等级（绿、黄、红）。")
	},
	workflow.FieldAgreement: func(in *Input, _ choices) error {
		if in.Agreement == nil {
			return Invalid("agreement", "请填写调解协议。")
		}
		return in.Agreement.Validate()
	},
	workflow.FieldRating: func(in *Input, _ choices) error { return checkRating(in) },
	workflow.FieldMajor: func(in *Input, _ choices) error {
		var v FieldErrors
		if in.Major == nil || strings.TrimSpace(in.Major.Measures) == "" {
			v.Add("major.measures", "请写明已采取的措施。")
		}
		if in.Major == nil || strings.TrimSpace(in.Major.Next) == "" {
			v.Add("major.next", "请写明下一步工作。")
		}
		return v.Err()
	},
	workflow.FieldVisit: func(in *Input, _ choices) error {
		if in.Visit == nil {
			return Invalid("visit", "请填写回访记录。")
		}
		return in.Visit.Validate()
	},
	workflow.FieldSession: func(in *Input, _ choices) error {
		return require(in.Session != nil && strings.TrimSpace(in.Session.Record) != "", "session.record", "请填写调解经过。")
	},
	workflow.FieldFile: func(in *Input, _ choices) error {
		return require(len(in.Files) > 0, string(workflow.FieldFile), "请选择要上传的文件。")
	},
	workflow.FieldNewParty: func(in *Input, _ choices) error {
		return require(in.NewParty != nil, string(workflow.FieldNewParty), "请填写当事人。")
	},
	workflow.FieldNotice: func(in *Input, _ choices) error {
		if in.Notice == nil || strings.TrimSpace(in.Notice.To) == "" {
			return Invalid("notice.to", "请填写被告知的当事人。")
		}
		in.Notice.To = strings.TrimSpace(in.Notice.To)
		return nil
	},
	workflow.FieldConfirm: func(in *Input, _ choices) error {
		return require(in.Confirmation != nil, "confirmation.kind", "请选择司法确认的情况。")
	},
}

// require returns nil when ok, else an EINVALID error about field.
func require(ok bool, field, format string, args ...any) error {
	if ok {
		return nil
	}
	return Invalid(field, format, args...)
}

// transition computes everything a transition writes. It does not touch c.
func (e *Engine) transition(p Policy, c *Case, a Actor, tr workflow.Transition, to workflow.State, target *Unit, at time.Time, in Input) *Change {
	n := *c
	n.State = to
	n.Version = c.Version + 1
	if target != nil {
		n.HandlingUnitID = target.ID
	}
	ev := &Event{Seq: n.Version, Name: tr.Event.Step(), From: c.State, To: to, ActorID: a.UserID,
		ActorName: a.Name, Role: a.Role, At: at, Reason: in.Reason, Automatic: in.Automatic}
	ch := &Change{Case: &n, Version: c.Version, Event: ev}
	e.restartClocks(p, &n, at)
	// Mediation begins when a case first enters a tier: accepted from the
	// desk, or taken by the town when a partner sends back a case referred
	// out before acceptance.
	if to.Kind() == workflow.KindTier && n.AcceptedAt == nil {
		n.AcceptedAt = &at
		n.OverallDueAt = e.due(p, at, p.Overall)
	}
	if target != nil {
		ev.Data.Unit = target.Code
	}
	if len(in.Routes) > 0 {
		ev.Data.Routes = in.Routes
	}
	if in.Note != "" && tr.Takes(workflow.FieldNote) {
		ev.Data.Note = in.Note
	}
	if effect := transitionEffects[tr.Event]; effect != nil {
		effect(e, p, c, ch, in)
	}
	if to.Terminal() {
		n.ClosedAt = &at
		n.Outcome = to
		n.DueAt = nil
	}
	ev.UnitID = n.HandlingUnitID
	ev.DueAt, ev.OverallDueAt, ev.SuspendedAt = n.DueAt, n.OverallDueAt, n.SuspendedAt
	n.LastEventAt = latest(n.LastEventAt, at)
	n.markMoved(c, at)
	return ch
}

// markMoved sets MovedAt when the change from c moved the state or a
// deadline. An event told with an earlier time than the last move's leaves
// the later one.
func (n *Case) markMoved(c *Case, at time.Time) {
	if n.State == c.State && sameTime(n.DueAt, c.DueAt) && sameTime(n.OverallDueAt, c.OverallDueAt) && sameTime(n.SuspendedAt, c.SuspendedAt) {
		return
	}
	if n.MovedAt == nil || at.After(*n.MovedAt) {
		n.MovedAt = &at
	}
}

// sameTime reports whether two optional times are both unset or equal.
func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// restartClocks starts the new state's clock at a transition. A suspension
// ends with it; the overall deadline moves by the time it was stopped.
func (e *Engine) restartClocks(p Policy, n *Case, at time.Time) {
	if n.SuspendedAt != nil {
		if n.OverallDueAt != nil {
			n.OverallDueAt = ptr(n.OverallDueAt.Add(at.Sub(*n.SuspendedAt)))
		}
		n.SuspendedAt = nil
	}
	n.TierStartedAt = &at
	n.DueAt = nil
	if days := p.StateDays(n.State); days > 0 {
		n.DueAt = e.due(p, at, days)
	}
}

// transitionEffects holds what each event writes besides the new state and
// its clock: its records and the case columns it sets. c is the case
// before the event, ch.Case after it.
var transitionEffects = map[workflow.Event]func(e *Engine, p Policy, c *Case, ch *Change, in Input){
	workflow.Agree: func(e *Engine, p Policy, c *Case, ch *Change, in Input) {
		n, at := ch.Case, ch.Event.At
		ag := *in.Agreement
		ag.SignedAt, ag.Tier = at, c.State.Level()
		if ag.Written() {
			ag.Copies = len(c.Parties) + 1
		}
		ch.Agreement = &ag
		n.AgreementKind, n.AgreementSubject = ag.Kind, ag.Subject
		if n.AgreedAt == nil {
			n.AgreedAt, n.AgreedTier, n.AgreedKind, n.AgreementAmount = &at, ag.Tier, ag.Kind, ag.Amount
		}
		due := at
		if ag.DueAt != nil && ag.DueAt.After(at) {
			due = *ag.DueAt
		}
		n.DueAt = e.due(p, due, p.StateDays(workflow.Agreed))
		ch.Event.Data.AgreementKind = ag.Kind
		ch.Event.Data.Amount = ag.Amount
	},
	workflow.Refer: func(_ *Engine, _ Policy, _ *Case, ch *Change, in Input) {
		n, at, p := ch.Case, ch.Event.At, in.partner
		ch.Referral = &Referral{Partner: p.Name, PartnerUnitID: p.ID, Reason: in.Reason, At: at, DueAt: *n.DueAt}
		ch.Event.Data.Partner = p.Name
		ch.Event.Data.PartnerUnit = p.Code
		n.PartnerUnitID, n.SignedAt = p.ID, nil
		if n.ReferredAt == nil {
			n.ReferredAt = &at
		}
	},
	workflow.Return: func(_ *Engine, _ Policy, _ *Case, ch *Change, in Input) {
		ch.Resolve = &Referral{ResolvedAt: ptr(ch.Event.At), Result: "退回调解：" + in.Reason, Returned: true}
		ch.Case.PartnerUnitID, ch.Case.SignedAt = 0, nil
	},
	workflow.PartnerClose: func(_ *Engine, _ Policy, _ *Case, ch *Change, in Input) {
		ch.Resolve = &Referral{ResolvedAt: ptr(ch.Event.At), Result: in.Result}
		ch.Event.Data.Result = in.Result
		ch.Case.PartnerUnitID, ch.Case.SignedAt = 0, nil
	},
	workflow.Fulfil: func(_ *Engine, _ Policy, _ *Case, ch *Change, in Input) {
		v := *in.Visit
		v.At, v.Performed = ch.Event.At, true
		ch.FollowUp = &v
	},
	workflow.Withdraw: func(_ *Engine, _ Policy, _ *Case, ch *Change, in Input) { ch.Event.Data.Party = in.Party },
	workflow.CloseUnperformed: func(_ *Engine, _ Policy, _ *Case, ch *Change, in Input) {
		v := *in.Visit
		v.At, v.Performed = ch.Event.At, false
		ch.FollowUp = &v
	},
}

// Record appends an activity to a case's timeline. Like a transition, it
// checks the version and bumps it, in one transaction.
func (e *Engine) Record(ctx context.Context, a Actor, id int64, act workflow.Activity, in Input) (*Case, error) {
	if err := CheckText(&in); err != nil {
		return nil, err
	}
	if err := e.checkDates(&in); err != nil {
		return nil, err
	}
	return e.ChangeCase(ctx, a, id, in.Version, func(t *Tree, c *Case) (*Change, error) {
		return e.DecideActivity(ctx, t, a, c, act, in)
	})
}

// DecideActivity checks an activity on c and works out its change.
func (e *Engine) DecideActivity(ctx context.Context, t *Tree, a Actor, c *Case, act workflow.Activity, in Input) (*Change, error) {
	rule, known, ok := workflow.LookupActivity(c.State, act)
	switch {
	case !known:
		return nil, Invalid("activity", "未知的操作“%s”。", act)
	case !ok:
		return nil, Errorf(ECONFLICT, "本案当前状态为“%s”，不能%s。", c.State.Label(), rule.Label)
	case !workflow.Permits(rule.Grants, position(t, a, c)):
		return nil, Errorf(EFORBIDDEN, "您无权对本案执行“%s”。", rule.Label)
	case Unfit(c, act) != "":
		return nil, Errorf(ECONFLICT, "本案现在不能%s：%s。", rule.Label, Unfit(c, act))
	}
	if err := checkFields(rule.Requires, choices{routes: workflow.Routes}, &in); err != nil {
		return nil, err
	}
	at := e.at(a, in.At)
	if at.Before(c.OpenedAt) {
		return nil, Invalid("at", "事件时间不能早于登记时间。")
	}
	n := *c
	n.Version++
	ev := &Event{Seq: n.Version, Name: act.Step(), From: c.State, To: c.State, UnitID: c.HandlingUnitID,
		ActorID: a.UserID, ActorName: a.Name, Role: a.Role, At: at, Reason: in.Reason}
	if committee := t.ActingCommittee(a, c.HandlingUnitID); committee != nil {
		ev.CommitteeID = committee.ID
	}
	if in.Note != "" {
		ev.Data.Note = in.Note
	}
	ch := &Change{Case: &n, Version: c.Version, Event: ev}
	if effect := activityEffects[act]; effect != nil {
		if err := effect(ctx, e, t, c, ch, in); err != nil {
			return nil, err
		}
	}
	ev.DueAt, ev.OverallDueAt, ev.SuspendedAt = n.DueAt, n.OverallDueAt, n.SuspendedAt
	n.LastEventAt = latest(n.LastEventAt, at)
	n.markMoved(c, at)
	return ch, nil
}

// activityEffects holds what each activity writes besides its event: its
// records and the case columns it changes. c is the case before the
// activity, ch.Case after it; an error refuses the activity.
var activityEffects = map[workflow.Activity]func(ctx context.Context, e *Engine, t *Tree, c *Case, ch *Change, in Input) error{
	// A party's message may come with files: one record of what they sent.
	workflow.PartyMessage: func(ctx context.Context, e *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		if len(in.Files) == 0 {
			return nil
		}
		return e.attach(ctx, c, ch, in.Files)
	},
	workflow.PartyRating: func(ctx context.Context, e *Engine, t *Tree, c *Case, ch *Change, in Input) error {
		timeline, err := e.records(ctx).Events(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, ev := range timeline {
			if ev.Name == workflow.PartyRating.Step() && ev.Role == workflow.RoleParty && ev.ActorName == ch.Event.ActorName {
				return Errorf(ECONFLICT, "您已于%s评价过本案，谢谢。", ev.At.In(e.Location).Format("1月2日"))
			}
		}
		r := *in.Rating
		r.MediatorID, r.Mediator = rated(c, timeline)
		ch.Event.Data.Rating = &r
		// The rating is of the committee whose file the case is.
		if committee := t.FileCommittee(c); committee != nil {
			ch.Event.CommitteeID = committee.ID
		}
		return nil
	},
	workflow.MajorReport: func(_ context.Context, _ *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		r := MajorReport{Measures: strings.TrimSpace(in.Major.Measures), Next: strings.TrimSpace(in.Major.Next),
			Risk: c.Risk, Flags: c.Flags, State: c.State}
		ch.Event.Data.Major = &r
		return nil
	},
	workflow.LogSession: func(_ context.Context, e *Engine, _ *Tree, _ *Case, ch *Change, in Input) error {
		s := *in.Session
		s.At = ch.Event.At
		if s.NextAt != nil && (!s.NextAt.After(s.At) || s.NextAt.After(s.At.AddDate(0, 3, 0))) {
			return Invalid("session.next", "下次调解时间应在今后三个月内。")
		}
		if s.NextAt != nil && strings.TrimSpace(s.NextPlace) == "" {
			s.NextPlace = s.Place
		}
		ch.Session = &s
		return nil
	},
	workflow.AddParty: func(_ context.Context, _ *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		p := *in.NewParty
		if len(c.Parties) >= MaxParties {
			return Invalid("party", "一件纠纷最多登记%d位当事人。", MaxParties)
		}
		if err := p.Validate(len(c.Parties)); err != nil {
			return err
		}
		ch.Party = &p
		ch.Event.Data.Party = p.Name
		return nil
	},
	workflow.Assign: func(ctx context.Context, e *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		u, err := e.Store.FindUser(ctx, in.Mediator)
		if err != nil || u.Role != workflow.RoleMediator || u.UnitID != c.HandlingUnitID {
			return Invalid("mediator", "只能指派承办单位的调解员。")
		}
		ch.Case.MediatorID = u.ID
		ch.Event.Data.Mediator = u.Actor().Name
		return nil
	},
	workflow.FollowUp: func(_ context.Context, _ *Engine, _ *Tree, _ *Case, ch *Change, in Input) error {
		v := *in.Visit
		v.At = ch.Event.At
		ch.FollowUp = &v
		return nil
	},
	workflow.Suspend: func(_ context.Context, _ *Engine, _ *Tree, c *Case, ch *Change, _ Input) error {
		if c.SuspendedAt != nil {
			return Errorf(ECONFLICT, "本案已暂停计时。")
		}
		ch.Case.SuspendedAt = ptr(ch.Event.At)
		return nil
	},
	workflow.Resume: func(_ context.Context, _ *Engine, _ *Tree, c *Case, ch *Change, _ Input) error {
		if c.SuspendedAt == nil {
			return Errorf(ECONFLICT, "本案没有暂停计时。")
		}
		n := ch.Case
		paused := ch.Event.At.Sub(*c.SuspendedAt)
		if n.DueAt != nil {
			n.DueAt = ptr(n.DueAt.Add(paused))
		}
		if n.OverallDueAt != nil {
			n.OverallDueAt = ptr(n.OverallDueAt.Add(paused))
		}
		n.SuspendedAt = nil
		ch.Event.Data.PausedSeconds = int64(paused.Seconds())
		return nil
	},
	workflow.Extend: func(_ context.Context, e *Engine, t *Tree, c *Case, ch *Change, in Input) error {
		if c.OverallDueAt == nil {
			return Errorf(ECONFLICT, "本案尚未受理，没有调解总期限可延长。")
		}
		// The parties agreed to go on mediating where the case is: the
		// level's own deadline moves with the overall one, or the case
		// would stay overdue, and be escalated, for the days agreed.
		p := e.PolicyOf(t, c.LocationUnitID)
		ch.Case.OverallDueAt = e.due(p, *c.OverallDueAt, in.Days)
		if c.DueAt != nil {
			ch.Case.DueAt = e.due(p, *c.DueAt, in.Days)
		}
		ch.Event.Data.Days = in.Days
		return nil
	},
	workflow.Supervise: func(_ context.Context, _ *Engine, _ *Tree, _ *Case, ch *Change, _ Input) error {
		ch.Case.SupervisedAt = ptr(ch.Event.At)
		return nil
	},
	workflow.UpdateRisk: func(_ context.Context, _ *Engine, _ *Tree, _ *Case, ch *Change, in Input) error {
		ch.Case.Risk = in.Risk
		ch.Event.Data.Risk = string(in.Risk)
		return nil
	},
	workflow.RightsNotice: func(_ context.Context, e *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		given := in.Notice.Given
		// A notice recorded after the case closed completes its file: it
		// says when the parties were told, which was while it was mediated.
		switch {
		case c.ClosedAt != nil && given.IsZero():
			return Invalid("notice.given", "本案已结案，补录告知记录请填写告知日期。")
		case c.ClosedAt != nil && e.dayOf(given).After(*c.ClosedAt):
			return Invalid("notice.given", "告知日期不能晚于结案日期（%s）。", c.ClosedAt.In(e.Location).Format("2006年1月2日"))
		case given.IsZero():
			given = ch.Event.At
		}
		ch.Event.Data.NoticeTo = in.Notice.To
		ch.Event.Data.NoticeGiven = ptr(e.dayOf(given))
		return nil
	},
	workflow.Confirm: func(ctx context.Context, e *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		ags, err := e.records(ctx).Agreements(ctx, c.ID)
		if err != nil || len(ags) == 0 {
			return errors.Join(err, Errorf(ECONFLICT, "本案没有调解协议。"))
		}
		earlier, err := e.records(ctx).Confirmations(ctx, c.ID)
		if err != nil {
			return err
		}
		x := *in.Confirmation
		if x.Day == "" {
			x.Day = ch.Event.At.In(e.Location).Format(time.DateOnly)
		}
		if err := e.checkConfirmation(c, ags[len(ags)-1], earlier, &x); err != nil {
			return err
		}
		x.RecordedAt = ch.Event.At
		ch.Confirmation = &x
		ch.Event.Data.Confirmation = x.Kind
		return nil
	},
	workflow.ReportPolice: func(_ context.Context, _ *Engine, t *Tree, c *Case, ch *Change, in Input) error {
		p, err := t.Partner(c, strings.TrimSpace(in.Partner))
		if err != nil {
			return err
		}
		ch.Event.Data.Partner, ch.Event.Data.PartnerUnit = p.Name, p.Code
		return nil
	},
	workflow.Archive: func(ctx context.Context, e *Engine, t *Tree, c *Case, ch *Change, _ Input) error {
		sessions, err := e.records(ctx).Sessions(ctx, c.ID)
		if err != nil {
			return err
		}
		timeline, err := e.records(ctx).Events(ctx, c.ID)
		if err != nil {
			return err
		}
		if m := Missing(c, timeline, sessions); len(m) > 0 {
			return Invalid("archive", "卷宗不完整，不能归档。缺少：%s。", strings.Join(m, "、"))
		}
		committee := t.FileCommittee(c)
		year := ch.Event.At.In(e.Location).Year()
		ch.Archive = &Numbering{CommitteeID: committee.ID, Year: year, Number: archiveNumber(t, committee, year)}
		ch.Case.ArchivedAt = ptr(ch.Event.At)
		ch.Subsidy = e.subsidy(c, timeline, committee, ch.Event.At)
		return nil
	},
	workflow.Attach: func(ctx context.Context, e *Engine, _ *Tree, c *Case, ch *Change, in Input) error {
		return e.attach(ctx, c, ch, in.Files)
	},
	workflow.Sign: func(_ context.Context, _ *Engine, _ *Tree, _ *Case, ch *Change, _ Input) error {
		ch.Case.SignedAt, ch.Signed = ptr(ch.Event.At), ptr(ch.Event.At)
		return nil
	},
	workflow.FlagOverdue: func(_ context.Context, _ *Engine, _ *Tree, c *Case, ch *Change, _ Input) error {
		passed := c.LatestPassed(ch.Event.At)
		if passed == nil {
			return Errorf(ECONFLICT, "本案没有超期。")
		}
		ch.Case.FlaggedDueAt = passed
		ch.Event.Data.Due = passed
		return nil
	},
}

func ptr[T any](v T) *T { return &v }

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
