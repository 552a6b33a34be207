package engine

import "time"

// InputJSON is the data of an event or an activity as JSON: the events of
// an import file and the bodies of the API's POSTs both carry it. Which
// fields matter is declared in the workflow table.
type InputJSON struct {
	// Version is the case version the caller saw; the API requires it, an
	// import leaves it 0.
	Version   int            `json:"version"`
	Unit      string         `json:"unit"`
	Reason    string         `json:"reason"`
	Routes    []string       `json:"routes"`
	Partner   string         `json:"partner"`
	Party     string         `json:"party"`
	Result    string         `json:"result"`
	Note      string         `json:"note"`
	Consent   bool           `json:"consent"`
	Days      int            `json:"days"`
	Mediator  int64          `json:"mediator"`
	Risk      string         `json:"risk"`
	Agreement *AgreementJSON `json:"agreement"`
	Visit     *VisitJSON     `json:"visit"`
	Session   *SessionJSON   `json:"session"`
	NewParty  *PartyJSON     `json:"new_party"`
	// Notice records the notice of rights and duties: to whom, and the day
	// ("2026-10-02"; today by default).
	Notice *NoticeJSON `json:"notice"`
	// Confirmation is a step of judicial confirmation: kind (applied,
	// confirmed, refused, none), court, number, day.
	Confirmation *ConfirmationJSON `json:"confirmation"`
}

// NoticeJSON is the notice of rights and duties as JSON.
type NoticeJSON struct {
	To    string `json:"to"`
	Given string `json:"given"`
}

// ConfirmationJSON is a step of judicial confirmation as JSON.
type ConfirmationJSON struct {
	Kind   string `json:"kind"`
	Court  string `json:"court"`
	Number string `json:"number"`
	Day    string `json:"day"`
}

// AgreementJSON is a mediation agreement as JSON; the amount is in yuan,
// the performance date a date ("2026-12-31") or a time in RFC 3339.
type AgreementJSON struct {
	Kind        string  `json:"kind"`
	Facts       string  `json:"facts"`
	Terms       string  `json:"terms"`
	Performance string  `json:"performance"`
	Due         string  `json:"due"`
	Amount      float64 `json:"amount"`
	Place       string  `json:"place"`
	// OralConfirmed: the parties chose an oral agreement although it
	// carries an amount or a later obligation.
	OralConfirmed bool `json:"oral_confirmed"`
	// Shared: the parties agreed to tell the partner that referred the
	// dispute in the terms.
	Shared bool `json:"shared"`
}

// VisitJSON is a follow-up visit as JSON.
type VisitJSON struct {
	Visited  string `json:"visited"`
	Findings string `json:"findings"`
}

// SessionJSON is a mediation session record as JSON.
type SessionJSON struct {
	Place        string `json:"place"`
	Participants string `json:"participants"`
	Record       string `json:"record"`
}

// PartyJSON is a party as JSON.
type PartyJSON struct {
	Side     string `json:"side"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Sex      string `json:"sex"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	Address  string `json:"address"`
	Consent  string `json:"consent"`
	// The particulars a written agreement prints.
	Ethnicity      string `json:"ethnicity"`
	BirthDate      string `json:"birth_date"`
	Occupation     string `json:"occupation"`
	Representative string `json:"representative"`
}

// Party returns the party the JSON describes.
func (p *PartyJSON) Party() *Party {
	return &Party{Side: p.Side, Kind: p.Kind, Name: p.Name, Sex: p.Sex, IDNumber: p.IDNumber,
		Phone: p.Phone, Address: p.Address, Consent: p.Consent, Ethnicity: p.Ethnicity, BirthDate: p.BirthDate,
		Occupation: p.Occupation, Representative: p.Representative}
}

// Input returns the engine's input; a date without a time is read in loc.
func (j *InputJSON) Input(loc *time.Location) (Input, error) {
	in := Input{Version: j.Version, Unit: j.Unit, Reason: j.Reason, Routes: j.Routes, Partner: j.Partner, Party: j.Party,
		Result: j.Result, Note: j.Note, Consent: j.Consent, Days: j.Days, Mediator: j.Mediator, Risk: Risk(j.Risk)}
	if g := j.Agreement; g != nil {
		in.Agreement = &Agreement{Kind: g.Kind, Facts: g.Facts, Terms: g.Terms, Performance: g.Performance,
			Amount: FenFromYuan(g.Amount), Place: g.Place, OralConfirmed: g.OralConfirmed, Shared: g.Shared}
		if g.Due != "" {
			due, err := time.Parse(time.RFC3339, g.Due)
			if err != nil {
				if due, err = time.ParseInLocation(time.DateOnly, g.Due, loc); err != nil {
					return in, Invalid("agreement.due", "履行期限“%s”应为日期，如 2026-12-31。", g.Due)
				}
			}
			in.Agreement.DueAt = &due
		}
	}
	if v := j.Visit; v != nil {
		in.Visit = &FollowUp{Visited: v.Visited, Findings: v.Findings}
	}
	if s := j.Session; s != nil {
		in.Session = &Session{Place: s.Place, Participants: s.Participants, Record: s.Record}
	}
	if p := j.NewParty; p != nil {
		in.NewParty = p.Party()
	}
	if n := j.Notice; n != nil {
		in.Notice = &Notice{To: n.To}
		if n.Given != "" {
			d, err := time.ParseInLocation(time.DateOnly, n.Given, loc)
			if err != nil {
				return in, Invalid("notice.given", "告知日期“%s”应为日期，如 2026-10-02。", n.Given)
			}
			in.Notice.Given = d
		}
	}
	if x := j.Confirmation; x != nil {
		in.Confirmation = &Confirmation{Kind: x.Kind, Court: x.Court, Number: x.Number, Day: x.Day}
	}
	return in, nil
}
