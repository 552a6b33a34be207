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

// CaseFile is the whole file of one case (卷宗, 一案一卷) as one viewer may
// see it: the case, its timeline with every record, the documents, and what
// the viewer may do now.
type CaseFile struct {
	Case       *engine.Case
	Timeline   []*engine.Event
	Entries    []Entry
	Agreements []*engine.Agreement
	Sessions   []*engine.Session
	Visits     []*engine.FollowUp
	Referrals  []*engine.Referral
	// Confirmations are the steps of judicial confirmation, oldest first.
	Confirmations []*engine.Confirmation
	Notices       []engine.Notice
	// Attachments are the files of the case, oldest first, listed after
	// the documents in the contents list (卷内目录).
	Attachments []*engine.Attachment
	// ConfirmBy ends the open window for judicial confirmation of the latest
	// agreement, nil when it has none.
	ConfirmBy *time.Time
	// Missing is what archiving still needs, for a closed case.
	Missing []string
	// NoticeDue: the case is being mediated and the parties have not been
	// told their rights and duties by the committee that mediates it now,
	// which comes before its first session: a case moved to another
	// committee is told again who mediates it (人民调解法 Art. 23).
	NoticeDue bool
	// Transitions and Activities are what the viewer may start now.
	Transitions []workflow.Transition
	Activities  []workflow.ActivityRule
	// Parties are the case's parties as the viewer may see them; Unmasked
	// says whether their particulars are shown in full.
	Parties   []engine.Party
	Unmasked  bool
	Location  string // the grid's path, 油车港镇 / 麟湖村 / 麟湖村第1网格
	Handling  string // the handling unit's path
	Mediator  string // the assigned mediator's name, "" when none
	Deadlines []Deadline
	// ReportDue says that the case is a major dispute still open whose 专报
	// (or 续报, a week after the last) is due: "专报" or "续报", "" if none is.
	ReportDue string
	// Pressed is the latest 督办 since the tier clock started, nil if none.
	Pressed *engine.Event
	// Town and Committee print on the documents: the case's town and the
	// committee whose file it is.
	Town      *engine.Unit
	Committee *engine.Committee
	// Feedback is what the parties told the committee from the look-up:
	// their confirmations of performance and their ratings.
	Feedback []string
	// Retention is the retention (保管期限) the file's cover states.
	Retention string
	Documents []Document
	// Folded counts the notes of the timeline left out (see CasePage);
	// they were before the entry FoldAt.
	Folded, FoldAt int
	// told: the parties were told their rights since the case came to the
	// committee that mediates it now.
	told bool
	// applied is the committee that took the case into mediation.
	applied *engine.Committee
}

// Entry is one line of the timeline with the record it wrote, if any.
type Entry struct {
	*engine.Event
	Session      *engine.Session
	Visit        *engine.FollowUp
	Agreement    *engine.Agreement
	Referral     *engine.Referral
	Confirmation *engine.Confirmation
	Notice       *engine.Notice
	// Begins: the step took the case into mediation (受理), the first
	// into a tier. Closes: the step closed a case taken into mediation;
	// a refused case, or one referred out before acceptance, is not a
	// people's mediation case and has no closing report.
	Begins, Closes bool
	// Unit is the unit that held the case after the step, and Committee
	// the committee that acted, which the step's document names and seals
	// (the handling unit's for a step of a partner body).
	Unit      *engine.Unit
	Committee *engine.Committee
}

// refusalGrounds words each reason of refusal as the 不予受理告知书 states
// it (人民调解工作若干规定 Art. 22; 人民调解法 Art. 17).
var refusalGrounds = map[string]string{
	"不属于人民调解范围":      "该纠纷依法只能由专门机关管辖处理，或者法律、法规禁止采用民间调解方式解决，不属于人民调解的范围",
	"已由法院/公安/行政机关受理": "该纠纷已由人民法院、公安机关或者其他行政机关受理或者解决",
	"当事人拒绝调解":        "当事人一方明确拒绝调解",
	"其他":             "该纠纷有依法不宜由人民调解委员会受理的其他情形",
}

// Ground words the entry's reason of refusal for the 不予受理告知书: the
// law's words for the reasons of the list, the reason itself otherwise.
func (en *Entry) Ground() string {
	if g, ok := refusalGrounds[en.Reason]; ok {
		return g
	}
	return en.Reason
}

// Document is one document of the file, in the order of its contents list
// (卷内目录).
type Document struct {
	Key   string // the address's last part: cover, application, session-12, …
	Title string
	Entry *Entry // the step the document records, nil for cover and application
	// Committee is the committee that issues the document: the one that
	// took the step, the one applied to for the application, the file's
	// for its cover.
	Committee *engine.Committee
}

// Seal is the text of the seal of the document's committee.
func (d Document) Seal() string { return d.Committee.Seal }

// CaseFile reads the whole file of a case the actor may see, in a fixed
// number of reads. Showing the parties unmasked is an audit row, with where
// as its detail (the page or API address).
func (e *Service) CaseFile(ctx context.Context, a engine.Actor, id int64, where string) (*CaseFile, error) {
	return e.caseFile(ctx, a, id, where, nil)
}

// Fold leaves out of a long timeline the notes (备注) between its first Head
// events and its last Tail: they record nothing the file's documents,
// deadlines or checks read.
type Fold struct {
	Head, Tail int
}

// CasePage reads the file of a case as its page shows it: the notes of a
// long timeline folded (see Fold), so that the page costs as much however
// many notes a case gathers. Folded counts the notes left out and FoldAt
// is the entry they were before.
func (e *Service) CasePage(ctx context.Context, a engine.Actor, id int64, where string, fold Fold) (*CaseFile, error) {
	return e.caseFile(ctx, a, id, where, &fold)
}

func (e *Service) caseFile(ctx context.Context, a engine.Actor, id int64, where string, fold *Fold) (*CaseFile, error) {
	c, err := e.FindCase(ctx, a, id)
	if err != nil {
		return nil, err
	}
	f := &CaseFile{Case: c}
	if fold == nil {
		f.Timeline, err = e.Store.Events(ctx, id)
	} else {
		f.Timeline, err = e.Store.Timeline(ctx, id, fold.Head, fold.Tail)
	}
	if err != nil {
		return nil, err
	}
	for i, ev := range f.Timeline {
		if gap := ev.Seq - (i + 1) - f.Folded; gap > 0 {
			if f.Folded == 0 {
				f.FoldAt = i
			}
			f.Folded += gap
		}
	}
	if f.Agreements, err = e.Store.Agreements(ctx, id); err != nil {
		return nil, err
	}
	if f.Sessions, err = e.Store.Sessions(ctx, id); err != nil {
		return nil, err
	}
	if f.Visits, err = e.Store.FollowUps(ctx, id); err != nil {
		return nil, err
	}
	if f.Referrals, err = e.Store.Referrals(ctx, id); err != nil {
		return nil, err
	}
	if f.Confirmations, err = e.Store.Confirmations(ctx, id); err != nil {
		return nil, err
	}
	if f.Attachments, err = e.Store.Attachments(ctx, id); err != nil {
		return nil, err
	}
	if a.Role == workflow.RolePartner {
		f.forPartner(a)
	}
	if f.Transitions, f.Activities, err = e.Allowed(ctx, a, c); err != nil {
		return nil, err
	}
	// Each step prints the committee it recorded, which another server
	// may have made since this one read the committees.
	committees := []int64{c.CommitteeID}
	for _, ev := range f.Timeline {
		committees = append(committees, ev.CommitteeID)
	}
	t, err := e.TreeWithCommittees(ctx, committees...)
	if err != nil {
		return nil, err
	}
	f.Location, f.Handling = t.Path(c.LocationUnitID), t.Path(c.HandlingUnitID)
	f.Feedback = e.PartyFeedback(f.Timeline)
	f.Town, f.Committee = t.Town(c.LocationUnitID), t.FileCommittee(c)
	f.Retention = e.Retention.FileRetention()
	if c.MediatorID != 0 {
		if u, err := e.Store.FindUser(ctx, c.MediatorID); err == nil {
			f.Mediator = u.Actor().Name
		}
	}
	f.entries(t)
	f.ConfirmBy = e.ConfirmWindow(c, f.Agreements, f.Confirmations)
	if c.State.Terminal() && c.ArchiveNo == "" && c.AcceptedAt != nil {
		f.Missing = engine.Missing(c, f.Timeline, f.Sessions)
	}
	f.NoticeDue = c.State.Kind() == workflow.KindTier && !f.told
	f.Deadlines = e.Deadlines(ctx, c, f.Timeline, f.ConfirmBy)
	f.Pressed = engine.LastPress(c, f.Timeline)
	f.ReportDue = e.reportDue(c, f.Timeline)
	full := e.Unmasks(a, c) || f.seals(a)
	parties, err := e.ShowPartiesIf(ctx, a, []*engine.Case{c}, where, func(*engine.Case) bool { return full })
	if err != nil {
		return nil, err
	}
	f.Parties, f.Unmasked = parties[0], full
	f.Documents = f.documents()
	if a.Role == workflow.RolePartner {
		f.Documents = slices.DeleteFunc(f.Documents, func(d Document) bool {
			return !strings.HasPrefix(d.Key, "referral-") && !strings.HasPrefix(d.Key, "agreement-")
		})
	}
	return f, nil
}

// forPartner keeps of the file what a partner's liaison reads: the
// mediation's steps without their details, the referrals to their body
// with the letters that went with them, the agreements the parties agreed
// to tell the body that referred the dispute in, and none of the
// mediation's own records, which are the parties' and the mediators'.
func (f *CaseFile) forPartner(a engine.Actor) {
	f.Timeline = engine.ForPartner(f.Timeline)
	f.Agreements = engine.SharedWith(a, f.Case, f.Agreements)
	f.Sessions, f.Visits, f.Confirmations, f.Attachments = nil, nil, nil, nil
	f.Referrals = slices.DeleteFunc(f.Referrals, func(r *engine.Referral) bool { return r.PartnerUnitID != a.UnitID })
}

// seals reports whether the actor belongs to a committee that sealed one
// of the case's agreements: it prints them with the parties' particulars.
func (f *CaseFile) seals(a engine.Actor) bool {
	// The administrator keeps accounts, not cases, and sees them masked
	// wherever the account sits, as engine.Unmasks says.
	if a.Role == workflow.RoleAdmin || a.Role == workflow.RolePartner {
		return false
	}
	for _, en := range f.Entries {
		if en.Agreement != nil && en.Committee != nil && en.Committee.UnitID == a.UnitID {
			return true
		}
	}
	return false
}

// entries joins each event of the timeline with the record it wrote and
// the committee that acted.
func (f *CaseFile) entries(t *engine.Tree) {
	byEvent := map[int64]*Entry{}
	f.Entries = make([]Entry, len(f.Timeline))
	began := false
	var mediating *engine.Committee
	for i, ev := range f.Timeline {
		committee := t.Committee(ev.CommitteeID)
		if committee == nil {
			committee = t.CommitteeOf(ev.UnitID)
		}
		f.Entries[i] = Entry{Event: ev, Unit: t.Unit(ev.UnitID), Committee: committee}
		byEvent[ev.ID] = &f.Entries[i]
		// A step into a tier hands the case to the committee of the unit
		// that holds it next, whoever took the step (the desk routes it).
		if took := t.CommitteeOf(ev.UnitID); ev.Transition() && ev.To.Kind() == workflow.KindTier && took != mediating {
			mediating, f.told = took, false
		}
		if ev.Transition() && ev.To.Kind() == workflow.KindTier && !began {
			f.Entries[i].Begins, began, f.applied = true, true, mediating
		}
		f.Entries[i].Closes = ev.Transition() && ev.To.Terminal() && began
		// A partner's liaison reads the step without its data.
		if ev.Name == workflow.RightsNotice.Step() && ev.Data.NoticeGiven != nil {
			n := engine.Notice{To: ev.Data.NoticeTo, Given: *ev.Data.NoticeGiven}
			f.Entries[i].Notice = &n
			f.Notices = append(f.Notices, n)
			f.told = true
		}
	}
	attach(byEvent, f.Sessions, func(s *engine.Session) int64 { return s.EventID }, func(en *Entry, s *engine.Session) { en.Session = s })
	attach(byEvent, f.Visits, func(v *engine.FollowUp) int64 { return v.EventID }, func(en *Entry, v *engine.FollowUp) { en.Visit = v })
	attach(byEvent, f.Agreements, func(a *engine.Agreement) int64 { return a.EventID }, func(en *Entry, a *engine.Agreement) { en.Agreement = a })
	attach(byEvent, f.Referrals, func(r *engine.Referral) int64 { return r.EventID }, func(en *Entry, r *engine.Referral) { en.Referral = r })
	attach(byEvent, f.Confirmations, func(x *engine.Confirmation) int64 { return x.EventID },
		func(en *Entry, x *engine.Confirmation) { en.Confirmation = x })
}

// attach sets each record on the timeline entry of the event that wrote it.
func attach[T any](byEvent map[int64]*Entry, records []T, event func(T) int64, set func(*Entry, T)) {
	for _, r := range records {
		if en := byEvent[event(r)]; en != nil {
			set(en, r)
		}
	}
}

// documents lists the file's documents in the order of the Ministry's
// contents (卷内目录): cover, application, acceptance or refusal, the notice
// of rights and duties, session records, agreements, judicial confirmation,
// follow-up visits, referral letters, the notice of termination and the
// closing report.
func (f *CaseFile) documents() []Document {
	c := f.Case
	application := "人民调解受理登记表"
	if c.Source == "当事人申请" {
		application = "人民调解申请书"
	}
	// The application is to the committee that took the case into
	// mediation, or, if none did, to the one that refused or referred it.
	applied := f.Committee
	if f.applied != nil {
		applied = f.applied
	}
	out := []Document{{Key: "cover", Title: "卷宗封面及卷内目录", Committee: f.Committee},
		{Key: "application", Title: application, Committee: applied}}
	for _, kind := range documentKinds {
		for i := range f.Entries {
			en := &f.Entries[i]
			id, title, ok := kind.of(en)
			if !ok {
				continue
			}
			key := kind.key
			if id != 0 {
				key = fmt.Sprintf("%s-%d", kind.key, id)
			}
			committee := en.Committee
			if committee == nil {
				committee = f.Committee
			}
			out = append(out, Document{Key: key, Title: title, Entry: en, Committee: committee})
		}
	}
	// The first 专报 of a major dispute is its 首报, the later ones 续报.
	reports := 0
	for i := range out {
		if strings.HasPrefix(out[i].Key, "major-") {
			if reports == 0 {
				out[i].Title += "（首报）"
			} else {
				out[i].Title += fmt.Sprintf("（续报第%d次）", reports)
			}
			reports++
		}
	}
	// The back cover (卷内备考表) closes the file of a case taken into
	// mediation, after the attachments.
	if c.AcceptedAt != nil {
		out = append(out, Document{Key: "back", Title: "卷内备考表", Committee: f.Committee})
	}
	return out
}

// documentKinds are the documents a timeline entry may give, in the order
// of the contents list. of returns the record's id (0 for a document of
// which a case has one), the title, and whether the entry gives it.
var documentKinds = []struct {
	key string
	of  func(en *Entry) (int64, string, bool)
}{
	{"acceptance", func(en *Entry) (int64, string, bool) {
		return 0, "人民调解受理通知书", en.Begins
	}},
	{"refusal", func(en *Entry) (int64, string, bool) {
		return 0, "不予受理告知书", en.Name == workflow.Reject.Step()
	}},
	{"rights", func(en *Entry) (int64, string, bool) {
		return en.ID, "人民调解权利义务告知书", en.Notice != nil
	}},
	{"session", func(en *Entry) (int64, string, bool) {
		if en.Session == nil {
			return 0, "", false
		}
		return en.Session.ID, "人民调解记录", true
	}},
	{"agreement", func(en *Entry) (int64, string, bool) {
		switch {
		case en.Agreement == nil:
			return 0, "", false
		case en.Agreement.Written():
			return en.Agreement.ID, "人民调解协议书", true
		}
		return en.Agreement.ID, "口头协议登记表", true
	}},
	{"confirmation", func(en *Entry) (int64, string, bool) {
		if en.Confirmation == nil {
			return 0, "", false
		}
		return en.Confirmation.ID, "司法确认情况记录", true
	}},
	{"visit", func(en *Entry) (int64, string, bool) {
		if en.Visit == nil {
			return 0, "", false
		}
		return en.Visit.ID, "人民调解回访记录", true
	}},
	{"referral", func(en *Entry) (int64, string, bool) {
		if en.Referral == nil {
			return 0, "", false
		}
		return en.Referral.ID, "移交函", true
	}},
	{"termination", func(en *Entry) (int64, string, bool) {
		return 0, "调解终止书", en.Transition() && (en.To == workflow.Failed || en.To == workflow.Withdrawn)
	}},
	{"major", func(en *Entry) (int64, string, bool) {
		return en.ID, "重大纠纷专报", en.Data.Major != nil
	}},
	{"closing", func(en *Entry) (int64, string, bool) { return 0, "结案报告", en.Closes }},
}

// Archivist is who archived the file (立卷人), "" before it is archived.
func (f *CaseFile) Archivist() string {
	for _, ev := range f.Timeline {
		if ev.Name == workflow.Archive.Step() {
			return ev.ActorName
		}
	}
	return ""
}

// Performance says how the agreement was performed, for the closing report.
func (f *CaseFile) Performance() string {
	switch {
	case f.Case.AgreedAt == nil:
		return "未达成调解协议"
	case f.Case.State == workflow.Fulfilled:
		return "经回访，协议已履行完毕"
	case f.Case.State == workflow.Unperformed:
		return "经回访督促，协议未履行，已告知当事人依法通过其他途径解决"
	}
	return "—"
}

// AgreementOf returns the agreement in force at the entry: the latest made
// at or before it, nil if none.
func (f *CaseFile) AgreementOf(en *Entry) *engine.Agreement {
	var out *engine.Agreement
	for _, a := range f.Agreements {
		if !a.SignedAt.After(en.At) {
			out = a
		}
	}
	return out
}

// Document returns the file's document with key, or ENOTFOUND.
func (f *CaseFile) Document(key string) (*Document, error) {
	for i := range f.Documents {
		if f.Documents[i].Key == key {
			return &f.Documents[i], nil
		}
	}
	return nil, engine.Errorf(engine.ENOTFOUND, "本案卷宗中没有这份文书。")
}

// reportDue says which report a major dispute still open owes: its 专报,
// or a 续报 a week after the last one; "" when none is owed.
func (e *Service) reportDue(c *engine.Case, timeline []*engine.Event) string {
	if !c.Major() || !c.State.Open() {
		return ""
	}
	var last *time.Time
	for _, ev := range timeline {
		if ev.Name == workflow.MajorReport.Step() {
			at := ev.At
			last = &at
		}
	}
	switch {
	case last == nil:
		return "专报"
	case e.Now().Sub(*last) >= engine.MajorReportEvery:
		return "续报"
	}
	return ""
}
