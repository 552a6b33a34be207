package engine

import (
	"context"
	"fmt"
	"slices"
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
	ConfirmRefused   = "refused"   // the court refused (不予确认)
	ConfirmNone      = "none"      // the parties made no application
)

// ConfirmLabels names the kinds in Chinese.
var ConfirmLabels = map[string]string{ConfirmApplied: "双方共同申请司法确认", ConfirmConfirmed: "法院裁定确认有效",
	ConfirmRefused: "法院裁定不予确认", ConfirmNone: "当事人未申请司法确认"}

// Label returns the step's Chinese name.
func (c *Confirmation) Label() string { return ConfirmLabels[c.Kind] }

// unconfirmable are the categories courts do not confirm (司法确认 is not
// for marriage, identity or adoption matters, 法释〔2011〕5号).
var unconfirmable = []string{"婚姻家庭"}

// ConfirmDeadline returns the end of the window in which both parties may
// apply for judicial confirmation of ag (人民调解法 Art. 33): 30 days counted
// from the day after it took effect (民法典 Art. 201), the last day ending at
// 24:00 local time and moving to the next working day of the town's calendar
// when it is a holiday (Art. 203). It is nil for an oral agreement and for
// the categories courts do not confirm.
func (e *Engine) ConfirmDeadline(c *Case, ag *Agreement) *time.Time {
	if ag == nil || !ag.Written() || slices.Contains(unconfirmable, c.Category) {
		return nil
	}
	signed := ag.SignedAt.In(e.Location)
	last := time.Date(signed.Year(), signed.Month(), signed.Day(), 0, 0, 0, 0, e.Location).AddDate(0, 0, 30)
	for !e.Calendar.Working(last, e.Location) {
		last = last.AddDate(0, 0, 1)
	}
	end := last.AddDate(0, 0, 1)
	return &end
}

// checkConfirmation validates a step of judicial confirmation against the
// agreement it is about and the steps before it.
func (e *Engine) checkConfirmation(c *Case, ag *Agreement, earlier []*Confirmation, in *Confirmation) error {
	deadline := e.ConfirmDeadline(c, ag)
	if deadline == nil {
		return Errorf(ECONFLICT, "本案的协议不适用司法确认（口头协议，或婚姻、身份、收养等事项）。")
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
			return Invalid("confirmation.day", "已超过司法确认申请期限（%s 24时）。", deadline.AddDate(0, 0, -1).Format("2006年1月2日"))
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
		return Invalid("confirmation.kind", "请选择：双方共同申请、确认有效、不予确认或未申请。")
	}
	in.AgreementID = ag.ID
	return nil
}

// dayOf returns the local midnight that begins t's day.
func (e *Engine) dayOf(t time.Time) time.Time {
	l := t.In(e.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, e.Location)
}

// Archiving is what archiving writes besides the case's columns: its file
// number, taken from the committee's sequence of the year.
type Archiving struct {
	CommitteeID int64
	Year        int
	Number      func(seq int) string
}

// missing lists, in Chinese, what a closed case's file lacks before it may be
// archived (归档): the records its path requires.
func missing(c *Case, timeline []*Event, sessions []*Session) []string {
	var out []string
	accepted, notified := c.AcceptedAt != nil, false
	for _, ev := range timeline {
		notified = notified || ev.Name == string(workflow.RightsNotice)
	}
	if accepted && !notified {
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

// archiveNumber formats a file number, per committee per year: the town
// committee's as （2026）油人调字第3号, a village committee's with the village
// name's first character, （2026）油麟人调字第3号.
func archiveNumber(t *Tree, committee *Unit, year int) func(int) string {
	prefix := ""
	if town := t.Town(committee.ID); town != nil {
		prefix = town.CasePrefix
	}
	if committee.Level != workflow.LevelTown {
		prefix += string([]rune(committee.Name)[:1])
	}
	return func(seq int) string { return fmt.Sprintf("（%d）%s人调字第%d号", year, prefix, seq) }
}

// FileCommittee is the committee whose file a case is: the one of its
// handling unit (a grid's is its village's).
func (t *Tree) FileCommittee(c *Case) *Unit {
	return t.Committee(c, &Agreement{Tier: t.Unit(c.HandlingUnitID).Level})
}

// CaseFile is the whole file of one case (卷宗, 一案一卷) as one viewer may
// see it: the case, its timeline with every record, the documents, and what
// the viewer may do now.
type CaseFile struct {
	Case       *Case
	Timeline   []*Event
	Entries    []Entry
	Agreements []*Agreement
	Sessions   []*Session
	Visits     []*FollowUp
	Referrals  []*Referral
	// Confirmations are the steps of judicial confirmation, oldest first.
	Confirmations []*Confirmation
	Notices       []Notice
	// Attachments are the files of the case, oldest first, listed after
	// the documents in the contents list (卷内目录).
	Attachments []*Attachment
	// ConfirmBy ends the window for judicial confirmation of the latest
	// agreement, nil when it has none.
	ConfirmBy *time.Time
	// Missing is what archiving still needs, for a closed case.
	Missing []string
	// NoticeDue: the case is being mediated and the parties have not been
	// told their rights and duties yet, which comes before the first
	// session.
	NoticeDue bool
	// Transitions and Activities are what the viewer may start now.
	Transitions []workflow.Transition
	Activities  []workflow.ActivityRule
	// Parties are the case's parties as the viewer may see them; Unmasked
	// says whether their particulars are shown in full.
	Parties   []Party
	Unmasked  bool
	Location  string // the grid's path, 油车港镇 / 麟湖村 / 麟湖村第1网格
	Handling  string // the handling unit's path
	Mediator  string // the assigned mediator's name, "" when none
	Deadlines []Deadline
	// Pressed is the latest 督办 since the tier clock started, nil if none.
	Pressed *Event
	// Town and Committee print on the documents: the case's town and the
	// committee whose file it is.
	Town, Committee *Unit
	Documents       []Document
	// Folded counts the notes of the timeline left out (see CasePage);
	// they were before the entry FoldAt.
	Folded, FoldAt int
}

// Entry is one line of the timeline with the record it wrote, if any.
type Entry struct {
	*Event
	Session      *Session
	Visit        *FollowUp
	Agreement    *Agreement
	Referral     *Referral
	Confirmation *Confirmation
	Notice       *Notice
}

// Document is one document of the file, in the order of its contents list
// (卷内目录).
type Document struct {
	Key   string // the address's last part: cover, application, session-12, …
	Title string
	Entry *Entry // the step the document records, nil for cover and application
}

// CaseFile reads the whole file of a case the actor may see, in a fixed
// number of reads. Showing the parties unmasked is an audit row, with where
// as its detail (the page or API address).
func (e *Engine) CaseFile(ctx context.Context, a Actor, id int64, where string) (*CaseFile, error) {
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
func (e *Engine) CasePage(ctx context.Context, a Actor, id int64, where string, fold Fold) (*CaseFile, error) {
	return e.caseFile(ctx, a, id, where, &fold)
}

func (e *Engine) caseFile(ctx context.Context, a Actor, id int64, where string, fold *Fold) (*CaseFile, error) {
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
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	f.Location, f.Handling = t.Path(c.LocationUnitID), t.Path(c.HandlingUnitID)
	f.Town, f.Committee = t.Town(c.LocationUnitID), t.FileCommittee(c)
	if c.MediatorID != 0 {
		if u, err := e.Store.FindUser(ctx, c.MediatorID); err == nil {
			f.Mediator = u.Actor().Name
		}
	}
	f.entries()
	if n := len(f.Agreements); n > 0 {
		f.ConfirmBy = e.ConfirmDeadline(c, f.Agreements[n-1])
	}
	if c.State.Terminal() && c.ArchiveNo == "" {
		f.Missing = missing(c, f.Timeline, f.Sessions)
	}
	f.NoticeDue = c.State.Kind() == workflow.KindTier && len(f.Notices) == 0
	f.Deadlines = e.Deadlines(ctx, c, f.Timeline, f.ConfirmBy)
	f.Pressed = lastPress(c, f.Timeline)
	full := e.Unmasks(a, c) || seals(t, a, c, f.Agreements)
	parties, err := e.showParties(ctx, a, []*Case{c}, where, func(*Case) bool { return full })
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
func (f *CaseFile) forPartner(a Actor) {
	f.Timeline = forPartner(f.Timeline)
	f.Agreements = sharedWith(a, f.Case, f.Agreements)
	f.Sessions, f.Visits, f.Confirmations, f.Attachments = nil, nil, nil, nil
	f.Referrals = slices.DeleteFunc(f.Referrals, func(r *Referral) bool { return r.PartnerUnitID != a.UnitID })
}

// seals reports whether the actor belongs to a committee that sealed one
// of the case's agreements: it prints them with the parties' particulars.
func seals(t *Tree, a Actor, c *Case, agreements []*Agreement) bool {
	for _, ag := range agreements {
		if u := t.Committee(c, ag); u != nil && a.UnitID == u.ID {
			return true
		}
	}
	return false
}

// entries joins each event of the timeline with the record it wrote.
func (f *CaseFile) entries() {
	byEvent := map[int64]*Entry{}
	f.Entries = make([]Entry, len(f.Timeline))
	for i, ev := range f.Timeline {
		f.Entries[i] = Entry{Event: ev}
		byEvent[ev.ID] = &f.Entries[i]
		if ev.Name == string(workflow.RightsNotice) && ev.Data != nil {
			n := Notice{To: fmt.Sprint(ev.Data["to"])}
			n.Given, _ = time.Parse(time.RFC3339, fmt.Sprint(ev.Data["given"]))
			f.Entries[i].Notice = &n
			f.Notices = append(f.Notices, n)
		}
	}
	attach(byEvent, f.Sessions, func(s *Session) int64 { return s.EventID }, func(en *Entry, s *Session) { en.Session = s })
	attach(byEvent, f.Visits, func(v *FollowUp) int64 { return v.EventID }, func(en *Entry, v *FollowUp) { en.Visit = v })
	attach(byEvent, f.Agreements, func(a *Agreement) int64 { return a.EventID }, func(en *Entry, a *Agreement) { en.Agreement = a })
	attach(byEvent, f.Referrals, func(r *Referral) int64 { return r.EventID }, func(en *Entry, r *Referral) { en.Referral = r })
	attach(byEvent, f.Confirmations, func(x *Confirmation) int64 { return x.EventID },
		func(en *Entry, x *Confirmation) { en.Confirmation = x })
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
	out := []Document{{Key: "cover", Title: "卷宗封面及卷内目录"}, {Key: "application", Title: application}}
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
			out = append(out, Document{Key: key, Title: title, Entry: en})
		}
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
		return 0, "人民调解受理通知书", workflow.Event(en.Name).Accepts() && en.From == workflow.Registered
	}},
	{"refusal", func(en *Entry) (int64, string, bool) {
		return 0, "不予受理告知书", en.Name == string(workflow.Reject)
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
	{"closing", func(en *Entry) (int64, string, bool) { return 0, "结案报告", en.Transition() && en.To.Terminal() }},
}

// Document returns the file's document with key, or ENOTFOUND.
func (f *CaseFile) Document(key string) (*Document, error) {
	for i := range f.Documents {
		if f.Documents[i].Key == key {
			return &f.Documents[i], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "本案卷宗中没有这份文书。")
}

// OfferActivity reports whether an activity the table allows in the case's
// state applies to the case as it is now: the clock can only be resumed
// when stopped, a file archived once, and judicial confirmation is for
// written agreements outside marriage and family status matters.
func OfferActivity(c *Case, act workflow.Activity) bool {
	switch act {
	case workflow.Suspend:
		return c.SuspendedAt == nil
	case workflow.Resume:
		return c.SuspendedAt != nil
	case workflow.Archive, workflow.Attach:
		return c.ArchiveNo == ""
	case workflow.Confirm:
		return c.AgreementKind == AgreementWritten && !slices.Contains(unconfirmable, c.Category)
	case workflow.Sign:
		return c.SignedAt == nil
	}
	return true
}
