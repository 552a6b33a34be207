package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Unmasks reports whether the actor sees a case's parties' ID numbers,
// phones and addresses in full: they work the case now (DESIGN §5). The
// administrator keeps units and accounts, not cases, and sees them masked
// wherever their account sits.
//
// A partner's liaison sees them in full only on a case referred to their
// body for a 民转刑 risk, which they act on at once.
func (e *Engine) Unmasks(a Actor, c *Case) bool {
	if a.Role == workflow.RolePartner {
		return atPartner(a, c) && c.HasFlag(FlagCivilToCriminal)
	}
	return a.Role == workflow.RoleSystem || (a.Role != workflow.RoleAdmin && a.UnitID != 0 && a.UnitID == c.HandlingUnitID)
}

// CallBackDays is how long the desk of a case's town, and the partner body
// that referred it in, see its parties' phones in full after registering
// it, to call them back.
const CallBackDays = 30

// callsBack reports whether the actor is the desk of the case's town, or
// the liaison of the body that referred it in and typed its parties,
// within CallBackDays of its registration: it sees the parties' phones in
// full, though not their ID numbers or addresses.
func (e *Engine) callsBack(a Actor, c *Case) bool {
	registered := (a.Role == workflow.RoleIntake && a.UnitID == c.TownID) || (a.Role == workflow.RolePartner && a.UnitID == c.SenderUnitID)
	return registered && a.UnitID != 0 && e.Now().Before(c.OpenedAt.AddDate(0, 0, CallBackDays))
}

// ShowParties returns the parties of cases as the actor may see them: ID
// numbers and phones masked and addresses left out, except on the cases the
// actor works, and the phones for the desk that may call the parties back.
// Every case shown unmasked is an audit row, written with others in a batch
// (see FlushAudit), so that reading a page writes nothing.
func (e *Engine) ShowParties(ctx context.Context, a Actor, cases []*Case, where string) ([][]Party, error) {
	return e.ShowPartiesIf(ctx, a, cases, where, func(c *Case) bool { return e.Unmasks(a, c) })
}

// ShowPartiesIf shows the parties of cases, unmasked where full says.
func (e *Engine) ShowPartiesIf(ctx context.Context, a Actor, cases []*Case, where string, full func(*Case) bool) ([][]Party, error) {
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
	if err := e.queueAudit(ctx, audit); err != nil {
		return nil, err
	}
	return out, nil
}

// AuditShown queues the audit row of a view that showed personal data
// outside any case (a key person's ID number and phone): batched with the
// unmasked views of parties, as they are.
func (e *Engine) AuditShown(ctx context.Context, a Actor, detail string) error {
	if a.Role == workflow.RoleSystem {
		return nil
	}
	return e.queueAudit(ctx, []*AuditEntry{{At: e.Now().UTC(), ActorID: a.UserID, ActorName: a.Name, UnitID: a.UnitID,
		Action: AuditUnmask, Detail: detail}})
}

// auditBatch is how many audit rows of unmasked views wait at most; the
// view that fills the batch writes it.
const auditBatch = 100

// queueAudit keeps audit rows of unmasked views for the next batch.
func (e *Engine) queueAudit(ctx context.Context, rows []*AuditEntry) error {
	if len(rows) == 0 {
		return nil
	}
	e.auditMu.Lock()
	e.unmasked = append(e.unmasked, rows...)
	full := len(e.unmasked) >= auditBatch
	e.auditMu.Unlock()
	if full {
		return e.FlushAudit(ctx)
	}
	return nil
}

// FlushAudit writes the audit rows of unmasked views kept for a batch, in
// one statement. Reading the audit trail flushes first, and the server
// flushes every second (see RunAuditWriter) and when it stops.
func (e *Engine) FlushAudit(ctx context.Context) error {
	e.auditMu.Lock()
	rows := e.unmasked
	e.unmasked = nil
	e.auditMu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	if err := e.Store.AddAudit(ctx, rows...); err != nil {
		// The rows wait for the next try rather than being lost.
		e.auditMu.Lock()
		e.unmasked = append(rows, e.unmasked...)
		e.auditMu.Unlock()
		return err
	}
	return nil
}

// RunAuditWriter flushes the audit rows of unmasked views every interval
// until ctx ends, and once more then.
func (e *Engine) RunAuditWriter(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := e.FlushAudit(context.WithoutCancel(ctx)); err != nil {
				slog.Error("audit trail", "err", err)
			}
			return
		case <-tick.C:
			if err := e.FlushAudit(ctx); err != nil && ctx.Err() == nil {
				slog.Error("audit trail", "err", err)
			}
		}
	}
}

// LastPress returns the latest 督办 of a timeline since the case's tier clock
// started, nil if there is none.
func LastPress(c *Case, timeline []*Event) *Event {
	if !c.PressedNow() {
		return nil
	}
	for i := len(timeline) - 1; i >= 0; i-- {
		if timeline[i].Name == workflow.Supervise.Step() {
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

// Work returns one page of the work of the actor's unit that matches f:
// its open cases and its agreements waiting for their follow-up visit (the
// unit and, unless f names some, the states are the work's own).
func (e *Engine) Work(ctx context.Context, a Actor, f CaseFilter) ([]*Case, int, error) {
	f.Handling = []int64{a.UnitID}
	if len(f.States) == 0 {
		f.States = workflow.WorkStates()
	}
	return e.Cases(ctx, a, f)
}

// FollowUpSoon is how early an agreement's follow-up visit enters the
// mediator's queue before its deadline.
const FollowUpSoon = 3 * 24 * time.Hour

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
	// AuditLookupFailed: a party's look-up with a wrong code or phone (the
	// code typed and the address in the detail).
	AuditLookupFailed = "lookup_failed"
	// AuditSessionEnded: a user ended another of their sessions.
	AuditSessionEnded = "session_ended"
	// AuditAdmin: an administrator changed a unit or an account (what, in
	// the detail).
	AuditAdmin = "admin"
	// AuditPassword: a user chose a new password.
	AuditPassword = "password"
	// AuditExport: a report or the audit trail downloaded (what, unit,
	// period and format in the detail).
	AuditExport = "export"
	// AuditRefused: a request the actor had no right to, or for what is
	// not there or not theirs to see (its method and path in the detail),
	// and an API call with a wrong token.
	AuditRefused = "refused"
	// AuditDownload: an attachment downloaded or a picture viewed (its
	// name in the detail).
	AuditDownload = "download"
)

// AuditLabels names the audit actions in Chinese, in the order the page's
// filter offers them.
var AuditLabels = map[string]string{AuditUnmask: "查看完整身份信息", AuditLogin: "登录", AuditLoginFailed: "登录失败", AuditLookupFailed: "进度查询失败",
	AuditLogout: "退出登录", AuditSessionEnded: "结束另一处登录", AuditAdmin: "管理单位和账号", AuditPassword: "修改密码", AuditExport: "导出报表", AuditRefused: "越权或无效请求被拒绝", AuditDownload: "下载或查看附件"}

// AuditActions lists the audit actions in the order the page offers them.
var AuditActions = []string{AuditUnmask, AuditDownload, AuditExport, AuditRefused, AuditLogin, AuditLoginFailed, AuditLookupFailed, AuditLogout, AuditSessionEnded, AuditPassword, AuditAdmin}

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

// Outcome says in one sentence, for the page after an action on case c (as
// the action left it), what the action changed: for an event, where the
// case is now and until when; for an activity, what was recorded.
func (e *Engine) Outcome(ctx context.Context, c *Case, action string) (string, error) {
	ev := workflow.Event(action)
	if !ev.Known() {
		return "已记录：" + workflow.Activity(action).Label() + "。", nil
	}
	if c.State.Kind() != workflow.KindTier {
		return ev.Done() + "：案件现为“" + c.State.Label() + "”。", nil
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return "", err
	}
	msg := ev.Done() + "：现由" + t.Unit(c.HandlingUnitID).Name + "调解"
	if c.DueAt != nil {
		msg += "，本阶段期限至" + c.DueAt.In(e.Location).Format("1月2日 15:04")
	}
	return msg + "。", nil
}
