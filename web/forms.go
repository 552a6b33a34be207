package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/labstack/echo/v4"
)

// values are a form's submitted values by input name, kept to re-render the
// form as the user typed it.
type values map[string]string

func formValues(c echo.Context) values {
	v := values{}
	form, err := c.FormParams()
	if err != nil {
		return v
	}
	for k, vs := range form {
		if len(vs) > 0 {
			v[k] = strings.TrimSpace(vs[0])
		}
	}
	return v
}

// partyForm is one party's inputs on a form.
type partyForm struct {
	Num    int
	Prefix string
	engine.Party
	Err map[string]string
}

// parseParties reads party_count parties named parties.N.field, dropping
// rows left wholly empty.
func parseParties(c echo.Context, v values) []*engine.Party {
	n, _ := strconv.Atoi(v["party_count"])
	n = min(max(n, 0), 50)
	var out []*engine.Party
	for i := range n {
		get := func(f string) string { return v["parties."+strconv.Itoa(i)+"."+f] }
		p := partyFrom(get)
		if p.Name == "" && p.IDNumber == "" && p.Phone == "" && p.Address == "" {
			continue
		}
		out = append(out, p)
	}
	return out
}

// partyFrom reads one party's inputs.
func partyFrom(get func(field string) string) *engine.Party {
	return &engine.Party{Side: get("side"), Kind: get("kind"), Name: get("name"), Sex: get("sex"),
		IDNumber: get("id_number"), Phone: get("phone"), Address: get("address"), Consent: get("consent"),
		Ethnicity: get("ethnicity"), BirthDate: get("birth_date"), Occupation: get("occupation"), Representative: get("representative")}
}

// partyForms lays out parties for the form with their errors, padding to at
// least min rows.
func partyForms(parties []*engine.Party, errs map[string]string, minRows int) []partyForm {
	for len(parties) < minRows {
		side := engine.SideApplicant
		if len(parties) > 0 {
			side = engine.SideRespondent
		}
		parties = append(parties, &engine.Party{Side: side, Kind: engine.KindPerson})
	}
	out := make([]partyForm, len(parties))
	for i, p := range parties {
		prefix := "parties." + strconv.Itoa(i)
		pf := partyForm{Num: i + 1, Prefix: prefix, Party: *p, Err: map[string]string{}}
		for k, msg := range errs {
			if f, ok := strings.CutPrefix(k, prefix+"."); ok {
				pf.Err[f] = msg
			}
		}
		out[i] = pf
	}
	return out
}

// parseInput reads an event's or activity's form into the engine's input.
// Unparseable numbers and dates are reported per field.
func parseInput(c echo.Context, v values, loc *time.Location) (engine.Input, map[string]string) {
	errs := map[string]string{}
	form, _ := c.FormParams()
	in := engine.Input{Unit: v["unit"], Reason: v["reason"], Routes: form["routes"], Partner: v["partner"],
		Party: v["party"], Result: v["result"], Note: v["note"], Consent: v["consent"] == "1", Risk: engine.Risk(v["risk"])}
	in.Version, _ = strconv.Atoi(v["version"])
	if s := v["days"]; s != "" {
		d, err := strconv.Atoi(s)
		if err != nil {
			errs["days"] = "请填写天数（整数）。"
		}
		in.Days = d
	}
	if s := v["mediator"]; s != "" {
		in.Mediator, _ = strconv.ParseInt(s, 10, 64)
	}
	if v["agreement.terms"] != "" || v["agreement.kind"] != "" {
		a := &engine.Agreement{Kind: v["agreement.kind"], Facts: v["agreement.facts"], Terms: v["agreement.terms"],
			Performance: v["agreement.performance"], Place: v["agreement.place"], OralConfirmed: v["agreement.oral_confirmed"] == "1",
			Shared: v["agreement.shared"] == "1"}
		amount, err := engine.ParseYuan(v["agreement.amount"])
		if err != nil {
			errs["agreement.amount"] = engine.ErrorMessage(err)
		}
		a.Amount = amount
		if s := v["agreement.due"]; s != "" {
			d, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				errs["agreement.due"] = "履行期限应为日期，如 2026-12-31。"
			} else {
				a.DueAt = &d
			}
		}
		in.Agreement = a
	}
	if v["visit.visited"] != "" || v["visit.findings"] != "" {
		in.Visit = &engine.FollowUp{Visited: v["visit.visited"], Findings: v["visit.findings"]}
	}
	if v["session.record"] != "" || v["session.place"] != "" {
		in.Session = &engine.Session{Place: v["session.place"], Participants: v["session.participants"], Record: v["session.record"]}
	}
	in.NewParty = partyFromValues(v)
	if v["notice.to"] != "" || v["notice.given"] != "" {
		in.Notice = &engine.Notice{To: v["notice.to"]}
		if s := v["notice.given"]; s != "" {
			d, err := time.ParseInLocation(time.DateOnly, s, loc)
			if err != nil {
				errs["notice.given"] = "告知日期应为日期，如 2026-10-02。"
			}
			in.Notice.Given = d
		}
	}
	if v["confirmation.kind"] != "" {
		in.Confirmation = &engine.Confirmation{Kind: v["confirmation.kind"], Court: v["confirmation.court"],
			Number: v["confirmation.number"], Day: v["confirmation.day"]}
	}
	return in, errs
}

// check marks the options of a multi-choice the user ticked.
type check struct {
	Name string
	Key  string
	On   bool
}

func checks(options []string, ticked []string) []check {
	out := make([]check, len(options))
	for i, o := range options {
		out[i] = check{Name: o, Key: o}
		for _, t := range ticked {
			out[i].On = out[i].On || t == o
		}
	}
	return out
}
