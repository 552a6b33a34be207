package web

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// TestSessionCodec: a session's numbers stay numbers and its texts texts;
// equal sessions are equal bytes whatever order their values were put in;
// a session gob wrote before still reads; a value of another kind is
// refused, not lost.
func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	values := map[string]any{sessionUserID: int64(42), sessionCSRF: "令牌", sessionLoginAt: int64(1796000000), sessionAddr: "10.0.0.8"}
	a, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again := map[string]any{}
		for k, v := range values {
			again[k] = v
		}
		if b, _ := (sessionCodec{}).Encode(deadline, again); !bytes.Equal(a, b) {
			t.Fatalf("equal sessions encode differently:\n%s\n%s", a, b)
		}
	}
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"JSON": a, "gob": old} {
		d, got, err := sessionCodec{}.Decode(b)
		if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
			t.Errorf("%s: decoded %v %v, %v", name, d, got, err)
		}
	}
	if _, err := (sessionCodec{}).Encode(deadline, map[string]any{"ratio": 0.5}); err == nil {
		t.Error("a float was encoded")
	}
}
