package engine_test

import (
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
)

// TestInputJSON reads an agreement's performance date as a date in the
// towns' time zone or as an RFC 3339 time, and refuses anything else.
func TestInputJSON(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	for due, want := range map[string]time.Time{
		"2026-12-31":                time.Date(2026, 12, 31, 0, 0, 0, 0, cst),
		"2026-12-31T10:00:00+08:00": time.Date(2026, 12, 31, 10, 0, 0, 0, cst),
	} {
		j := engine.InputJSON{Reason: "r", Agreement: &engine.AgreementJSON{Kind: "oral", Terms: "t", Due: due, Amount: 12.5}}
		in, err := j.Input(cst)
		if err != nil || !in.Agreement.DueAt.Equal(want) || in.Agreement.Amount != 1250 || in.Reason != "r" {
			t.Errorf("%s: %+v %v", due, in.Agreement, err)
		}
	}
	j := engine.InputJSON{Agreement: &engine.AgreementJSON{Due: "31/12/2026"}}
	if _, err := j.Input(cst); engine.ErrorField(err) != "agreement.due" {
		t.Errorf("a bad date: %v", err)
	}
}
