package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Notification is one message about a case: to a user, who reads it in the
// application, or to a party's phone, which is only sent. It is written with
// the event that causes it (the outbox), and sent on by the delivery worker
// when a webhook is configured.
type Notification struct {
	ID     int64
	UserID int64
	Phone  string
	// Webhook is a partner system's address: the notification is only
	// posted there.
	Webhook string
	CaseID  int64
	Kind    string
	Text    string
	// Dedup, when set, makes a warning once per case and user: a second
	// one with the same Dedup is not written.
	Dedup     string
	CreatedAt time.Time
	ReadAt    *time.Time
	// Deliver sends the notification on through the webhook.
	Deliver bool
	// Attempts counts the deliveries tried.
	Attempts int

	// Unit and Role, when UserID and Phone are not set, address every
	// active account of the role at the unit but Except's; the store
	// writes one notification to each.
	Unit   int64
	Role   workflow.Role
	Except int64

	// CaseNumber and UserName are read with the row, for lists and
	// deliveries.
	CaseNumber string
	UserName   string
}

// Notification kinds.
const (
	NotifyRouted    = "routed"     // a case routed, handed down or returned to the unit
	NotifyEscalated = "escalated"  // a case escalated to the unit
	NotifySupervise = "supervise"  // 督办 on a case the unit handles
	NotifyFeedback  = "feedback"   // a partner's feedback on a referral
	NotifyDeadline  = "deadline"   // a deadline within 24 hours
	NotifyFollowUp  = "follow_up"  // an agreement's follow-up visit due
	NotifyParty     = "party"      // a message to a party
	NotifyReferral  = "referral"   // a case referred to the partner's body
	NotifyProgress  = "progress"   // a state change of a partner's case
	NotifyReport    = "report"     // a risk of violence reported to the body (人民调解法 Art. 25)
	NotifyGrave     = "grave"      // a grave dispute registered, to be taken up within hours
	NotifyWatched   = "watched"    // a party on the ledger in a new dispute, to the owners
	NotifyMajor     = "major"      // a 重大纠纷专报 or 续报, to the county
	NotifyFromParty = "from_party" // a party's message or confirmation, to the handling unit
	NotifyRating    = "rating"     // a party's 不满意, to the town's supervisors
)

// NotifyLabels name the kinds in Chinese.
var NotifyLabels = map[string]string{NotifyRouted: "新案件", NotifyEscalated: "上报", NotifySupervise: "督办",
	NotifyFeedback: "移交反馈", NotifyDeadline: "期限将至", NotifyFollowUp: "待回访", NotifyParty: "当事人通知",
	NotifyReferral: "移交待签收", NotifyProgress: "案件进展", NotifyReport: "风险报告", NotifyGrave: "重大风险",
	NotifyWatched: "重点人员", NotifyMajor: "重大纠纷专报", NotifyFromParty: "当事人来信", NotifyRating: "不满意评价"}

// Notices works out who is told of a change to case c (as it was before
// the change), appending the notifications to the change so that they are
// written in its transaction. Imported histories tell nobody.
func (e *Engine) Notices(t *Tree, a Actor, c *Case, ch *Change) {
	if a.replay {
		return
	}
	n, ev := ch.Case, ch.Event
	at := ev.At.UTC()
	staff := func(unit int64, role workflow.Role, kind, text string) {
		ch.Notify = append(ch.Notify, &Notification{Unit: unit, Role: role, Except: a.UserID, CaseID: c.ID, Kind: kind,
			Text: text, CreatedAt: at, Deliver: e.Deliver})
	}
	name := workflow.Event(ev.Name)
	if name.Known() && n.HandlingUnitID != c.HandlingUnitID && n.State.Kind() == workflow.KindTier {
		kind := NotifyRouted
		if name == workflow.Escalate {
			kind = NotifyEscalated
		}
		text := fmt.Sprintf("%s：%s纠纷转由%s调解", name.Label(), n.Category, NameOf(t.Unit(n.HandlingUnitID)))
		if n.DueAt != nil {
			text += "，本阶段期限至" + n.DueAt.In(e.Location).Format("1月2日 15:04")
		}
		staff(n.HandlingUnitID, workflow.RoleMediator, kind, text+"。")
	}
	switch {
	case ev.Name == workflow.ReportPolice.Step():
		if p := t.ByCode(ev.Data.PartnerUnit); p != nil {
			staff(p.ID, workflow.RolePartner, NotifyReport, fmt.Sprintf("%s报告：%s纠纷有激化风险，调解继续进行。%s（报告人：%s）",
				committeeName(t.Committee(ev.CommitteeID)), n.Category, ev.Data.Note, a.Name))
		}
	case ev.Name == workflow.MajorReport.Step():
		// Up to the county's supervisors; a town with no county above
		// keeps it with its own.
		to := t.Ancestor(n.TownID, workflow.LevelCounty)
		if to == nil {
			to = t.Unit(n.TownID)
		}
		staff(to.ID, workflow.RoleSupervisor, NotifyMajor, fmt.Sprintf("%s重大纠纷专报：%s纠纷，涉及%d人，%s；现%s。下一步：%s",
			NameOf(t.Town(n.LocationUnitID)), n.Category, n.People, n.Risk.Label(), n.State.Label(), ev.Data.Major.Next))
	case ev.Name == workflow.PartyMessage.Step():
		staff(partyReader(n), partyReaderRole(n), NotifyFromParty, fmt.Sprintf("当事人%s留言：%s", a.Name, ev.Data.Note))
	case ev.Name == workflow.PartyConfirm.Step():
		staff(n.HandlingUnitID, workflow.RoleMediator, NotifyFromParty, fmt.Sprintf("当事人%s确认协议已履行：%s。请回访后结案。", a.Name, ev.Data.Note))
	case ev.Name == workflow.PartyRating.Step() && ev.Data.Rating.Value == Dissatisfied:
		staff(n.TownID, workflow.RoleSupervisor, NotifyRating, fmt.Sprintf("当事人%s对%s纠纷的调解服务评价为不满意：%s", a.Name, n.Category, ev.Data.Rating.Comment))
	case ev.Name == workflow.Supervise.Step():
		staff(n.HandlingUnitID, workflow.RoleMediator, NotifySupervise, fmt.Sprintf("督办（%s）：%s", a.Name, ev.Data.Note))
	case name == workflow.PartnerClose:
		staff(n.TownID, workflow.RoleIntake, NotifyFeedback, "移交单位已办结："+ev.Data.Result)
	case name == workflow.Return:
		staff(n.TownID, workflow.RoleIntake, NotifyFeedback, "移交单位退回调解："+ev.Reason)
	case name == workflow.Refer:
		staff(n.PartnerUnitID, workflow.RolePartner, NotifyReferral,
			fmt.Sprintf("%s移交%s纠纷（%s），请签收，并于%s前反馈。", NameOf(t.Town(n.LocationUnitID)), n.Category, ev.Reason,
				n.DueAt.In(e.Location).Format("1月2日")))
	}
	if name.Known() && n.SenderUnitID != 0 && n.State != c.State {
		staff(n.SenderUnitID, workflow.RolePartner, NotifyProgress, fmt.Sprintf("本单位移送的%s纠纷：%s，现为“%s”。", n.Category, name.Label(), n.State.Label()))
	}
	e.tellPartners(t, c, ch)
	if !e.NotifyParties {
		return
	}
	switch {
	case name.Accepts():
		committee := t.FileCommittee(n)
		e.tellParties(ch, n, at, fmt.Sprintf("您的纠纷已受理，由%s调解%s。", committeeName(committee), phoneOf(committee)))
	case c.State.Kind() == workflow.KindTier && n.State.Kind() == workflow.KindTier && t.FileCommittee(c) != t.FileCommittee(n):
		// The parties have the right to know who mediates their dispute
		// (人民调解法 Art. 23): a move to another committee, the
		// scheduler's too, is told to them.
		committee := t.FileCommittee(n)
		e.tellParties(ch, n, at, fmt.Sprintf("您的纠纷因%s，转由%s调解%s。", ev.Reason, committeeName(committee), phoneOf(committee)))
	case name == workflow.Agree:
		text := "您的纠纷已达成调解协议，请按协议履行。"
		if ch.Agreement != nil {
			if last := e.ConfirmDeadline(n, ch.Agreement); last != nil {
				text += "如需司法确认，请在" + e.Until(*last) + "前与对方共同向人民法院申请。"
			}
		}
		e.tellParties(ch, n, at, text+"查询码"+n.Code+"。")
	case ev.Name == workflow.LogSession.Step() && ch.Session != nil && ch.Session.NextAt != nil:
		e.tellParties(ch, n, at, fmt.Sprintf("您的纠纷定于%s在%s调解，请准时参加。查询码%s。",
			ch.Session.NextAt.In(e.Location).Format("1月2日15:04"), ch.Session.NextPlace, n.Code))
	}
}

// tellPartners posts each state change of a case to the systems of the
// partners it concerns (the one it waits on, before or after the change,
// and the one that referred it in) that have a webhook; the systems read
// the case itself through the API.
func (e *Engine) tellPartners(t *Tree, c *Case, ch *Change) {
	n, ev := ch.Case, ch.Event
	if n.State == c.State {
		return
	}
	var told []int64
	for _, id := range []int64{c.PartnerUnitID, n.PartnerUnitID, n.SenderUnitID} {
		p := t.Unit(id)
		if p == nil || p.Webhook == "" || slices.Contains(told, id) {
			continue
		}
		told = append(told, id)
		ch.Notify = append(ch.Notify, &Notification{Webhook: p.Webhook, CaseID: c.ID, Kind: NotifyProgress,
			Text: fmt.Sprintf("%s：现为“%s”。", workflow.Event(ev.Name).Label(), n.State.Label()), CreatedAt: ev.At.UTC(), Deliver: true})
	}
}

// partyReader and partyReaderRole are who reads a party's message: the
// desk while the dispute awaits its decision, the handling unit's
// mediators after.
func partyReader(c *Case) int64 {
	if c.State == workflow.Registered {
		return c.TownID
	}
	return c.HandlingUnitID
}

func partyReaderRole(c *Case) workflow.Role {
	if c.State == workflow.Registered {
		return workflow.RoleIntake
	}
	return workflow.RoleMediator
}

// phoneOf is a committee's phone as a clause, "" without one.
func phoneOf(c *Committee) string {
	if c == nil || c.Phone == "" {
		return ""
	}
	return "，联系电话" + c.Phone
}

// committeeName is a committee's name, or what a message says when there
// is none to name.
func committeeName(c *Committee) string {
	if c == nil {
		return "人民调解委员会"
	}
	return c.Name
}

// tellParties notifies each party of case c with a phone on file.
func (e *Engine) tellParties(ch *Change, c *Case, at time.Time, text string) {
	for _, p := range c.Parties {
		if p.Phone != "" {
			ch.Notify = append(ch.Notify, &Notification{Phone: p.Phone, CaseID: c.ID, Kind: NotifyParty, Text: text,
				CreatedAt: at, Deliver: true})
		}
	}
}

// announce is what a case just registered tells: its parties their code,
// when the configuration has them told; the town's supervisors of a grave
// dispute, at once; and the owners of its parties on the ledger (see
// Watchers). Imported histories tell nobody.
func (e *Engine) announce(ctx context.Context, a Actor, reg *Registration) error {
	c := reg.Case
	if c.ImportKey != "" || a.replay {
		return nil
	}
	at := reg.First.At.UTC()
	ch := &Change{}
	if e.NotifyParties {
		e.tellParties(ch, c, at, fmt.Sprintf("您反映的纠纷已登记，查询码%s，可凭查询码和您的电话查询办理进度。", c.Code))
	}
	if c.Grave() {
		ch.Notify = append(ch.Notify, &Notification{Unit: c.TownID, Role: workflow.RoleSupervisor, Except: a.UserID, Kind: NotifyGrave,
			Text:      fmt.Sprintf("红色风险纠纷：%s纠纷，涉及%d人，须于%s前受理。", c.Category, c.People, c.DueAt.In(e.Location).Format("1月2日15:04")),
			CreatedAt: at, Deliver: e.Deliver})
	}
	if e.Watchers != nil {
		watched, err := e.Watchers.Watching(ctx, c.Parties)
		if err != nil {
			return err
		}
		for _, w := range watched {
			if w.UserID == a.UserID {
				continue
			}
			ch.Notify = append(ch.Notify, &Notification{UserID: w.UserID, Kind: NotifyWatched,
				Text: fmt.Sprintf("您包保的重点人员%s（%s）是新登记的%s纠纷的当事人。", w.Party, w.Colour, c.Category), CreatedAt: at, Deliver: e.Deliver})
		}
	}
	reg.Notify = ch.Notify
	return nil
}

// Watchers names the users who answer for the parties of a new case: the
// ledger's owners (包保责任人) of a party listed there. The engine tells
// them of the case; without Watchers nobody is.
type Watchers interface {
	Watching(ctx context.Context, parties []*Party) ([]Watch, error)
}

// Watch is one owner of a listed party: who, the party's name and the
// entry's colour, named.
type Watch struct {
	UserID int64
	Party  string
	Colour string
}
