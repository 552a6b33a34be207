package engine_test

import (
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
)

// FuzzIDNumber checks the resident ID check: a number it accepts has 18
// characters, changing its check character makes it wrong, and masking any
// text keeps its length.
func FuzzIDNumber(f *testing.F) {
	enginetest.Seeds(f, "id_numbers.txt")
	f.Fuzz(func(t *testing.T, s string) {
		p := &engine.Party{IDNumber: s}
		if masked := p.MaskedIDNumber(); len([]rune(masked)) != len([]rune(s)) {
			t.Fatalf("masking %q gave %q", s, masked)
		}
		if !engine.ValidIDNumber(s) {
			return
		}
		if len(s) != 18 {
			t.Fatalf("%q accepted with %d bytes", s, len(s))
		}
		for _, c := range "0123456789X" {
			if byte(c) != s[17] && engine.ValidIDNumber(s[:17]+string(c)) {
				t.Fatalf("%q and %q both accepted", s, s[:17]+string(c))
			}
		}
	})
}

// FuzzParseYuan checks amounts as typed on a form: an accepted one is from
// 0 to 100亿 yuan, and reads back the same from its written form.
func FuzzParseYuan(f *testing.F) {
	enginetest.Seeds(f, "amounts.txt")
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := engine.ParseYuan(s)
		if err != nil {
			if engine.ErrorMessage(err) == "" {
				t.Fatalf("%q refused without a message", s)
			}
			return
		}
		if fen < 0 || fen > engine.MaxFen {
			t.Fatalf("%q accepted as %d fen", s, fen)
		}
		if back, err := engine.ParseYuan(engine.Yuan(fen)); err != nil || back != fen {
			t.Fatalf("%q is %d fen, written %q, read back as %d (%v)", s, fen, engine.Yuan(fen), back, err)
		}
	})
}
