package web

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestFailureLogThrottled: a full disk failing every request is one log
// line a minute, saying how many failed since; another cause is logged at
// once.
func TestFailureLogThrottled(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	var out bytes.Buffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&out, nil)))
	var f failureLog
	full := errors.New("database or disk is full")
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for i := range 40000 {
		f.log(start.Add(time.Duration(i)*time.Millisecond), "POST", "/cases/1/do/note", full)
	}
	f.log(start.Add(10*time.Second), "GET", "/cases", errors.New("no such table: cases"))
	f.log(start.Add(61*time.Second), "POST", "/cases/1/do/note", full)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	for i, want := range []string{"database or disk is full\" repeated_since_last_logged=0", "no such table: cases\" repeated_since_last_logged=0",
		"database or disk is full\" repeated_since_last_logged=39999"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %s, want %s", i+1, lines[i], want)
		}
	}
}
