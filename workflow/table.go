package workflow

import "slices"

// Event names a transition between states.
type Event string

// The events of DESIGN §4.
const (
	AcceptGrid    Event = "accept_grid"
	AcceptVillage Event = "accept_village"
	AcceptTown    Event = "accept_town"
	Reject        Event = "reject"
	Escalate      Event = "escalate"
	HandDown      Event = "hand_down"
	Agree         Event = "agree"
	Fail          Event = "fail"
	Withdraw      Event = "withdraw"
	Refer         Event = "refer"
	Return        Event = "return"
	PartnerClose  Event = "partner_close"
	Fulfil        Event = "fulfil"
	Remediate     Event = "remediate"
	// CloseUnperformed closes an agreement the parties did not perform
	// after the follow-up urged them, telling them their routes.
	CloseUnperformed Event = "close_unperformed"
)

// Field names a piece of data that an event or activity requires.
type Field string

// The fields an event may require. Engine validates each; the web layer draws
// one form input per field.
const (
	FieldUnit      Field = "unit"         // the unit that takes the case
	FieldReason    Field = "reason"       // why; from Reasons when the row lists them
	FieldRoutes    Field = "routes"       // the other routes the parties were told of
	FieldPartner   Field = "partner"      // the partner body
	FieldParty     Field = "party"        // which party
	FieldNewParty  Field = "new_party"    // a party's details
	FieldAgreement Field = "agreement"    // the mediation agreement
	FieldResult    Field = "result"       // the partner's result
	FieldVisit     Field = "visit"        // a follow-up visit (回访)
	FieldNote      Field = "note"         // free text
	FieldDays      Field = "days"         // a number of days
	FieldConsent   Field = "consent"      // both parties' recorded consent
	FieldMediator  Field = "mediator"     // a mediator of the handling unit
	FieldRisk      Field = "risk"         // a risk colour
	FieldSession   Field = "session"      // a mediation session record
	FieldNotice    Field = "notice"       // a notice given to the parties
	FieldConfirm   Field = "confirmation" // a step of judicial confirmation (司法确认)
	FieldFile      Field = "file"         // files for the case file: photos, contracts, proofs
	FieldMajor     Field = "major"        // a 重大纠纷专报: the measures taken and the next steps
	FieldRating    Field = "rating"       // a party's rating of the service: 满意, 基本满意, 不满意
)

// Scope says where a user must stand, relative to a case, to use a grant.
type Scope int

const (
	// AtHandlingUnit: the user belongs to the unit that handles the case now.
	AtHandlingUnit Scope = iota + 1
	// InSubtree: the case's handling or location unit lies in the user's
	// unit subtree (the visibility rule of DESIGN §3).
	InSubtree
	// AtPartner: the user belongs to the partner body the case is referred
	// to and waits on now (the 141 linkage).
	AtPartner
	// OwnCase: a party who proved the case by its code and a phone on it.
	OwnCase
)

// Grant lets a role fire an event from a scope.
type Grant struct {
	Role  Role
	Scope Scope
}

// Target says which unit handles the case after an event.
type Target int

const (
	// KeepUnit leaves the handling unit as it is.
	KeepUnit Target = iota
	// ChosenUnit: a unit of the destination's level that contains the case's
	// location (the committee where the dispute arose); by default the one
	// above the location at that level.
	ChosenUnit
	// ParentUnit: the handling unit's parent (escalation).
	ParentUnit
	// ChildUnit: a chosen child of the handling unit (hand down).
	ChildUnit
	// LocationTown: the town of the case's location.
	LocationTown
)

// Transition is one row of the workflow table: an event from some states to
// one state, who may fire it and what it needs.
type Transition struct {
	Event    Event
	From     []State
	To       State
	Target   Target
	Grants   []Grant
	Requires []Field
	// Optional are the fields a person may fill in besides Requires.
	Optional []Field
	// Reasons, when set, is the closed list a FieldReason must come from.
	Reasons []string
	// Routes, when set, is the list a FieldRoutes comes from instead of
	// the Routes of mediation's end.
	Routes []string
}

// RoutesOf returns the routes the row's FieldRoutes comes from.
func (t Transition) RoutesOf() []string {
	if t.Routes != nil {
		return t.Routes
	}
	return Routes
}

// Reason lists of DESIGN §4.
var (
	RejectReasons    = []string{"不属于人民调解范围", "已由法院/公安/行政机关受理", "当事人拒绝调解", "其他"}
	EscalateReasons  = []string{"调解不成", "超出调解能力", "风险升级", ReasonOverdue}
	RemediateReasons = []string{"协议未履行", "协议明显不公平"}
	// Routes are the other ways to resolve a dispute that parties are told of
	// when mediation is refused or ends (人民调解法 Art. 26).
	Routes = []string{"诉讼", "仲裁", "行政途径"}
	// UnperformedRoutes are what parties to an agreement not performed are
	// told: sue, or, where a court confirmed it, apply for enforcement.
	UnperformedRoutes = []string{"诉讼", "申请强制执行"}
)

// PersonReasons are the reasons a person may choose for the transition:
// the table's, without the scheduler's own (超期自动上报).
func (t Transition) PersonReasons() []string {
	return slices.DeleteFunc(slices.Clone(t.Reasons), func(r string) bool { return r == ReasonOverdue })
}

// ReasonOverdue is the escalation reason of the deadline scheduler.
const ReasonOverdue = "超期自动上报"

var (
	tiers      = TierStates()
	intake     = Grant{RoleIntake, InSubtree}
	mediator   = Grant{RoleMediator, AtHandlingUnit}
	supervisor = Grant{RoleSupervisor, InSubtree}
	desk       = []Grant{intake, supervisor}
	handlers   = []Grant{mediator, supervisor}
	// mediators alone record what mediation did: sessions, agreements,
	// failures, withdrawals, visits and confirmations. Supervisors press,
	// route, reassign and extend (DESIGN §1); they do not mediate.
	mediators = []Grant{mediator}
	// partner is the liaison of the body a case waits on: it signs for the
	// referral, reports progress, and closes it or sends it back.
	partner     = Grant{RolePartner, AtPartner}
	party       = Grant{RoleParty, OwnCase}
	feedback    = []Grant{intake, supervisor, partner}
	everyone    = []Grant{intake, {RoleMediator, InSubtree}, supervisor}
	openStates  = OpenStates()
	activeCases = ActiveStates()
)

// Table is the workflow of DESIGN §4. An event may have several rows when its
// destination or its grants depend on the state it leaves.
var Table = []Transition{
	{Event: AcceptGrid, From: []State{Registered}, To: Grid, Target: ChosenUnit,
		Grants: []Grant{intake, mediator, supervisor}, Requires: []Field{FieldUnit}, Optional: []Field{FieldReason}},
	{Event: AcceptVillage, From: []State{Registered}, To: Village, Target: ChosenUnit,
		Grants: desk, Requires: []Field{FieldUnit}, Optional: []Field{FieldReason}},
	{Event: AcceptTown, From: []State{Registered}, To: Town, Target: ChosenUnit,
		Grants: desk, Requires: []Field{FieldUnit}, Optional: []Field{FieldReason}},
	{Event: Reject, From: []State{Registered}, To: Rejected,
		Grants: desk, Requires: []Field{FieldReason, FieldRoutes}, Reasons: RejectReasons},
	{Event: Escalate, From: []State{Grid}, To: Village, Target: ParentUnit,
		Grants: handlers, Requires: []Field{FieldReason}, Optional: []Field{FieldNote}, Reasons: EscalateReasons},
	{Event: Escalate, From: []State{Village}, To: Town, Target: ParentUnit,
		Grants: handlers, Requires: []Field{FieldReason}, Optional: []Field{FieldNote}, Reasons: EscalateReasons},
	{Event: HandDown, From: []State{Town}, To: Village, Target: ChildUnit,
		Grants: handlers, Requires: []Field{FieldUnit, FieldReason}},
	{Event: HandDown, From: []State{Village}, To: Grid, Target: ChildUnit,
		Grants: handlers, Requires: []Field{FieldUnit, FieldReason}},
	{Event: Agree, From: tiers, To: Agreed,
		Grants: mediators, Requires: []Field{FieldAgreement}},
	{Event: Fail, From: tiers, To: Failed,
		Grants: mediators, Requires: []Field{FieldReason, FieldRoutes}},
	{Event: Withdraw, From: []State{Registered}, To: Withdrawn,
		Grants: []Grant{intake}, Requires: []Field{FieldParty, FieldReason}},
	{Event: Withdraw, From: tiers, To: Withdrawn,
		Grants: mediators, Requires: []Field{FieldParty, FieldReason}},
	{Event: Refer, From: []State{Registered}, To: Referred,
		Grants: desk, Requires: []Field{FieldPartner, FieldReason}},
	{Event: Refer, From: []State{Grid, Village, Town}, To: Referred,
		Grants: handlers, Requires: []Field{FieldPartner, FieldReason}},
	{Event: Return, From: []State{Referred}, To: Town, Target: LocationTown,
		Grants: feedback, Requires: []Field{FieldReason}},
	{Event: PartnerClose, From: []State{Referred}, To: PartnerClosed,
		Grants: feedback, Requires: []Field{FieldResult}},
	{Event: Fulfil, From: []State{Agreed}, To: Fulfilled,
		Grants: mediators, Requires: []Field{FieldVisit}},
	{Event: Remediate, From: []State{Agreed}, To: Town, Target: LocationTown,
		Grants: handlers, Requires: []Field{FieldReason, FieldConsent}, Reasons: RemediateReasons},
	{Event: CloseUnperformed, From: []State{Agreed}, To: Unperformed,
		Grants: mediators, Requires: []Field{FieldVisit, FieldRoutes}, Routes: UnperformedRoutes},
}

// Activity names a step that changes no state but is appended to the case's
// timeline.
type Activity string

// The activities of DESIGN §4.
const (
	LogSession Activity = "session"
	AddNote    Activity = "note"
	AddParty   Activity = "add_party"
	Assign     Activity = "assign"
	FollowUp   Activity = "followup"
	Suspend    Activity = "suspend"
	Resume     Activity = "resume"
	Extend     Activity = "extend"
	Supervise  Activity = "supervise"
	UpdateRisk Activity = "risk"
	// RightsNotice records that the parties were told their rights and
	// duties (人民调解法 Art. 23-24), to whom and when.
	RightsNotice Activity = "rights_notice"
	// Confirm records a step of judicial confirmation: the joint
	// application, the court's decision, or that none was made.
	Confirm Activity = "confirm"
	// Archive closes the case file (归档) and numbers it.
	Archive Activity = "archive"
	// Attach adds files to the case file (附件): photos, contracts, ID
	// copies, proofs of payment.
	Attach Activity = "attach"
	// Sign is the partner's receipt of a referral (签收): the referral is
	// no longer waiting to be received.
	Sign Activity = "sign"
	// ReportPolice records that a mediator who found a risk of violence
	// reported it to the police or another body, and mediation goes on
	// (人民调解法 Art. 25); a referral would end it.
	ReportPolice Activity = "report_police"
	// Supplement adds to an archived file (卷宗补充): once archived, a
	// file takes no note, attachment or confirmation; what comes later (a
	// court's ruling, a correction) is recorded as a supplement saying what
	// and why, by whom, beside the file as it was closed.
	Supplement Activity = "supplement"
	// MajorReport reports a major dispute up to the county (重大纠纷专报):
	// the first report, then follow-ups (续报) until the case is closed.
	MajorReport Activity = "major_report"
	// FlagOverdue is the deadline scheduler's note that a deadline passed
	// (超期提醒); no person records it.
	FlagOverdue Activity = "overdue"
	// PartyMessage is a party's message to the committee, from the
	// look-up page: a submission on the timeline, never an edit.
	PartyMessage Activity = "party_message"
	// PartyConfirm is a party's confirmation that the agreement was
	// performed (履行确认); the mediator's 回访 closes the case.
	PartyConfirm Activity = "party_confirm"
	// PartyRating is a party's rating of the service once agreed or
	// closed: 满意, 基本满意 or 不满意, with a comment.
	PartyRating Activity = "party_rating"
)

// ActivityRule is one row of the activity table.
type ActivityRule struct {
	Activity Activity
	Label    string
	In       []State
	Grants   []Grant
	Requires []Field
}

// Activities is the activity table of DESIGN §4.
var Activities = []ActivityRule{
	{LogSession, "调解记录", tiers, mediators, []Field{FieldSession}},
	{AddNote, "备注", States, append(everyone, partner), []Field{FieldNote}},
	{AddParty, "添加当事人", activeCases, []Grant{intake, mediator, supervisor}, []Field{FieldNewParty}},
	{Assign, "指派调解员", activeCases, handlers, []Field{FieldMediator}},
	{FollowUp, "回访记录", []State{Agreed}, mediators, []Field{FieldVisit}},
	{Suspend, "暂停计时", tiers, handlers, []Field{FieldReason}},
	{Resume, "恢复计时", tiers, handlers, []Field{FieldReason}},
	{Extend, "延长期限", tiers, handlers, []Field{FieldDays, FieldConsent, FieldReason}},
	{Supervise, "督办", openStates, []Grant{supervisor}, []Field{FieldNote}},
	{UpdateRisk, "更新风险", openStates, everyone, []Field{FieldRisk, FieldReason}},
	{RightsNotice, "告知权利义务", append(slices.Clone(activeCases), ClosedStates()...), []Grant{intake, mediator, supervisor}, []Field{FieldNotice}},
	{Confirm, "司法确认", []State{Agreed, Fulfilled}, mediators, []Field{FieldConfirm}},
	{Archive, "归档", ClosedStates(), handlers, nil},
	{Attach, "上传附件", States, []Grant{intake, mediator, supervisor, party}, []Field{FieldFile}},
	{Sign, "签收", []State{Referred}, []Grant{partner}, nil},
	{ReportPolice, "报告公安", activeCases, []Grant{intake, mediator, supervisor}, []Field{FieldPartner, FieldNote}},
	{Supplement, "卷宗补充", ClosedStates(), handlers, []Field{FieldNote, FieldReason}},
	{MajorReport, "重大纠纷专报", openStates, handlers, []Field{FieldMajor}},
	{FlagOverdue, "超期提醒", append(openStates, Agreed), nil, nil},
	{PartyMessage, "当事人留言", States, []Grant{party}, []Field{FieldNote}},
	{PartyConfirm, "履行确认", []State{Agreed}, []Grant{party}, []Field{FieldNote}},
	{PartyRating, "服务评价", append([]State{Agreed}, ClosedStates()...), []Grant{party}, []Field{FieldRating}},
}

// VisitAction names the one action of the case page that records a
// follow-up visit (回访): its outcome picks the row it records.
const VisitAction = "visit"

// VisitOutcome is one outcome of a follow-up visit: the row it records and
// how the form names it.
type VisitOutcome struct {
	Action string
	Label  string
}

// VisitOutcomes are the rows that record a follow-up visit, as the choices
// of the one 回访 form: the agreement still being performed records the
// visit; performed, or not performed after the visit urged it, closes the
// case.
var VisitOutcomes = []VisitOutcome{
	{string(FollowUp), "尚在履行：记录本次回访"},
	{string(Fulfil), "已履行完毕：结案"},
	{string(CloseUnperformed), "未履行：告知其他解决途径后结案"},
}

// EventDef declares an event: its one Chinese name, for its buttons and the
// timeline.
type EventDef struct {
	Event Event
	Label string
	// Done says that the event happened, for the message after it; "" reads
	// "已" and the label, which fits most events.
	Done string
}

// EventTable declares every event of DESIGN §4 once, in the order of the
// workflow; Table's rows say where each may go.
var EventTable = []EventDef{
	{AcceptGrid, "受理·分流到网格", ""},
	{AcceptVillage, "受理·分流到村(社区)", ""},
	{AcceptTown, "受理·分流到镇(街道)", ""},
	{Reject, "不予受理", ""},
	{Escalate, "上报", ""},
	{HandDown, "交办", ""},
	{Agree, "达成协议", ""},
	{Fail, "终止调解", ""},
	{Withdraw, "当事人撤回", "当事人已撤回"},
	{Refer, "移交", ""},
	{Return, "退回调解", ""},
	{PartnerClose, "移交办结", ""},
	{Fulfil, "回访·履行完毕", ""},
	{Remediate, "重新调解", ""},
	{CloseUnperformed, "未履行结案", "已按未履行结案"},
}

// Label returns the event's Chinese name.
func (e Event) Label() string {
	for _, d := range EventTable {
		if d.Event == e {
			return d.Label
		}
	}
	return string(e)
}

// Done says that the event happened, in the words of the message after it:
// 已上报, 当事人已撤回.
func (e Event) Done() string {
	for _, d := range EventTable {
		if d.Event == e && d.Done != "" {
			return d.Done
		}
	}
	return "已" + e.Label()
}

// Label returns the row's button text: the event's name, followed by the
// destination's level when the event leads to several levels (上报村(社区),
// 上报镇(街道)).
func (t Transition) Label() string {
	for _, o := range Table {
		if o.Event == t.Event && o.To != t.To {
			return t.Event.Label() + t.To.Level().Label()
		}
	}
	return t.Event.Label()
}

// Accepts reports whether the event accepts a registered dispute for
// mediation: it leaves the desk for one of the tiers.
func (e Event) Accepts() bool {
	for _, t := range Table {
		if t.Event == e && slices.Contains(t.From, Registered) && t.To.Kind() == KindTier {
			return true
		}
	}
	return false
}

// EndsMediation reports whether the event ends a case's mediation: it
// leads to an agreement, a failure or a withdrawal, the Ministry's 调解纠纷数
// (DESIGN §6); the committee that fires it last is the one whose file the
// case is.
func (e Event) EndsMediation() bool {
	for _, t := range Table {
		if t.Event == e && (t.To == Agreed || t.To == Failed || t.To == Withdrawn) {
			return true
		}
	}
	return false
}

// AcceptEvents lists the events that accept a dispute, in table order.
func AcceptEvents() []Event {
	var out []Event
	for _, e := range Events() {
		if e.Accepts() {
			out = append(out, e)
		}
	}
	return out
}

// Events lists every event in EventTable order.
func Events() []Event {
	out := make([]Event, len(EventTable))
	for i, d := range EventTable {
		out[i] = d.Event
	}
	return out
}

// Lookup returns the row for firing ev from s.
func Lookup(s State, ev Event) (Transition, bool) {
	for _, t := range Table {
		if t.Event == ev && contains(t.From, s) {
			return t, true
		}
	}
	return Transition{}, false
}

// Known reports whether a row of Table fires e.
func (e Event) Known() bool {
	for _, t := range Table {
		if t.Event == e {
			return true
		}
	}
	return false
}

// From returns the rows that may fire from s, in table order.
func From(s State) []Transition {
	var out []Transition
	for _, t := range Table {
		if contains(t.From, s) {
			out = append(out, t)
		}
	}
	return out
}

// LookupActivity returns the rule for an activity in state s; ok is false when
// the activity is unknown or not allowed in s.
func LookupActivity(s State, a Activity) (rule ActivityRule, known, ok bool) {
	for _, r := range Activities {
		if r.Activity == a {
			return r, true, contains(r.In, s)
		}
	}
	return ActivityRule{}, false, false
}

// Rule returns the activity's row of the activity table.
func (a Activity) Rule() (ActivityRule, bool) {
	for _, r := range Activities {
		if r.Activity == a {
			return r, true
		}
	}
	return ActivityRule{}, false
}

// Label returns the activity's Chinese name.
func (a Activity) Label() string {
	if r, ok := a.Rule(); ok {
		return r.Label
	}
	return string(a)
}

// Position says how a user stands relative to a case; engine works it out from
// the unit tree and the case's referral.
type Position struct {
	Role           Role
	AtHandlingUnit bool
	InSubtree      bool
	AtPartner      bool
	OwnCase        bool
}

// Permits reports whether one of grants lets a user at pos act. The system
// actor may do everything the table declares.
func Permits(grants []Grant, pos Position) bool {
	if pos.Role == RoleSystem {
		return true
	}
	for _, g := range grants {
		if g.Role != pos.Role {
			continue
		}
		switch g.Scope {
		case AtHandlingUnit:
			if pos.AtHandlingUnit {
				return true
			}
		case InSubtree:
			if pos.InSubtree {
				return true
			}
		case AtPartner:
			if pos.AtPartner {
				return true
			}
		case OwnCase:
			if pos.OwnCase {
				return true
			}
		}
	}
	return false
}

// Needs reports whether the row requires f.
func (t Transition) Needs(f Field) bool { return contains(t.Requires, f) }

// Takes reports whether the row takes the field, required or not.
func (t Transition) Takes(f Field) bool { return t.Needs(f) || contains(t.Optional, f) }

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
