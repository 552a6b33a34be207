package form

import (
	"time"

	"github.com/grassroots/mediation/engine"
)

// Action is the data of an event or an activity: the events of an import
// file, the bodies of the API's POSTs and the pages' action forms all carry
// it. Which fields matter is declared in the workflow table.
type Action struct {
	// Version is the case version the caller saw; the API requires it, an
	// import leaves it 0.
	Version   int        `json:"version" schema:"version"`
	Unit      string     `json:"unit" schema:"unit"`
	Reason    string     `json:"reason" schema:"reason"`
	Routes    []string   `json:"routes" schema:"routes"`
	Partner   string     `json:"partner" schema:"partner"`
	Party     string     `json:"party" schema:"party"`
	Result    string     `json:"result" schema:"result"`
	Note      string     `json:"note" schema:"note"`
	Consent   bool       `json:"consent" schema:"consent"`
	Days      int        `json:"days" schema:"days"`
	Mediator  int64      `json:"mediator" schema:"mediator"`
	Risk      string     `json:"risk" schema:"risk"`
	Agreement *Agreement `json:"agreement" schema:"agreement"`
	Visit     *Visit     `json:"visit" schema:"visit"`
	Session   *Session   `json:"session" schema:"session"`
	NewParty  *Party     `json:"new_party" schema:"new_party"`
	// Notice records the notice of rights and duties: to whom, and the day
	// ("2026-10-02"; today by default).
	Notice *Notice `json:"notice" schema:"notice"`
	// Confirmation is a step of judicial confirmation: kind (applied,
	// confirmed, refused, none), court, number, day.
	Confirmation *Confirmation `json:"confirmation" schema:"confirmation"`
	// Major is a 重大纠纷专报: the measures taken and the next steps. Left
	// out when empty, so that an import's key of a history (its content
	// written out) stays what earlier versions computed.
	Major *Major `json:"major,omitempty" schema:"major"`
}

// Major is a 重大纠纷专报.
type Major struct {
	Measures string `json:"measures" schema:"measures"`
	Next     string `json:"next" schema:"next"`
}

// Notice is the notice of rights and duties.
type Notice struct {
	To    string `json:"to" schema:"to"`
	Given string `json:"given" schema:"given"`
}

// Confirmation is a step of judicial confirmation.
type Confirmation struct {
	Kind   string `json:"kind" schema:"kind"`
	Court  string `json:"court" schema:"court"`
	Number string `json:"number" schema:"number"`
	Day    string `json:"day" schema:"day"`
}

// Agreement is a mediation agreement; the amount is in yuan, the
// performance date a date ("2026-12-31") or a time in RFC 3339.
type Agreement struct {
	Kind        string `json:"kind" schema:"kind"`
	Facts       string `json:"facts" schema:"facts"`
	Terms       string `json:"terms" schema:"terms"`
	Performance string `json:"performance" schema:"performance"`
	Due         string `json:"due" schema:"due"`
	Amount      Yuan   `json:"amount" schema:"amount"`
	Place       string `json:"place" schema:"place"`
	// OralConfirmed: the parties chose an oral agreement although it
	// carries an amount or a later obligation.
	OralConfirmed bool `json:"oral_confirmed" schema:"oral_confirmed"`
	// Shared: the parties agreed to tell the partner that referred the
	// dispute in the terms.
	Shared bool `json:"shared" schema:"shared"`
	// Subject is what the agreement settles: "" (civil rights and
	// obligations), "status" or "title" (see engine.AgreementSubjects).
	Subject string `json:"subject,omitempty" schema:"subject"`
}

// Visit is a follow-up visit.
type Visit struct {
	Visited  string `json:"visited" schema:"visited"`
	Findings string `json:"findings" schema:"findings"`
	// Satisfaction is one of engine.Satisfactions' values, "" if not
	// asked.
	Satisfaction string `json:"satisfaction,omitempty" schema:"satisfaction"`
	Sued         bool   `json:"sued,omitempty" schema:"sued"`
	Recurred     bool   `json:"recurred,omitempty" schema:"recurred"`
}

// Session is a mediation session record.
type Session struct {
	Place        string `json:"place" schema:"place"`
	Participants string `json:"participants" schema:"participants"`
	Record       string `json:"record" schema:"record"`
	// Next is when the next session is, 2026-03-05T14:00 in the towns'
	// time zone (or RFC 3339), and NextPlace where: both left out of an
	// imported case's canonical form when empty.
	Next      string `json:"next,omitempty" schema:"next"`
	NextPlace string `json:"next_place,omitempty" schema:"next_place"`
	// Mediators names the other mediators who took part.
	Mediators string `json:"mediators,omitempty" schema:"mediators"`
}

// Party is a party.
type Party struct {
	Side     string `json:"side" schema:"side"`
	Kind     string `json:"kind" schema:"kind"`
	Name     string `json:"name" schema:"name"`
	Sex      string `json:"sex" schema:"sex"`
	IDNumber string `json:"id_number" schema:"id_number"`
	Phone    string `json:"phone" schema:"phone"`
	Address  string `json:"address" schema:"address"`
	Consent  string `json:"consent" schema:"consent"`
	// The particulars a written agreement prints.
	Ethnicity      string `json:"ethnicity" schema:"ethnicity"`
	BirthDate      string `json:"birth_date" schema:"birth_date"`
	Occupation     string `json:"occupation" schema:"occupation"`
	Representative string `json:"representative" schema:"representative"`
}

// Blank reports whether a form's row of a party was left empty.
func (p *Party) Blank() bool {
	return p.Name == "" && p.IDNumber == "" && p.Phone == "" && p.Address == ""
}

// Party returns the engine's party.
func (p *Party) Party() *engine.Party {
	return &engine.Party{Side: p.Side, Kind: p.Kind, Name: p.Name, Sex: p.Sex, IDNumber: p.IDNumber,
		Phone: p.Phone, Address: p.Address, Consent: p.Consent, Ethnicity: p.Ethnicity, BirthDate: p.BirthDate,
		Occupation: p.Occupation, Representative: p.Representative}
}

// Input returns the engine's input; a date without a time is read in loc.
// A part of a form left wholly empty (an agreement, a visit, …) counts as
// not given.
func (j *Action) Input(loc *time.Location) (engine.Input, error) {
	j.dropBlank()
	in := engine.Input{Version: j.Version, Unit: j.Unit, Reason: j.Reason, Routes: j.Routes, Partner: j.Partner, Party: j.Party,
		Result: j.Result, Note: j.Note, Consent: j.Consent, Days: j.Days, Mediator: j.Mediator, Risk: engine.Risk(j.Risk)}
	if g := j.Agreement; g != nil {
		in.Agreement = &engine.Agreement{Kind: g.Kind, Facts: g.Facts, Terms: g.Terms, Performance: g.Performance,
			Amount: int64(g.Amount), Place: g.Place, OralConfirmed: g.OralConfirmed, Shared: g.Shared, Subject: g.Subject}
		if g.Due != "" {
			due, err := time.Parse(time.RFC3339, g.Due)
			if err != nil {
				if due, err = time.ParseInLocation(time.DateOnly, g.Due, loc); err != nil {
					return in, engine.Invalid("agreement.due", "履行期限“%s”应为日期，如 2026-12-31。", g.Due)
				}
			}
			in.Agreement.DueAt = &due
		}
	}
	if v := j.Visit; v != nil {
		in.Visit = &engine.FollowUp{Visited: v.Visited, Findings: v.Findings, Satisfaction: v.Satisfaction, Sued: v.Sued, Recurred: v.Recurred}
	}
	if s := j.Session; s != nil {
		in.Session = &engine.Session{Place: s.Place, Participants: s.Participants, Record: s.Record, NextPlace: s.NextPlace,
			Mediators: s.Mediators}
		if s.Next != "" {
			next, err := time.Parse(time.RFC3339, s.Next)
			if err != nil {
				if next, err = time.ParseInLocation("2006-01-02T15:04", s.Next, loc); err != nil {
					return in, engine.Invalid("session.next", "下次调解时间“%s”应为日期和时间，如 2026-03-05T14:00。", s.Next)
				}
			}
			in.Session.NextAt = &next
		}
	}
	if p := j.NewParty; p != nil {
		in.NewParty = p.Party()
	}
	if n := j.Notice; n != nil {
		in.Notice = &engine.Notice{To: n.To}
		if n.Given != "" {
			d, err := time.ParseInLocation(time.DateOnly, n.Given, loc)
			if err != nil {
				return in, engine.Invalid("notice.given", "告知日期“%s”应为日期，如 2026-10-02。", n.Given)
			}
			in.Notice.Given = d
		}
	}
	if x := j.Confirmation; x != nil {
		in.Confirmation = &engine.Confirmation{Kind: x.Kind, Court: x.Court, Number: x.Number, Day: x.Day}
	}
	if m := j.Major; m != nil {
		in.Major = &engine.MajorReport{Measures: m.Measures, Next: m.Next}
	}
	return in, nil
}

// dropBlank forgets the parts of a form left wholly empty: a page's form
// sends every input of the action, filled in or not.
func (j *Action) dropBlank() {
	if a := j.Agreement; a != nil && *a == (Agreement{}) {
		j.Agreement = nil
	}
	if v := j.Visit; v != nil && *v == (Visit{}) {
		j.Visit = nil
	}
	if m := j.Major; m != nil && *m == (Major{}) {
		j.Major = nil
	}
	if s := j.Session; s != nil && *s == (Session{}) {
		j.Session = nil
	}
	if p := j.NewParty; p != nil && p.Blank() {
		j.NewParty = nil
	}
	if n := j.Notice; n != nil && *n == (Notice{}) {
		j.Notice = nil
	}
	if c := j.Confirmation; c != nil && *c == (Confirmation{}) {
		j.Confirmation = nil
	}
}
