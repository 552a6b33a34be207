package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Notice is the record that the parties were told their rights and duties
// (人民调解权利义务告知书, 人民调解法 Art. 23-24): to whom and on which day.
type Notice struct {
	To    string    // the parties told, as 张三、李四
	Given time.Time // the day, at local midnight
}

// Confirmation is one step of judicial confirmation (司法确认) of a written
// agreement: the parties' joint application, the court's decision, or the
// record that they made none.
type Confirmation struct {
	ID          int64
	CaseID      int64
	EventID     int64
	AgreementID int64
	Kind        string // one of the Confirm* kinds
	Court       string // the court applied to
	Number      string // the court's 调确字 number of its decision
	Day         string // 2006-01-02: the day applied or decided; the day recorded by default
	RecordedAt  time.Time
}

// The kinds of a Confirmation.
const (
	ConfirmApplied   = "applied"   // both parties applied to the court
	ConfirmConfirmed = "confirmed" // the court confirmed the agreement (确认有效)
	ConfirmRefused   = "refused"   // the court dismissed the application (裁定驳回申请)
	ConfirmNone      = "none"      // the parties made no application
)

// ConfirmLabels names the kinds in Chinese.
var ConfirmLabels = map[string]string{ConfirmApplied: "双方共同申请司法确认", ConfirmConfirmed: "法院裁定确认有效",
	ConfirmRefused: "法院裁定驳回申请", ConfirmNone: "当事人未申请司法确认"}

// Label returns the step's Chinese name.
func (c *Confirmation) Label() string { return ConfirmLabels[c.Kind] }

// ConfirmDeadline returns the end of the window in which both parties may
// apply for judicial confirmation of ag (人民调解法 Art. 33): 30 days counted
// from the day after it took effect (民法典 Art. 201), the last day moving to
// the next working day of the town's calendar when it is a holiday and
// ending when the courts stop business (Art. 203). It is nil for an
// agreement courts do not confirm (see Agreement.Confirmable).
func (e *Engine) ConfirmDeadline(c *Case, ag *Agreement) *time.Time {
	if ag == nil || !ag.Confirmable() {
		return nil
	}
	signed := ag.SignedAt.In(e.Location)
	last := time.Date(signed.Year(), signed.Month(), signed.Day(), 0, 0, 0, 0, e.Location).AddDate(0, 0, 30)
	for !e.Calendar.Working(last, e.Location) {
		last = last.AddDate(0, 0, 1)
	}
	end := last.AddDate(0, 0, 1)
	if closes := e.Calendar.CourtCloses; closes > 0 {
		end = last.Add(closes)
	}
	return &end
}

// ConfirmWindow returns the end of the window for judicial confirmation of
// the latest of a case's agreements while the window is still the parties'
// to use: nil once a step of its confirmation is recorded (applied, decided,
// or that none was made), as well as for an agreement courts do not
// confirm. Pages and the parties' lookup count down this one; the agreement
// itself prints ConfirmDeadline, which does not change.
func (e *Engine) ConfirmWindow(c *Case, ags []*Agreement, steps []*Confirmation) *time.Time {
	if len(ags) == 0 {
		return nil
	}
	last := ags[len(ags)-1]
	for _, x := range steps {
		if x.AgreementID == last.ID {
			return nil
		}
	}
	return e.ConfirmDeadline(c, last)
}

// Until says in Chinese when a period ending at t ends: 2026年10月8日17时,
// or, for one that ends at midnight, the day before at 24时.
func (e *Engine) Until(t time.Time) string {
	l := t.In(e.Location)
	if l.Hour() == 0 && l.Minute() == 0 {
		return l.AddDate(0, 0, -1).Format("2006年1月2日") + "24时"
	}
	if l.Minute() == 0 {
		return fmt.Sprintf("%s%d时", l.Format("2006年1月2日"), l.Hour())
	}
	return fmt.Sprintf("%s%d时%02d分", l.Format("2006年1月2日"), l.Hour(), l.Minute())
}

// checkConfirmation validates a step of judicial confirmation against the
// agreement it is about and the steps before it.
func (e *Engine) checkConfirmation(c *Case, ag *Agreement, earlier []*Confirmation, in *Confirmation) error {
	deadline := e.ConfirmDeadline(c, ag)
	if deadline == nil {
		return Errorf(ECONFLICT, "本案的协议不适用司法确认（口头协议，或身份关系、确权事项的协议）。")
	}
	in.Court, in.Number = strings.TrimSpace(in.Court), strings.TrimSpace(in.Number)
	var applied *Confirmation
	for _, x := range earlier {
		if x.AgreementID != ag.ID {
			continue
		}
		switch x.Kind {
		case ConfirmApplied:
			applied = x
		case ConfirmConfirmed, ConfirmRefused, ConfirmNone:
			return Errorf(ECONFLICT, "本协议的司法确认已有结果（%s）。", x.Label())
		}
	}
	day, err := time.ParseInLocation(time.DateOnly, in.Day, e.Location)
	if err != nil {
		return Invalid("confirmation.day", "请填写日期，如 2026-10-12。")
	}
	switch in.Kind {
	case ConfirmApplied:
		switch {
		case applied != nil:
			return Errorf(ECONFLICT, "双方已于%s申请司法确认。", applied.Day)
		case in.Court == "":
			return Invalid("confirmation.court", "请填写受理申请的人民法院。")
		case day.Before(e.dayOf(ag.SignedAt)):
			return Invalid("confirmation.day", "申请日期不能早于协议生效日。")
		case !day.Before(*deadline):
			return Invalid("confirmation.day", "已超过司法确认申请期限（%s）。", e.Until(*deadline))
		}
	case ConfirmConfirmed, ConfirmRefused:
		switch {
		case applied == nil:
			return Errorf(ECONFLICT, "尚无司法确认申请，不能记录法院的裁定。")
		case in.Number == "":
			return Invalid("confirmation.number", "请填写法院裁定书的文号。")
		case in.Day < applied.Day:
			return Invalid("confirmation.day", "裁定日期不能早于申请日期（%s）。", applied.Day)
		}
		in.Court = applied.Court
	case ConfirmNone:
		if applied != nil {
			return Errorf(ECONFLICT, "双方已于%s申请司法确认。", applied.Day)
		}
	default:
		return Invalid("confirmation.kind", "请选择：双方共同申请、确认有效、驳回申请或未申请。")
	}
	in.AgreementID = ag.ID
	return nil
}

// dayOf returns the local midnight that begins t's day.
func (e *Engine) dayOf(t time.Time) time.Time {
	l := t.In(e.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, e.Location)
}

// Numbering is a committee's 人调字 number to take from its sequence of the
// year, for an agreement it seals or a file it archives: one sequence, so
// that a file archived by the committee that sealed its agreement keeps
// the agreement's number, and each mediation settled or filed counts once.
type Numbering struct {
	CommitteeID int64
	Year        int
	Number      func(seq int) string
}

// Missing lists, in Chinese, what a closed case's file lacks before it may be
// archived (归档): the records its path requires. Only a case taken into
// mediation has a file to archive (see Unfit). The parties must have been
// told their rights and duties once mediation took place (a session, an
// agreement or a failure); a party who withdrew before any of that was
// never mediated, and its file needs no notice. A case that ended in a
// failure, or in an agreement followed up, holds at least one session
// record.
func Missing(c *Case, timeline []*Event, sessions []*Session) []string {
	if c.AcceptedAt == nil {
		return nil
	}
	var out []string
	notified := false
	for _, ev := range timeline {
		notified = notified || ev.Name == workflow.RightsNotice.Step()
	}
	mediated := len(sessions) > 0 || c.AgreedAt != nil || c.Outcome == workflow.Failed
	if mediated && !notified {
		out = append(out, "人民调解权利义务告知书（告知记录）")
	}
	switch c.Outcome {
	case workflow.Fulfilled, workflow.Unperformed, workflow.Failed:
		if len(sessions) == 0 {
			out = append(out, "调解记录（至少一次）")
		}
	}
	return out
}

// archiveNumber formats a committee's 人调字 number, per committee per
// year: the town committee's as （2026）油人调字第3号, another committee's
// with the first character of its name after the town's,
// （2026）油麟人调字第3号 for 麟湖村人民调解委员会.
func archiveNumber(t *Tree, committee *Committee, year int) func(int) string {
	prefix := ""
	town := t.Town(committee.UnitID)
	if town != nil {
		prefix = town.CasePrefix
	}
	if committee.Kind != CommitteeTown {
		name := committee.Name
		if town != nil {
			name = strings.TrimPrefix(name, town.Name)
		}
		prefix += string([]rune(name)[:1])
	}
	return func(seq int) string { return fmt.Sprintf("（%d）%s人调字第%d号", year, prefix, seq) }
}

// FileCommittee is the committee whose file a case is: the one whose
// mediation ended it, or, before, the committee of its handling unit (a
// grid's is its village's).
func (t *Tree) FileCommittee(c *Case) *Committee {
	if cm := t.Committee(c.CommitteeID); cm != nil {
		return cm
	}
	return t.CommitteeOf(c.HandlingUnitID)
}

// OfferActivity reports whether an activity the table allows in the case's
// state applies to the case as it is now (see Unfit).
func OfferActivity(c *Case, act workflow.Activity) bool { return Unfit(c, act) == "" }

// Unfit says, in Chinese, why an activity the table allows in the case's
// state does not apply to the case as it is now, or "" when it does: the
// clock can only be resumed when stopped; a file is archived once, and only
// when the case was taken into mediation (受理), for a refused case or one
// referred out before acceptance has no 人民调解 file to number; a notice
// of rights is recorded late only before the file is archived; and
// judicial confirmation is for written agreements on civil rights and
// obligations (see Agreement.Confirmable).
func Unfit(c *Case, act workflow.Activity) string {
	switch act {
	case workflow.Suspend:
		if c.SuspendedAt != nil {
			return "计时已暂停"
		}
	case workflow.Resume:
		if c.SuspendedAt == nil {
			return "计时未暂停"
		}
	case workflow.Attach, workflow.AddNote:
		if c.ArchiveNo != "" {
			return "卷宗已归档，请用“卷宗补充”记录"
		}
	case workflow.PartyMessage:
		if c.ArchiveNo != "" {
			return "卷宗已归档，如有新的情况请直接联系承办调解组织"
		}
	case workflow.MajorReport:
		if !c.Major() {
			return "本案不属于重大纠纷（红色风险或重大情形、10人以上）"
		}
	case workflow.Supplement:
		if c.ArchiveNo == "" {
			return "卷宗尚未归档，请直接记录"
		}
	case workflow.Archive:
		switch {
		case c.ArchiveNo != "":
			return "卷宗已归档"
		case c.AcceptedAt == nil:
			return "本案未经受理调解，不立人民调解卷宗"
		}
	case workflow.RightsNotice:
		if c.State.Terminal() && (c.AcceptedAt == nil || c.ArchiveNo != "") {
			return "告知记录只能在归档前补录"
		}
	case workflow.Confirm:
		switch {
		case c.ArchiveNo != "":
			return "卷宗已归档，司法确认的结果请用“卷宗补充”记录"
		case c.AgreementKind != AgreementWritten:
			return "口头协议不能申请司法确认"
		case c.AgreementSubject == SubjectStatus:
			return "协议涉及婚姻、亲子、收养等身份关系，人民法院不予司法确认"
		case c.AgreementSubject == SubjectTitle:
			return "协议涉及物权、知识产权的确权，人民法院不予司法确认"
		}
	case workflow.Sign:
		if c.SignedAt != nil {
			return "移交已签收"
		}
	}
	return ""
}
