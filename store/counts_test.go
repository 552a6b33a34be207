package store

import (
	"reflect"
	"testing"

	"github.com/grassroots/mediation/engine/report"
)

// TestCountsText: a row's counts read back as they were written, a name
// holding '=' included, and summed into what the reader holds; a name with
// a line break is refused, and a line without its value is an error.
func TestCountsText(t *testing.T) {
	n := report.Counts{"agreed": 10, "agreement_fen": 14701900, "category:a=b": 2, "source:门前调": -1}
	text, err := formatCounts(n)
	if err != nil {
		t.Fatal(err)
	}
	if want := "agreed=10\nagreement_fen=14701900\ncategory:a=b=2\nsource:门前调=-1\n"; text != want {
		t.Errorf("written as %q, want %q", text, want)
	}
	got := report.Counts{"agreed": 1}
	if err := parseCounts([]byte(text), got, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	want := report.Counts{"agreed": 11, "agreement_fen": 14701900, "category:a=b": 2, "source:门前调": -1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v, want %v", got, want)
	}
	if _, err := formatCounts(report.Counts{"category:a\nb": 1}); err == nil {
		t.Error("a name with a line break was written")
	}
	for _, bad := range []string{"agreed\n", "agreed=\n", "agreed=1x\n", "agreed=12345678901234567890\n"} {
		if err := parseCounts([]byte(bad), report.Counts{}, map[string]string{}); err == nil {
			t.Errorf("%q was read", bad)
		}
	}
}
