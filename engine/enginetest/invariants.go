package enginetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Differs returns the name of the first field in which two cases differ,
// times compared as instants, or "" when they are alike.
func Differs(a, b *engine.Case) string {
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

// CheckInvariants replays a case's events and compares them with its row.
func (en *Env) CheckInvariants(t testing.TB, id int64) {
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
		if e.Transition() && e.To.Kind() == workflow.KindTier && accepted == nil {
			accepted = &at
		}
		if e.Name == workflow.Agree.Step() && agreed == nil {
			agreed, tier = &at, e.From.Level()
		}
		if e.To.Terminal() && closed == nil {
			closed = &at
		}
		if e.Name == workflow.Refer.Step() && referred == nil {
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
