package web

import (
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/form"
	"github.com/labstack/echo/v4"
)

// values are a form's submitted values by input name, kept to re-render the
// form as the user typed it.
type values map[string]string

// params returns the values as a submitted form.
func (v values) params() url.Values {
	out := url.Values{}
	for k, x := range v {
		out.Set(k, x)
	}
	return out
}

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

// parseInput reads an event's or activity's form into the engine's input;
// what does not convert is reported by field, and the rest kept.
func parseInput(c echo.Context, loc *time.Location) (engine.Input, map[string]string) {
	params, _ := c.FormParams()
	var a form.Action
	errs := fieldErrors(form.Decode(&a, params))
	// The add-party form names its party as the new case form does.
	if a.NewParty == nil {
		a.NewParty = newParty(params)
	}
	in, err := a.Input(loc)
	for k, m := range fieldErrors(err) {
		errs[k] = m
	}
	return in, errs
}

// newParty reads the one party of a form with party rows (parties.0.*),
// nil when none was typed.
func newParty(params url.Values) *form.Party {
	var rows struct {
		Parties []form.Party `schema:"parties"`
	}
	if form.Decode(&rows, params) != nil || len(rows.Parties) == 0 || rows.Parties[0].Blank() {
		return nil
	}
	return &rows.Parties[0]
}

// fieldErrors returns an error's messages by field, an empty map for none.
func fieldErrors(err error) map[string]string {
	errs := map[string]string{}
	maps.Copy(errs, engine.ErrorFields(err))
	return errs
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
