package engine_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/workflow"
)

// TestRandomEvents fires thousands of random events and activities, some of
// them invalid, at random cases, from random actors, and checks the invariants
// after each: the state is valid, the event log replays to the case's state
// and handling unit, the version rises by one per change and equals the
// number of events, and the report columns agree with the events.
func TestRandomEvents(t *testing.T) {
	en := enginetest.New(t)
	rng := rand.New(rand.NewPCG(7, 11))
	n := 3000
	if testing.Short() {
		n = 500
	}
	var cases []*engine.Case
	for range 40 {
		cases = append(cases, en.NewCase(t))
	}
	actors := make([]engine.Actor, 0, len(en.Actors)+1)
	for _, a := range en.Actors {
		actors = append(actors, a)
	}
	actors = append(actors, engine.System)
	events := workflow.Events()
	changes := 0
	for i := range n {
		en.Clock.Advance(time.Duration(rng.IntN(48)) * time.Hour)
		k := rng.IntN(len(cases))
		if cases[k].State.Terminal() || rng.IntN(50) == 0 {
			cases[k] = en.NewCase(t)
		}
		before, err := en.DB.FindCase(ctx, cases[k].ID)
		if err != nil {
			t.Fatal(err)
		}
		var after *engine.Case
		if rng.IntN(4) == 0 {
			r := workflow.Activities[rng.IntN(len(workflow.Activities))]
			in := engine.Input{Note: "记录", Reason: "原因", Days: 5, Consent: true, Risk: engine.RiskRed,
				Session: &engine.Session{Record: "调解"}, NewParty: &engine.Party{Side: engine.SideApplicant, Name: "赵六"},
				Visit: &engine.FollowUp{Visited: "张三", Findings: "良好"}}
			after, err = en.Record(ctx, actors[rng.IntN(len(actors))], before.ID, r.Activity, in)
		} else {
			ev := events[rng.IntN(len(events))]
			if rows := workflow.From(before.State); len(rows) > 0 && rng.IntN(10) < 7 {
				ev = rows[rng.IntN(len(rows))].Event
			}
			tr, ok := workflow.Lookup(before.State, ev)
			in := engine.Input{}
			if ok && rng.IntN(5) > 0 {
				in = en.ValidInput(tr, before)
			}
			if rng.IntN(10) == 0 {
				in.Version = before.Version - 1
			}
			actor := actors[rng.IntN(len(actors))]
			if ok && rng.IntN(4) > 0 {
				actor = en.ActorFor(t, tr.Grants, before)
			}
			after, err = en.Fire(ctx, actor, before.ID, ev, in)
		}
		if err == nil {
			changes++
			cases[k] = after
			if after.Version != before.Version+1 {
				t.Fatalf("step %d: version %d after %d", i, after.Version, before.Version)
			}
			// The store writes only the columns that changed: what it
			// kept is what the change made.
			stored, err := en.DB.FindCase(ctx, after.ID)
			if err != nil {
				t.Fatal(err)
			}
			if field := enginetest.Differs(stored, after); field != "" {
				t.Fatalf("step %d: the stored case's %s differs from the changed case's", i, field)
			}
		} else if code := engine.ErrorCode(err); code == engine.EINTERNAL {
			t.Fatalf("step %d: internal error: %v", i, err)
		}
		en.CheckInvariants(t, before.ID)
	}
	t.Logf("%d of %d steps changed a case", changes, n)
	if changes < n/5 {
		t.Errorf("only %d of %d steps changed a case; the test explores too little", changes, n)
	}
}

// TestConcurrentTransitions races two mediators on one case: exactly one
// wins, the other is told of a conflict and nothing of theirs is saved.
func TestConcurrentTransitions(t *testing.T) {
	en := enginetest.New(t)
	for range 20 {
		c := en.CaseIn(t, workflow.Grid)
		med := en.Actors["mediator@G11"]
		agree, _ := workflow.Lookup(workflow.Grid, workflow.Agree)
		inputs := []struct {
			ev workflow.Event
			in engine.Input
		}{
			{workflow.Escalate, engine.Input{Version: c.Version, Reason: "调解不成"}},
			{workflow.Agree, en.ValidInput(agree, c)},
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				<-start
				_, errs[i] = en.Fire(ctx, med, c.ID, inputs[i].ev, inputs[i].in)
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch engine.ErrorCode(err) {
			case "":
				wins++
			case engine.ECONFLICT:
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d winners: %v", wins, errs)
		}
		en.CheckInvariants(t, c.ID)
		got, _ := en.DB.FindCase(ctx, c.ID)
		if got.Version != c.Version+1 {
			t.Fatalf("version %d, want %d", got.Version, c.Version+1)
		}
	}
}
