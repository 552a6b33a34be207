package engine_test

import (
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestRandomEvents fires thousands of random events and activities, some of
// them invalid, at random cases, from random actors, and checks the invariants
// after each: the state is valid, the event log replays to the case's state
// and handling unit, the version rises by one per change and equals the
// number of events, and the report columns agree with the events.
func TestRandomEvents(t *testing.T) {
	en := newEnv(t)
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
			if field := differs(stored, after); field != "" {
				t.Fatalf("step %d: the stored case's %s differs from the changed case's", i, field)
			}
		} else if code := engine.ErrorCode(err); code == engine.EINTERNAL {
			t.Fatalf("step %d: internal error: %v", i, err)
		}
		en.checkInvariants(t, before.ID)
	}
	t.Logf("%d of %d steps changed a case", changes, n)
	if changes < n/5 {
		t.Errorf("only %d of %d steps changed a case; the test explores too little", changes, n)
	}
}

// differs returns the name of the first field in which two cases differ,
// times compared as instants, or "" when they are alike.
func differs(a, b *engine.Case) string {
	va, vb := reflect.ValueOf(*a), reflect.ValueOf(*b)
	for i := range va.NumField() {
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		switch x := x.(type) {
		case time.Time:
			if !x.Equal(y.(time.Time)) {
				return va.Type().Field(i).Name
			}
		case *time.Time:
			y := y.(*time.Time)
			if (x == nil) != (y == nil) || (x != nil && !x.Equal(*y)) {
				return va.Type().Field(i).Name
			}
		case []*engine.Party:
			if len(x) != len(y.([]*engine.Party)) {
				return va.Type().Field(i).Name
			}
		default:
			if !reflect.DeepEqual(x, y) {
				return va.Type().Field(i).Name
			}
		}
	}
	return ""
}

// checkInvariants replays a case's events and compares them with its row.
func (en *env) checkInvariants(t *testing.T, id int64) {
	t.Helper()
	c, err := en.DB.FindCase(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := en.DB.Events(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.State.Valid() {
		t.Fatalf("case %d: invalid state %q", id, c.State)
	}
	if len(evs) != c.Version {
		t.Fatalf("case %d: version %d but %d events", id, c.Version, len(evs))
	}
	state, unit := workflow.State(""), int64(0)
	var accepted, agreed, closed, referred *time.Time
	var tier workflow.Level
	for i, e := range evs {
		if e.Seq != i+1 {
			t.Fatalf("case %d: event %d has seq %d", id, i, e.Seq)
		}
		if e.From != state && i > 0 {
			t.Fatalf("case %d: event %d starts from %s, case was %s", id, e.Seq, e.From, state)
		}
		if e.Transition() {
			if _, ok := workflow.Lookup(e.From, workflow.Event(e.Name)); !ok {
				t.Fatalf("case %d: logged %s from %s, which the table forbids", id, e.Name, e.From)
			}
		}
		state, unit = e.To, e.UnitID
		at := e.At
		if workflow.Event(e.Name).Accepts() && accepted == nil {
			accepted = &at
		}
		if e.Name == string(workflow.Agree) && agreed == nil {
			agreed, tier = &at, e.From.Level()
		}
		if e.To.Terminal() && closed == nil {
			closed = &at
		}
		if e.Name == string(workflow.Refer) && referred == nil {
			referred = &at
		}
	}
	if state != c.State || unit != c.HandlingUnitID {
		t.Fatalf("case %d: events replay to %s at %d, case is %s at %d", id, state, unit, c.State, c.HandlingUnitID)
	}
	same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	last := evs[len(evs)-1]
	if !same(last.DueAt, c.DueAt) || !same(last.OverallDueAt, c.OverallDueAt) || !same(last.SuspendedAt, c.SuspendedAt) {
		t.Fatalf("case %d: the last event's deadlines %v/%v/%v differ from the case's %v/%v/%v", id,
			last.DueAt, last.OverallDueAt, last.SuspendedAt, c.DueAt, c.OverallDueAt, c.SuspendedAt)
	}
	latestAt := c.OpenedAt
	for _, e := range evs {
		if e.At.After(latestAt) {
			latestAt = e.At
		}
	}
	if !c.LastEventAt.Equal(latestAt) {
		t.Fatalf("case %d: last_event_at %v, latest event %v", id, c.LastEventAt, latestAt)
	}
	if !same(referred, c.ReferredAt) {
		t.Fatalf("case %d: referred_at %v, first referral %v", id, c.ReferredAt, referred)
	}
	if !same(accepted, c.AcceptedAt) || !same(agreed, c.AgreedAt) || !same(closed, c.ClosedAt) || tier != c.AgreedTier {
		t.Fatalf("case %d: report columns accepted=%v agreed=%v/%s closed=%v disagree with events %v %v/%s %v",
			id, c.AcceptedAt, c.AgreedAt, c.AgreedTier, c.ClosedAt, accepted, agreed, tier, closed)
	}
	if c.State.Terminal() != (c.Outcome != "") || (c.Outcome != "" && c.Outcome != c.State) {
		t.Fatalf("case %d: outcome %q in state %s", id, c.Outcome, c.State)
	}
}

// TestConcurrentTransitions races two mediators on one case: exactly one
// wins, the other is told of a conflict and nothing of theirs is saved.
func TestConcurrentTransitions(t *testing.T) {
	en := newEnv(t)
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
		en.checkInvariants(t, c.ID)
		got, _ := en.DB.FindCase(ctx, c.ID)
		if got.Version != c.Version+1 {
			t.Fatalf("version %d, want %d", got.Version, c.Version+1)
		}
	}
}
