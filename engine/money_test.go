package engine_test

import (
	"testing"

	"github.com/grassroots/mediation/engine"
)

// TestCleanInput: what a clerk types is read the way the clerk means it.
func TestCleanInput(t *testing.T) {
	for _, tc := range []struct{ typed, phone string }{
		{"139 0573 0553", "13905730553"},
		{"139-0573-1299", "13905731299"},
		{"+86 139 0573 0553", "13905730553"},
		{"１３９０５７３０５５３", "13905730553"},
		{"0573 8300 1234", "0573-83001234"},
		{"(0573)83001234", "0573-83001234"},
		{"010-12345678", "010-12345678"},
		{"021 1234 5678", "021-12345678"},
		{"电话13905730553", "电话13905730553"},
	} {
		if got := engine.CleanPhone(tc.typed); got != tc.phone {
			t.Errorf("CleanPhone(%q) = %q, want %q", tc.typed, got, tc.phone)
		}
	}
	for _, tc := range []struct{ typed, id string }{
		{"330411 19650512 0011", "330411196505120011"},
		{"33041119900101123x", "33041119900101123X"},
		{"３３０４１１１９６５０５１２００１１", "330411196505120011"},
	} {
		if got := engine.CleanIDNumber(tc.typed); got != tc.id {
			t.Errorf("CleanIDNumber(%q) = %q, want %q", tc.typed, got, tc.id)
		}
	}
	for _, tc := range []struct {
		typed string
		fen   int64
		ok    bool
	}{
		{"5万", 5000000, true},
		{"1.5万元", 1500000, true},
		{"5,000元", 500000, true},
		{"5，000", 500000, true},
		{"¥800", 80000, true},
		{"１２００.５０", 120050, true},
		{"", 0, true},
		{"五千", 0, false},
		{"-5", 0, false},
		{"1e5", 0, false},
		{"Inf", 0, false},
		{"200万万", 0, false},
	} {
		fen, err := engine.ParseYuan(tc.typed)
		if (err == nil) != tc.ok || fen != tc.fen {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, ok %v", tc.typed, fen, err, tc.fen, tc.ok)
		}
	}
}
