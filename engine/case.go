package engine

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Risk is a case's risk colour.
type Risk string

// The risk colours.
const (
	RiskGreen  Risk = "green"
	RiskYellow Risk = "yellow"
	RiskRed    Risk = "red"
)

// Label returns the colour's Chinese name.
func (r Risk) Label() string {
	switch r {
	case RiskGreen:
		return "绿色(低)"
	case RiskYellow:
		return "黄色(中)"
	case RiskRed:
		return "红色(高)"
	}
	return string(r)
}

// Risks lists the colours, from the lowest risk up.
var Risks = []Risk{RiskGreen, RiskYellow, RiskRed}

// Valid reports whether r is a declared colour.
func (r Risk) Valid() bool { return slices.Contains(Risks, r) }

// Case is one dispute, from registration to closing (DESIGN §5).
type Case struct {
	ID      int64
	TownID  int64
	Year    int
	Seq     int
	Number  string // 油调〔2026〕0007号
	Code    string // the public code a party looks the case up by
	State   workflow.State
	Version int // rises by one with every event

	LocationUnitID int64 // the grid where the dispute arose
	HandlingUnitID int64 // the unit whose mediators hold it now
	// CommitteeID is the committee whose mediation ended the case (its
	// agreement, failure or withdrawal; after a re-mediation, the last),
	// whose file it is; 0 before.
	CommitteeID int64
	MediatorID  int64 // the assigned mediator, 0 when none

	Source       string
	Category     string
	Amount       int64 // amount involved, in fen (分)
	People       int
	Risk         Risk
	Flags        []string
	CrossVillage bool // the parties live in different villages
	Summary      string
	Requests     string

	// Columns kept in step with the events, for lists and reports.
	OpenedAt        time.Time
	AcceptedAt      *time.Time // first acceptance
	ReferredAt      *time.Time // first referral to a partner
	AgreedAt        *time.Time // first agreement
	AgreedTier      workflow.Level
	AgreedKind      string // of the first agreement: written or oral
	AgreementAmount int64  // of the first agreement, in fen
	// AgreementKind is the kind of the latest agreement, "" before any;
	// AgreementSubject, what it settles.
	AgreementKind    string
	AgreementSubject string
	ClosedAt         *time.Time
	Outcome          workflow.State // the terminal state, "" while open
	// ArchiveNo is the file number given at archiving (归档), as
	// （2026）油人调字第3号; "" until then.
	ArchiveNo  string
	ArchivedAt *time.Time
	// AnonymisedAt is when the retention rules cleared the parties'
	// particulars and the attachments of a case closed without being taken
	// into mediation (see Retention); nil while they are kept.
	AnonymisedAt *time.Time

	// Deadlines (DESIGN §4).
	TierStartedAt *time.Time // when the current state's clock started
	DueAt         *time.Time // the current state's deadline
	OverallDueAt  *time.Time // the whole mediation's deadline
	SuspendedAt   *time.Time // set while the clocks are stopped
	SupervisedAt  *time.Time // last 督办
	FlaggedDueAt  *time.Time // the latest passed deadline the scheduler flagged
	// LastEventAt is the time of the latest event: the report reads a
	// case's state at a past month's end from its columns when nothing
	// happened since.
	LastEventAt time.Time
	// MovedAt is the time of the latest event that changed the state or a
	// deadline: the report reads a case's state and lateness at a past
	// period's end from its columns when nothing moved them since, though
	// a scheduler's flag or a note came after. Nil on the cases of a
	// database older than it, where LastEventAt stands in.
	MovedAt *time.Time

	CreatedBy int64
	ImportKey string // set on imported cases, so a second import skips them

	// PartnerUnitID is the partner body the case is referred to and waits
	// on now, 0 when it waits on none; SignedAt is when that partner signed
	// for it (签收), nil until then.
	PartnerUnitID int64
	SignedAt      *time.Time
	// SenderUnitID is the partner body that referred the dispute in (警调,
	// 诉调, 访调), 0 for the others; ExternalID is the sender's own id for
	// it, when its system sent it.
	SenderUnitID int64
	ExternalID   string

	Parties []*Party // loaded by FindCase
}

// Facts are the case's facts as routing reads them.
func (c *Case) Facts() Facts {
	return Facts{Category: c.Category, Amount: c.Amount, People: c.People, Risk: c.Risk, Flags: c.Flags, CrossVillage: c.CrossVillage}
}

// GraveFlags are the flags that make a dispute as grave as a red risk
// whatever its risk: it is taken up within red's hours, by the town.
var GraveFlags = []string{FlagCivilToCriminal, FlagGroupPetition, FlagGroupFight, FlagSuicide, FlagDeath}

// ResponseRisk grades a dispute for its response clock (DESIGN §10): red
// when its risk is red or it carries one of GraveFlags, else its risk.
func ResponseRisk(risk Risk, flags []string) Risk {
	for _, f := range flags {
		if slices.Contains(GraveFlags, f) {
			return RiskRed
		}
	}
	return risk
}

// Grave reports whether the case is graded red for its response: the
// town takes it up, and its supervisors are told at once.
func (c *Case) Grave() bool { return ResponseRisk(c.Risk, c.Flags) == RiskRed }

// MajorPeople is how many people make a dispute major whatever its risk.
const MajorPeople = 10

// Major reports whether the case is a major dispute (重大纠纷), reported up
// to the county with 专报 and 续报 until it is closed: a grave one, or one
// of MajorPeople or more.
func (c *Case) Major() bool { return c.Grave() || c.People >= MajorPeople }

// MajorReportEvery is how often a major dispute is reported again (续报)
// until it is closed.
const MajorReportEvery = 7 * 24 * time.Hour

// MajorReport is a 重大纠纷专报 or 续报: what has been done and what is to
// be done, and the case's risk, flags and state when it was sent, which
// the printed report gives as they were then.
type MajorReport struct {
	Measures string         `json:"measures"`
	Next     string         `json:"next"`
	Risk     Risk           `json:"risk"`
	Flags    []string       `json:"flags,omitempty"`
	State    workflow.State `json:"state"`
}

// HasFlag reports whether the case carries flag key.
func (c *Case) HasFlag(key string) bool {
	for _, f := range c.Flags {
		if f == key {
			return true
		}
	}
	return false
}

// Overdue reports whether an open case's state or overall deadline had
// passed at now. A suspended case is never overdue: its clocks are stopped.
func (c *Case) Overdue(now time.Time) bool {
	from := c.OverdueFrom()
	return from != nil && !now.Before(*from)
}

// OverdueFrom returns the moment from which the case is overdue while its
// state and deadlines stay as they are (its first deadline), or nil if it
// never is: the months' counts keep the cases overdue at each month's end
// by it.
func (c *Case) OverdueFrom() *time.Time {
	if !c.State.Open() || c.SuspendedAt != nil || c.State.Terminal() {
		return nil
	}
	var first *time.Time
	for _, d := range []*time.Time{c.DueAt, c.overallDue()} {
		if d != nil && (first == nil || d.Before(*first)) {
			first = d
		}
	}
	return first
}

// LatestPassed returns the latest of the case's deadlines that had passed at
// now (a deadline passes at its very moment), or nil. The state's own
// deadline counts in every state that has one, 回访 included; the overall
// deadline only while the case is being mediated.
func (c *Case) LatestPassed(now time.Time) *time.Time {
	if c.SuspendedAt != nil || c.State.Terminal() {
		return nil
	}
	var latest *time.Time
	for _, d := range []*time.Time{c.DueAt, c.overallDue()} {
		if d != nil && !now.Before(*d) && (latest == nil || d.After(*latest)) {
			latest = d
		}
	}
	return latest
}

// Missed names the deadline an overdue case missed first, the one it is
// longest late on, and when it fell; it is "" and nil when the case was not
// overdue at now. Every list of overdue cases shows this one figure.
func (c *Case) Missed(now time.Time) (string, *time.Time) {
	if !c.Overdue(now) {
		return "", nil
	}
	def, _ := c.State.Def()
	name, at := def.Deadline, c.DueAt
	if o := c.overallDue(); o != nil && !now.Before(*o) && (at == nil || now.Before(*at) || o.Before(*at)) {
		name, at = "调解总期限", o
	}
	return name, at
}

func (c *Case) overallDue() *time.Time {
	if c.State.Level() == "" {
		return nil
	}
	return c.OverallDueAt
}

// Party is one side's person or organisation (当事人).
type Party struct {
	ID       int64
	CaseID   int64
	Side     string // applicant or respondent
	Kind     string // person or organisation
	Name     string
	Sex      string // 男, 女 or empty
	IDNumber string
	Phone    string
	Address  string
	Consent  string // yes, no, or "" while unknown
	// The particulars a written agreement prints (人民调解协议书).
	Ethnicity      string // 民族
	BirthDate      string // 2006-01-02, "" when unknown
	Occupation     string // occupation or employer
	Representative string // an organisation's legal representative
}

// Party sides and kinds.
const (
	SideApplicant  = "applicant"
	SideRespondent = "respondent"
	KindPerson     = "person"
	KindOrg        = "organisation"
)

// Sides lists the parties' sides with their Chinese names, in the order
// forms offer them.
var Sides = []struct{ Value, Label string }{{SideApplicant, "申请方"}, {SideRespondent, "被申请方"}}

var (
	idNumberRE = regexp.MustCompile(`^\d{17}[\dX]$`)
	phoneRE    = regexp.MustCompile(`^(1\d{10}|0\d{2,3}-?\d{7,8})$`)
)

// Validate checks a party; i is its position on the form, for messages.
func (p *Party) Validate(i int) error {
	var v FieldErrors
	p.check(i, &v)
	return v.Err()
}

// check records every mistake in a party into v.
func (p *Party) check(i int, v *FieldErrors) {
	field := func(f string) string { return "parties." + itoa(i) + "." + f }
	p.Name = strings.TrimSpace(p.Name)
	p.IDNumber = CleanIDNumber(p.IDNumber)
	p.Phone = CleanPhone(p.Phone)
	p.Address = strings.TrimSpace(p.Address)
	if p.Kind == "" {
		p.Kind = KindPerson
	}
	if p.Side != SideApplicant && p.Side != SideRespondent {
		v.Add(field("side"), "第%d位当事人：请选择申请方或被申请方。", i+1)
	}
	if p.Kind != KindPerson && p.Kind != KindOrg {
		v.Add(field("kind"), "第%d位当事人：类型必须是个人或单位。", i+1)
	}
	switch {
	case p.Name == "":
		v.Add(field("name"), "第%d位当事人：请填写姓名或单位名称。", i+1)
	case len([]rune(p.Name)) > 100:
		v.Add(field("name"), "第%d位当事人：名称不能超过100个字。", i+1)
	}
	if p.Sex != "" && p.Sex != "男" && p.Sex != "女" {
		v.Add(field("sex"), "第%d位当事人：性别只能是男或女。", i+1)
	}
	if p.IDNumber != "" && p.Kind == KindPerson && !ValidIDNumber(p.IDNumber) {
		v.Add(field("id_number"), "第%d位当事人：身份证号码“%s”无效（应为18位，末位校验码需正确）。", i+1, p.IDNumber)
	}
	if p.Phone != "" && !ValidPhone(p.Phone) {
		v.Add(field("phone"), "第%d位当事人：电话号码“%s”无效（手机11位，或带区号的固定电话）。", i+1, p.Phone)
	}
	if p.Consent != "" && p.Consent != "yes" && p.Consent != "no" {
		v.Add(field("consent"), "第%d位当事人：是否同意调解只能是同意或不同意。", i+1)
	}
	p.Ethnicity, p.Occupation, p.Representative = strings.TrimSpace(p.Ethnicity), strings.TrimSpace(p.Occupation), strings.TrimSpace(p.Representative)
	if p.BirthDate = strings.TrimSpace(p.BirthDate); p.BirthDate != "" {
		if d, err := time.Parse(time.DateOnly, p.BirthDate); err != nil || d.Year() < 1900 || d.Year() > 2100 {
			v.Add(field("birth_date"), "第%d位当事人：出生日期“%s”无效，应如 1965-05-12。", i+1, p.BirthDate)
		}
	}
	for f, s := range map[string]string{"ethnicity": p.Ethnicity, "occupation": p.Occupation, "representative": p.Representative} {
		if len([]rune(s)) > 100 {
			v.Add(field(f), "第%d位当事人：不能超过100个字。", i+1)
		}
	}
}

// Age returns the party's age in whole years on day, or -1 when the birth
// date is unknown; an ID number gives it when no birth date was typed.
func (p *Party) Age(day time.Time) int {
	birth := p.BirthDate
	if birth == "" && ValidIDNumber(p.IDNumber) {
		birth = p.IDNumber[6:10] + "-" + p.IDNumber[10:12] + "-" + p.IDNumber[12:14]
	}
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return -1
	}
	age := day.Year() - b.Year()
	if day.YearDay() < b.YearDay() {
		age--
	}
	return age
}

// ValidPhone checks a phone number as CleanPhone writes it: a mobile's 11
// digits, or a landline with its area code.
func ValidPhone(s string) bool { return phoneRE.MatchString(s) }

// ValidIDNumber checks an 18-character resident ID number and its ISO 7064
// check character.
func ValidIDNumber(s string) bool {
	if !idNumberRE.MatchString(s) {
		return false
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return "10X98765432"[sum%11] == s[17]
}

// MaskedIDNumber shows the first 6 and last 4 characters only.
func (p *Party) MaskedIDNumber() string { return MaskIDNumber(p.IDNumber) }

// MaskIDNumber shows the first 6 and last 4 characters of an ID number
// only, as every masked view does.
func MaskIDNumber(s string) string { return mask(s, 6, 4) }

// MaskPhone shows the first 3 and last 4 digits of a phone only.
func MaskPhone(s string) string { return mask(s, 3, 4) }

// MaskedPhone shows the first 3 and last 4 digits only.
func (p *Party) MaskedPhone() string { return MaskPhone(p.Phone) }

func mask(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// Agreement is a mediation agreement (人民调解法 Art. 28-29).
type Agreement struct {
	ID          int64
	CaseID      int64
	EventID     int64
	Kind        string // written or oral
	Facts       string // facts, points in dispute, each side's responsibility
	Terms       string
	Performance string // how and where it is performed
	DueAt       *time.Time
	Amount      int64     // in fen
	SignedAt    time.Time // when it took effect
	Copies      int       // parties + 1; 0 for an oral agreement
	Tier        workflow.Level
	Place       string // where it was signed
	// OralConfirmed: the parties chose an oral agreement although it
	// carries an amount or an obligation to perform later.
	OralConfirmed bool
	// Shared: the parties agreed that the partner body that referred the
	// dispute in reads the terms.
	Shared bool
	// Subject is what the agreement settles: SubjectRights (the default),
	// SubjectStatus or SubjectTitle.
	Subject string
	// Number is the sealing committee's 人调字 number for the agreement,
	// as （2026）油麟人调字第3号, and CommitteeID that committee; "" and 0
	// for agreements made before agreements were numbered.
	Number      string
	CommitteeID int64
}

// Agreement kinds.
const (
	AgreementWritten = "written"
	AgreementOral    = "oral"
)

// What an agreement settles. Courts confirm (司法确认) agreements on the
// parties' civil rights and obligations, including those of a marriage or
// family dispute (赡养费, 抚养费, a division of property), but not those
// on a relation of status itself (婚姻、亲子、收养) nor on the ownership
// of property or intellectual property (确权): 法释〔2011〕5号 Art. 4, 民诉法
// 解释 Art. 355.
const (
	SubjectRights = ""
	SubjectStatus = "status"
	SubjectTitle  = "title"
)

// AgreementSubjects lists the subjects with their Chinese names, in the
// order forms offer them.
var AgreementSubjects = []struct{ Value, Label string }{
	{SubjectRights, "民事权利义务（赔偿、债务、赡养费、抚养费、财产分割等）"},
	{SubjectStatus, "身份关系本身（婚姻、亲子、收养关系的确认或解除）"},
	{SubjectTitle, "物权或知识产权的确权"},
}

// Confirmable reports whether courts confirm an agreement on its subject:
// a written one on civil rights and obligations.
func (a *Agreement) Confirmable() bool { return a.Written() && a.Subject == SubjectRights }

// Written reports whether the agreement is a written 调解协议书.
func (a *Agreement) Written() bool { return a.Kind == AgreementWritten }

// Validate checks an agreement.
func (a *Agreement) Validate() error {
	a.Terms = strings.TrimSpace(a.Terms)
	switch {
	case a.Kind != AgreementWritten && a.Kind != AgreementOral:
		return Invalid("agreement.kind", "请选择书面协议或口头协议。")
	case a.Subject != SubjectRights && a.Subject != SubjectStatus && a.Subject != SubjectTitle:
		return Invalid("agreement.subject", "请选择协议事项。")
	case a.Terms == "":
		return Invalid("agreement.terms", "请填写协议内容。")
	case a.Kind == AgreementWritten && strings.TrimSpace(a.Performance) == "":
		return Invalid("agreement.performance", "书面协议须写明履行方式、地点。")
	case !FenInRange(a.Amount):
		return Invalid("agreement.amount", "协议金额应在0至100亿元之间。")
	case a.Kind == AgreementOral && (a.Amount > 0 || a.DueAt != nil) && !a.OralConfirmed:
		// 人民调解工作若干规定 Art. 34: an agreement with rights and
		// duties to perform is written unless the parties choose otherwise.
		return Invalid("agreement.oral_confirmed", "该协议涉及金额或日后履行的义务，建议采用书面协议；如当事人选择口头协议，请勾选确认。")
	}
	a.Place = strings.TrimSpace(a.Place)
	return nil
}

// Event is one line of a case's append-only timeline: a transition or an
// activity.
type Event struct {
	ID     int64
	CaseID int64
	Seq    int // the case's version after this event
	Name   workflow.Step
	From   workflow.State
	To     workflow.State
	UnitID int64 // the handling unit after the event
	// CommitteeID is the committee that acted (Tree.ActingCommittee), 0
	// for a partner body's step.
	CommitteeID int64
	ActorID     int64 // 0 for the system
	ActorName   string
	Role        workflow.Role
	At          time.Time
	Reason      string
	Automatic   bool
	Data        EventData
	// The case's deadlines after the event, so that the event log tells
	// which cases were overdue at any moment.
	DueAt        *time.Time
	OverallDueAt *time.Time
	SuspendedAt  *time.Time
}

// Transition reports whether the event changed the state.
func (e *Event) Transition() bool { return e.Name.Transition() }

// Label returns the event's Chinese name.
func (e *Event) Label() string { return e.Name.Label() }

// EventData is what an event records beyond its columns: each field is set
// by the steps its comment names and left empty by the others. It is
// encoded once, as a JSON object whose keys (the json tags) the store's
// queries and the API read.
type EventData struct {
	// Source and Category: the registration (open).
	Source   string `json:"source,omitempty"`
	Category string `json:"category,omitempty"`
	// Unit is the code of the unit that took the case: an acceptance, an
	// escalation, a hand-down, a return.
	Unit string `json:"unit,omitempty"`
	// Routes are the other ways the parties were told of (reject, fail,
	// close_unperformed).
	Routes []string `json:"routes,omitempty"`
	// Note is the free text of a note, 督办 or any step that takes one.
	Note string `json:"note,omitempty"`
	// AgreementKind and Amount (fen) are the agreement's (agree).
	AgreementKind string `json:"agreement_kind,omitempty"`
	Amount        int64  `json:"amount,omitempty"`
	// Partner and PartnerUnit name the body a case is referred to (refer).
	Partner     string `json:"partner,omitempty"`
	PartnerUnit string `json:"partner_unit,omitempty"`
	// Result is the partner's result (partner_close).
	Result string `json:"result,omitempty"`
	// Party is the party who withdrew, or who was added.
	Party string `json:"party,omitempty"`
	// Mediator is the name of the mediator assigned.
	Mediator string `json:"mediator,omitempty"`
	// PausedSeconds is how long the clocks stood still (resume).
	PausedSeconds int64 `json:"paused_seconds,omitempty"`
	// Days is the extension granted (extend).
	Days int `json:"days,omitempty"`
	// Risk is the new risk colour (risk).
	Risk string `json:"risk,omitempty"`
	// NoticeTo and NoticeGiven: who was told their rights and duties, and
	// on which day (rights_notice).
	NoticeTo    string     `json:"to,omitempty"`
	NoticeGiven *time.Time `json:"given,omitempty"`
	// Confirmation is the kind of a step of judicial confirmation
	// (confirm).
	Confirmation string `json:"confirmation,omitempty"`
	// Due is the deadline that had passed (overdue).
	Due *time.Time `json:"due,omitempty"`
	// Files are the names of the files attached (attach).
	Files string `json:"files,omitempty"`
	// Major is a 重大纠纷专报's (major_report).
	Major *MajorReport `json:"major,omitempty"`
	// Rating is a party's rating of the service (party_rating).
	Rating *Rating `json:"rating,omitempty"`
}

// Session is a mediation session record (调解记录).
type Session struct {
	ID           int64
	CaseID       int64
	EventID      int64
	At           time.Time
	Place        string
	Participants string
	Record       string
	// NextAt and NextPlace fix the next session, nil and "" when none
	// was fixed; the parties are told of it.
	NextAt    *time.Time
	NextPlace string
	// Mediators names the other mediators who took part besides the one
	// recording, such as a village cadre on the registry without an
	// account; "" for none.
	Mediators string
}

// FollowUp is a follow-up visit (回访记录).
type FollowUp struct {
	ID        int64
	CaseID    int64
	EventID   int64
	At        time.Time
	Visited   string // who was visited
	Performed bool   // the agreement has been performed
	Findings  string
	// Satisfaction is the parties' view of the mediation, from
	// Satisfactions; "" when it was not asked.
	Satisfaction string
	// Sued: a party has gone to court over the dispute since. Recurred:
	// the dispute has flared up again.
	Sued, Recurred bool
}

// SatisfactionLabel names the visit's answer on satisfaction in Chinese,
// "" when it was not asked.
func (f *FollowUp) SatisfactionLabel() string { return SatisfactionLabel(f.Satisfaction) }

// Satisfactions are the answers of the 回访记录 on the parties'
// satisfaction, with their Chinese names.
var Satisfactions = []struct{ Value, Label string }{
	{"satisfied", "满意"}, {"fair", "基本满意"}, {"dissatisfied", "不满意"},
}

// Validate checks a follow-up.
func (f *FollowUp) Validate() error {
	if strings.TrimSpace(f.Visited) == "" {
		return Invalid("visit.visited", "请填写回访对象。")
	}
	if strings.TrimSpace(f.Findings) == "" {
		return Invalid("visit.findings", "请填写回访情况。")
	}
	if f.Satisfaction != "" && !slices.ContainsFunc(Satisfactions, func(s struct{ Value, Label string }) bool { return s.Value == f.Satisfaction }) {
		return Invalid("visit.satisfaction", "满意度只能是满意、基本满意或不满意。")
	}
	return nil
}

// Referral is a hand-over to a partner body and, later, its feedback.
type Referral struct {
	ID            int64
	CaseID        int64
	EventID       int64
	Partner       string // the partner's name when the case was referred
	PartnerUnitID int64
	Reason        string
	At            time.Time
	DueAt         time.Time
	SignedAt      *time.Time // when the partner signed for it (签收)
	ResolvedAt    *time.Time
	Result        string // returned for mediation, or the partner's result
	// Returned: the partner sent the case back for mediation.
	Returned bool
}

// OnTime reports whether the partner's feedback came by the referral's
// deadline; false while none came.
func (r *Referral) OnTime() bool { return r.ResolvedAt != nil && !r.ResolvedAt.After(r.DueAt) }
