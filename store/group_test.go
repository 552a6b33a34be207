package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestGroupedChanges queues four changes of cases behind a write
// transaction held open: on SQLite the first of them writes all four in
// one transaction once the writer is free. The change decided on a version
// its case has left fails alone, is read and tried again in a transaction
// of its own, and is refused; the three others are saved. On PostgreSQL
// each change commits alone.
func TestGroupedChanges(t *testing.T) {
	w := newTown(t)
	note := func(stale bool) func(*engine.Case) (*engine.Change, error) {
		return func(c *engine.Case) (*engine.Change, error) {
			n := *c
			n.Version = c.Version + 1
			version := c.Version
			if stale {
				version--
			}
			return &engine.Change{Case: &n, Version: version,
				Event: &engine.Event{Seq: n.Version, Name: workflow.AddNote.Step(), To: c.State, UnitID: c.HandlingUnitID,
					ActorName: "某人", Role: workflow.RoleMediator, At: w.e.Now(), Data: engine.EventData{Note: "电话联系"}}}, nil
		}
	}
	keys := []string{"grid", "village", "other", "reg"}
	before := w.db.Commits()
	release := w.db.HoldWriter(ctx)
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() {
			_, errs[i] = w.db.Transition(ctx, w.cases[key].ID, note(key == "reg"))
		})
	}
	if !storetestPostgres() {
		for deadline := time.Now().Add(10 * time.Second); w.db.Queued() < len(keys); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d changes queued, want %d", w.db.Queued(), len(keys))
			}
		}
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, key := range keys {
		got, err := w.db.FindCase(ctx, w.cases[key].ID)
		if err != nil {
			t.Fatal(err)
		}
		events, err := w.db.Events(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := events[len(events)-1]
		switch key {
		case "reg":
			if engine.ErrorCode(errs[i]) != engine.ECONFLICT || got.Version != w.cases[key].Version || last.Name == workflow.AddNote.Step() {
				t.Errorf("the stale change: %v, version %d (was %d), last event %s", errs[i], got.Version, w.cases[key].Version, last.Name)
			}
		default:
			if errs[i] != nil || got.Version != w.cases[key].Version+1 || last.Name != workflow.AddNote.Step() || last.Seq != got.Version {
				t.Errorf("%s: %v, version %d (was %d), last event %s #%d", key, errs[i], got.Version, w.cases[key].Version, last.Name, last.Seq)
			}
		}
	}
	// The held transaction, then the group (SQLite) or each saved change
	// (PostgreSQL); the stale change's attempts commit nothing.
	want := int64(2)
	if storetestPostgres() {
		want = 4
	}
	if got := w.db.Commits() - before; got != want {
		t.Errorf("%d commits, want %d", got, want)
	}
}

// TestGroupSurvivesAPanic queues a change that panics in the write (it has
// no event) with a good one behind a held transaction: the panic reaches
// its caller, the good change of the same transaction is refused and not
// saved, and the queue moves on: the next change is written.
func TestGroupSurvivesAPanic(t *testing.T) {
	w := newTown(t)
	note := func(c *engine.Case) (*engine.Change, error) {
		n := *c
		n.Version = c.Version + 1
		return &engine.Change{Case: &n, Version: c.Version,
			Event: &engine.Event{Seq: n.Version, Name: workflow.AddNote.Step(), To: c.State, UnitID: c.HandlingUnitID,
				ActorName: "某人", Role: workflow.RoleMediator, At: w.e.Now()}}, nil
	}
	broken := func(c *engine.Case) (*engine.Change, error) {
		ch, _ := note(c)
		ch.Event = nil
		return ch, nil
	}
	release := w.db.HoldWriter(ctx)
	var panicked any
	var good error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer func() { panicked = recover() }()
		w.db.Transition(ctx, w.cases["village"].ID, broken)
	})
	if !storetestPostgres() {
		for w.db.Queued() < 1 {
			time.Sleep(time.Millisecond)
		}
	}
	wg.Go(func() { _, good = w.db.Transition(ctx, w.cases["grid"].ID, note) })
	if !storetestPostgres() {
		for w.db.Queued() < 2 {
			time.Sleep(time.Millisecond)
		}
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() {
		wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("the changes wait forever")
	}
	if panicked == nil {
		t.Error("the broken change did not panic")
	}
	got, err := w.db.FindCase(ctx, w.cases["grid"].ID)
	if err != nil {
		t.Fatal(err)
	}
	saved := got.Version == w.cases["grid"].Version+1
	// On SQLite the good change shared the broken one's transaction; on
	// PostgreSQL it had its own.
	if storetestPostgres() != saved || (good == nil) != saved {
		t.Errorf("the good change: %v, version %d (was %d)", good, got.Version, w.cases["grid"].Version)
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.db.Transition(ctx, w.cases["other"].ID, note)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the next change: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the next change waits forever")
	}
}
