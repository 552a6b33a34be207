package engine_test

import (
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
)

// TestWaitsGrow checks the throttle on both databases: five failures are
// free, then each waits twice as long as the one before from the last
// failure; another key is untouched; a success clears the account's key.
func TestWaitsGrow(t *testing.T) {
	en := newEnv(t)
	keys, other := engine.LoginKeys("jiedai", "10.0.0.1"), engine.LoginKeys("jiedai", "10.0.0.2")
	for _, want := range []time.Duration{0, 0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second} {
		got, err := en.Wait(ctx, keys)
		if err != nil || got != want {
			t.Fatalf("after some failures: wait %s (%v), want %s", got, err, want)
		}
		if err := en.Failed(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := en.Wait(ctx, other); got != 0 {
		t.Errorf("another address waits %s", got)
	}
	en.clock.Advance(8 * time.Second)
	if got, _ := en.Wait(ctx, keys); got != 0 {
		t.Errorf("after the wait: %s", got)
	}
	if err := en.Succeeded(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if err := en.Failed(ctx, keys); err != nil {
		t.Fatal(err)
	}
	if got, _ := en.Wait(ctx, keys); got != 0 {
		t.Errorf("one failure after a success waits %s", got)
	}
}
