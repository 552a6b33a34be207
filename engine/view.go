package engine

import (
	"context"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Unmasks reports whether the actor sees a case's parties' ID numbers,
// phones and addresses in full: they work the case now (DESIGN §5). The
// administrator keeps units and accounts, not cases, and sees them masked
// wherever their account sits.
func (e *Engine) Unmasks(a Actor, c *Case) bool {
	return a.Role == workflow.RoleSystem || (a.Role != workflow.RoleAdmin && a.UnitID != 0 && a.UnitID == c.HandlingUnitID)
}

// callBackDays is how long the desk of a case's town sees its parties'
// phones in full after registering it, to call them back.
const callBackDays = 30

// callsBack reports whether the actor is the desk of the case's town within
// callBackDays of its registration: it sees the parties' phones in full,
// though not their ID numbers or addresses.
func (e *Engine) callsBack(a Actor, c *Case) bool {
	return a.Role == workflow.RoleIntake && a.UnitID != 0 && a.UnitID == c.TownID && e.Now().Before(c.OpenedAt.AddDate(0, 0, callBackDays))
}

// ShowParties returns the parties of cases as the actor may see them: ID
// numbers and phones masked and addresses left out, except on the cases the
// actor works, and the phones for the desk that may call the parties back.
// Every case shown unmasked is an audit row, written in one statement for
// all of them.
func (e *Engine) ShowParties(ctx context.Context, a Actor, cases []*Case, where string) ([][]Party, error) {
	return e.showParties(ctx, a, cases, where, func(c *Case) bool { return e.Unmasks(a, c) })
}

// showParties shows the parties of cases, unmasked where full says.
func (e *Engine) showParties(ctx context.Context, a Actor, cases []*Case, where string, full func(*Case) bool) ([][]Party, error) {
	out := make([][]Party, len(cases))
	var audit []*AuditEntry
	now := e.Now().UTC()
	for i, c := range cases {
		unmask := full(c)
		phones := !unmask && e.callsBack(a, c)
		shown := false
		for _, p := range c.Parties {
			v := *p
			switch {
			case unmask:
				shown = shown || p.IDNumber != "" || p.Phone != ""
			case phones:
				v.IDNumber, v.Address, v.BirthDate = p.MaskedIDNumber(), "", ""
				shown = shown || p.Phone != ""
			default:
				v.IDNumber, v.Phone, v.Address, v.BirthDate = p.MaskedIDNumber(), p.MaskedPhone(), "", ""
			}
			out[i] = append(out[i], v)
		}
		if shown && a.Role != workflow.RoleSystem {
			audit = append(audit, &AuditEntry{At: now, ActorID: a.UserID, ActorName: a.Name, UnitID: a.UnitID,
				Action: AuditUnmask, CaseID: c.ID, Detail: where})
		}
	}
	if len(audit) > 0 {
		if err := e.Store.AddAudit(ctx, audit...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lastPress returns the latest 督办 of a timeline since the case's tier clock
// started, nil if there is none.
func lastPress(c *Case, timeline []*Event) *Event {
	if !c.PressedNow() {
		return nil
	}
	for i := len(timeline) - 1; i >= 0; i-- {
		if timeline[i].Name == string(workflow.Supervise) {
			return timeline[i]
		}
	}
	return nil
}

// PressedNow reports whether a supervisor pressed (督办) the case since its
// tier clock started: the press still waits for an answer.
func (c *Case) PressedNow() bool {
	return c.SupervisedAt != nil && (c.TierStartedAt == nil || !c.SupervisedAt.Before(*c.TierStartedAt))
}

// Queue is a unit's work: the open cases it handles and its agreements
// waiting for their follow-up visit, with the cases pressed (督办) on top.
type Queue struct {
	Cases   []*Case
	Total   int
	Pressed []Pressed
	// ToArchive are the unit's closed cases whose file is not archived yet.
	ToArchive []*Case
}

// Pressed is a pressed case with its latest 督办.
type Pressed struct {
	Case  *Case
	Event *Event
}

// Queue returns one page of the work of the actor's unit that matches f (its
// unit, states and pressed cases are the queue's own), and every case of it
// pressed since its tier clock started, whose 督办 notes are read in one
// query.
func (e *Engine) Queue(ctx context.Context, a Actor, f CaseFilter) (*Queue, error) {
	if err := CheckText(&f); err != nil {
		return nil, err
	}
	f.Handling = []int64{a.UnitID}
	if len(f.States) == 0 {
		f.States = workflow.WorkStates()
	}
	q := &Queue{}
	var err error
	if q.Cases, q.Total, err = e.Cases(ctx, a, f); err != nil {
		return nil, err
	}
	if q.ToArchive, _, err = e.Cases(ctx, a, CaseFilter{Handling: []int64{a.UnitID}, Unarchived: true, Limit: 50}); err != nil {
		return nil, err
	}
	pressed, _, err := e.Cases(ctx, a, CaseFilter{Handling: []int64{a.UnitID}, States: workflow.OpenStates(), Pressed: true, Limit: 500})
	if err != nil || len(pressed) == 0 {
		return q, err
	}
	ids := make([]int64, len(pressed))
	for i, c := range pressed {
		ids[i] = c.ID
	}
	last, err := e.Store.LatestEvents(ctx, ids, string(workflow.Supervise))
	if err != nil {
		return nil, err
	}
	for _, c := range pressed {
		if ev := last[c.ID]; ev != nil {
			q.Pressed = append(q.Pressed, Pressed{c, ev})
		}
	}
	return q, nil
}

// DeskQueue is the desk's work: the disputes registered and awaiting its
// decision, and the referrals waiting on a partner's feedback, each soonest
// due first (so the overdue lead); and the disputes the clerk registered in
// the last 30 days, whose parties they may call back.
type DeskQueue struct {
	Awaiting   []*Case
	Referred   []*Case
	Registered []*Case
}

// deskQueueLimit bounds each list of the desk's queue; the case list finds
// the rest.
const deskQueueLimit = 50

// DeskQueue returns the desk's work in the actor's subtree.
func (e *Engine) DeskQueue(ctx context.Context, a Actor) (*DeskQueue, error) {
	q := &DeskQueue{}
	type part struct {
		into *[]*Case
		f    CaseFilter
	}
	parts := []part{
		{&q.Awaiting, CaseFilter{States: []workflow.State{workflow.Registered}}},
		{&q.Referred, CaseFilter{States: []workflow.State{workflow.Referred}}},
	}
	if a.UserID != 0 {
		since := e.Now().AddDate(0, 0, -callBackDays)
		parts = append(parts, part{&q.Registered, CaseFilter{CreatedBy: a.UserID, OpenedSince: &since}})
	}
	for _, part := range parts {
		part.f.Limit = deskQueueLimit
		cases, _, err := e.Cases(ctx, a, part.f)
		if err != nil {
			return nil, err
		}
		*part.into = cases
	}
	return q, nil
}

// Awaiting counts the disputes awaiting the desk's decision in the actor's
// subtree, for the navigation bar; it is 0 for anyone but the desk.
func (e *Engine) Awaiting(ctx context.Context, a Actor) (int, error) {
	if a.Role != workflow.RoleIntake {
		return 0, nil
	}
	_, n, err := e.Cases(ctx, a, CaseFilter{States: []workflow.State{workflow.Registered}, Limit: 1})
	return n, err
}

// Committee returns the people's mediation committee that seals an
// agreement (人民调解委员会): the committee of the level the case was agreed
// at, above its handling unit; a grid has none of its own, so its village's
// committee seals.
func (t *Tree) Committee(c *Case, ag *Agreement) *Unit {
	u := t.Ancestor(c.HandlingUnitID, ag.Tier)
	if u == nil {
		u = t.Unit(c.HandlingUnitID)
	}
	if u != nil && u.Level == workflow.LevelGrid {
		if v := t.Unit(u.ParentID); v != nil {
			return v
		}
	}
	return u
}

// SweepsLate reports whether the sweeps of month were due by now: grids file
// a month's sweep by the end of the 20th of the month after.
func (e *Engine) SweepsLate(month string) bool {
	start, _, err := e.MonthBounds(month)
	return err == nil && !e.Now().Before(start.AddDate(0, 1, SweepDeadlineDay))
}

// AuditEntry is one row of the audit trail: who did what, when, to which
// case.
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   int64
	ActorName string
	UnitID    int64 // the actor's unit
	Action    string
	CaseID    int64 // 0 when about no case
	Detail    string
	// CaseNumber is read with the row, for lists.
	CaseNumber string
}

// Audit actions.
const (
	// AuditUnmask: a case's parties were shown with full ID numbers and
	// phones.
	AuditUnmask = "unmask"
	// AuditLogin, AuditLoginFailed and AuditLogout: a login, a wrong
	// password (the name typed, the address in the detail), a logout.
	AuditLogin       = "login"
	AuditLoginFailed = "login_failed"
	AuditLogout      = "logout"
	// AuditSessionEnded: a user ended another of their sessions.
	AuditSessionEnded = "session_ended"
	// AuditAdmin: an administrator changed a unit or an account (what, in
	// the detail).
	AuditAdmin = "admin"
	// AuditPassword: a user chose a new password.
	AuditPassword = "password"
	// AuditExport: a report downloaded (unit, period and format in the
	// detail).
	AuditExport = "export"
	// AuditRefused: a request the actor had no right to (its method and
	// path in the detail).
	AuditRefused = "refused"
)

// AuditLabels names the audit actions in Chinese, in the order the page's
// filter offers them.
var AuditLabels = map[string]string{AuditUnmask: "查看完整身份信息", AuditLogin: "登录", AuditLoginFailed: "登录失败",
	AuditLogout: "退出登录", AuditSessionEnded: "结束另一处登录", AuditAdmin: "管理单位和账号", AuditPassword: "修改密码", AuditExport: "导出报表", AuditRefused: "越权请求被拒绝"}

// AuditActions lists the audit actions in the order the page offers them.
var AuditActions = []string{AuditUnmask, AuditExport, AuditRefused, AuditLogin, AuditLoginFailed, AuditLogout, AuditSessionEnded, AuditPassword, AuditAdmin}

// AuditFilter selects audit rows: of one case, of one action, in [From,
// To); zero values select all.
type AuditFilter struct {
	CaseID   int64
	Action   string
	From, To time.Time
	Limit    int
}

// Audited appends one row to the audit trail: what the actor did, about a
// case or none (0).
func (e *Engine) Audited(ctx context.Context, a Actor, action string, caseID int64, detail string) error {
	return e.Store.AddAudit(ctx, &AuditEntry{At: e.Now().UTC(), ActorID: a.UserID, ActorName: a.Name, UnitID: a.UnitID,
		Action: action, CaseID: caseID, Detail: detail})
}

// Audit returns the latest audit rows the actor may read, newest first:
// all of them for an admin, those of their subtree's staff for a
// supervisor; caseID, when not 0, keeps one case's.
func (e *Engine) Audit(ctx context.Context, a Actor, f AuditFilter) ([]*AuditEntry, error) {
	var units []int64
	switch a.Role {
	case workflow.RoleAdmin, workflow.RoleSystem:
	case workflow.RoleSupervisor:
		t, err := e.Tree(ctx)
		if err != nil {
			return nil, err
		}
		units = t.Subtree(a.UnitID)
	default:
		return nil, Errorf(EFORBIDDEN, "审计记录供系统管理员和督办人员查看。")
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 200
	}
	if err := CheckText(&f); err != nil {
		return nil, err
	}
	return e.Store.AuditEntries(ctx, units, f)
}

// Outcome says in one sentence, for the page after an action on case c (as
// the action left it), what the action changed: for an event, where the
// case is now and until when; for an activity, what was recorded.
func (e *Engine) Outcome(ctx context.Context, c *Case, action string) (string, error) {
	ev := workflow.Event(action)
	if !ev.Known() {
		return "已记录：" + workflow.Activity(action).Label() + "。", nil
	}
	if c.State.Kind() != workflow.KindTier {
		return "已" + ev.Label() + "：案件现为“" + c.State.Label() + "”。", nil
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return "", err
	}
	msg := "已" + ev.Label() + "：现由" + t.Unit(c.HandlingUnitID).Name + "调解"
	if c.DueAt != nil {
		msg += "，本阶段期限至" + c.DueAt.In(e.Location).Format("1月2日 15:04")
	}
	return msg + "。", nil
}
