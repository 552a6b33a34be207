// Package form holds the shapes in which people and systems send data: a
// new case (Case), a party (Party), the data of an event or an activity
// (Event). Each shape is one Go type with json tags, for the API's bodies
// and the import's lines, and schema tags, for the pages' forms; each
// medium has one decoder: encoding/json, or Decode for a submitted form.
// Turning a shape into the engine's types reads what a person typed and
// reports every mistake by its field, in Chinese.
package form

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/schema"
	"github.com/grassroots/mediation/engine"
)

// decoder reads submitted forms: a field the shape lacks (the CSRF token, a
// button's name) is passed over, and an empty one leaves the zero value.
var decoder = func() *schema.Decoder {
	d := schema.NewDecoder()
	d.IgnoreUnknownKeys(true)
	d.ZeroEmpty(true)
	// A row index is a number the client chooses: it must not size a
	// slice of a million rows.
	d.MaxSize(maxRows)
	return d
}()

// maxRows bounds the rows of a form's list (the parties).
const maxRows = 100

// numberMessages are what a person is told who typed something other than
// a whole number into these fields.
var numberMessages = map[string]string{
	"people":   "请填写涉及人数（整数）。",
	"days":     "请填写天数（整数）。",
	"version":  "页面已过期，请刷新后重试。",
	"mediator": "请选择调解员。",
}

// Decode reads a submitted form into dst, one of this package's shapes.
// Values that do not convert are reported together as one EINVALID error
// whose fields name them; the others are decoded all the same.
func Decode(dst any, values url.Values) error {
	err := decoder.Decode(dst, values)
	var multi schema.MultiError
	if err == nil || !errors.As(err, &multi) {
		return err
	}
	var v engine.FieldErrors
	for field, ferr := range multi {
		var conv schema.ConversionError
		switch {
		case errors.As(ferr, &conv) && conv.Err != nil:
			v.Add(field, "%s", engine.ErrorMessage(conv.Err))
		case numberMessages[field] != "":
			v.Add(field, "%s", numberMessages[field])
		default:
			v.Add(field, "“%s”的值无效。", field)
		}
	}
	return v.Err()
}

// Yuan is an amount typed in yuan and kept in fen: "5000", "5,000" or, in
// JSON, a number.
type Yuan int64

// UnmarshalText reads an amount as a person types it.
func (y *Yuan) UnmarshalText(b []byte) error {
	fen, err := engine.ParseYuan(string(b))
	*y = Yuan(fen)
	return err
}

// UnmarshalJSON reads an amount as a number of yuan, or as text. A number
// out of range is kept out of range, for the engine's check to name the
// field it came in.
func (y *Yuan) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		*y = Yuan(engine.FenFromYuan(f))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("form: amount: %w", err)
	}
	return y.UnmarshalText([]byte(s))
}

// MarshalJSON writes the amount as a number of yuan, as it is read.
func (y Yuan) MarshalJSON() ([]byte, error) { return json.Marshal(float64(y) / 100) }

// Case is a new dispute as the desk, a grid mediator at the gate (门前调),
// a partner's system and an import send it.
type Case struct {
	Source   string `json:"source" schema:"source"`
	Category string `json:"category" schema:"category"`
	// Location is the code of the grid where the dispute arose; a page's
	// form sends the unit's id. A partner may leave it out: the desk sets
	// it on acceptance.
	Location     string   `json:"location" schema:"location"`
	Amount       Yuan     `json:"amount" schema:"amount"`
	People       int      `json:"people" schema:"people"`
	Risk         string   `json:"risk" schema:"risk"`
	Flags        []string `json:"flags" schema:"flags"`
	CrossVillage bool     `json:"cross_village" schema:"cross_village"`
	Summary      string   `json:"summary" schema:"summary"`
	Requests     string   `json:"requests" schema:"requests"`
	Parties      []Party  `json:"parties" schema:"parties"`
	// ExternalID is a partner system's own id for the dispute.
	ExternalID string `json:"external_id" schema:"-"`
}

// NewCase returns the engine's new case: the location found in the unit
// tree, and the parties' rows left wholly empty on a form dropped.
func (c *Case) NewCase(t *engine.Tree) (*engine.NewCase, error) {
	n := &engine.NewCase{Source: c.Source, Category: c.Category, Amount: int64(c.Amount), People: c.People,
		Risk: engine.Risk(c.Risk), Flags: c.Flags, CrossVillage: c.CrossVillage, Summary: c.Summary,
		Requests: c.Requests, ExternalID: c.ExternalID}
	for _, p := range c.Parties {
		if p.Blank() {
			continue
		}
		n.Parties = append(n.Parties, p.Party())
	}
	if loc := strings.TrimSpace(c.Location); loc != "" {
		u, err := t.Find("location", loc)
		if err != nil {
			id, idErr := strconv.ParseInt(loc, 10, 64)
			if idErr != nil || t.Unit(id) == nil {
				return n, err
			}
			u = t.Unit(id)
		}
		n.LocationID = u.ID
	}
	return n, nil
}

// Application is a party's own application for mediation, as /apply and
// POST /api/v1/applications give it: where (a grid's code), what, and who,
// the other side as far as the applicant knows.
type Application struct {
	Location  string `json:"location" schema:"location"`
	Category  string `json:"category" schema:"category"`
	Summary   string `json:"summary" schema:"summary"`
	Requests  string `json:"requests" schema:"requests"`
	Applicant Party  `json:"applicant" schema:"applicant"`
	Other     Party  `json:"other" schema:"other"`
}

// Case returns the application as a new dispute: source 当事人申请, the
// applicant consenting by applying, two people unless the other side is
// unknown, risk to be assessed by the desk (green until then).
func (a *Application) Case() *Case {
	applicant, other := a.Applicant, a.Other
	applicant.Side, applicant.Consent, other.Side = engine.SideApplicant, "yes", engine.SideRespondent
	return &Case{Source: engine.SourceApplication, Category: a.Category, Location: a.Location, People: 2, Risk: string(engine.RiskGreen),
		Summary: a.Summary, Requests: a.Requests, Parties: []Party{applicant, other}}
}
