package workflow

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "update golden files")

// TestTable checks the table is well formed: every state and event is known,
// and an event has at most one row per source state.
func TestTable(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, tr := range Table {
		if !tr.To.Valid() || !tr.Event.Known() || tr.Label() == "" || len(tr.Grants) == 0 {
			t.Errorf("malformed row %+v", tr)
		}
		for _, s := range tr.From {
			if !s.Valid() || s.Terminal() {
				t.Errorf("%s: bad source state %q", tr.Event, s)
			}
			k := [2]string{string(tr.Event), string(s)}
			if seen[k] {
				t.Errorf("%s from %s declared twice", tr.Event, s)
			}
			seen[k] = true
		}
		if (tr.Target == ChosenUnit || tr.Target == ChildUnit) != tr.Needs(FieldUnit) {
			t.Errorf("%s: a chosen unit target and the unit field go together", tr.Event)
		}
	}
	for _, s := range States {
		if s.Terminal() != (len(From(s)) == 0) {
			t.Errorf("state %s: terminal=%v but %d rows leave it", s, s.Terminal(), len(From(s)))
		}
	}
	for _, d := range EventTable {
		if !d.Event.Known() {
			t.Errorf("event %s is declared but no row fires it", d.Event)
		}
	}
}

// TestDerivedLists states literally what the table must say of its states
// and events: the lists the engine and the store build their rules and SQL
// from.
func TestDerivedLists(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"open", OpenStates(), []State{Registered, Grid, Village, Town, Referred}},
		{"active", ActiveStates(), []State{Registered, Grid, Village, Town}},
		{"tiers", TierStates(), []State{Grid, Village, Town}},
		{"work", WorkStates(), []State{Registered, Grid, Village, Town, Referred, Agreed}},
		{"terminal", statesWhere(func(d StateDef) bool { return d.State.Terminal() }),
			[]State{Fulfilled, Failed, Withdrawn, Rejected, PartnerClosed, Unperformed}},
		{"closed", ClosedStates(), []State{Fulfilled, Failed, Withdrawn, Rejected, PartnerClosed, Unperformed}},
		{"accept", AcceptEvents(), []Event{AcceptGrid, AcceptVillage, AcceptTown}},
	} {
		if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		from State
		ev   Event
		want string
	}{
		{Registered, AcceptGrid, "受理·分流到网格"},
		{Grid, Escalate, "上报村(社区)"},
		{Village, Escalate, "上报镇(街道)"},
		{Town, HandDown, "交办村(社区)"},
		{Village, HandDown, "交办网格"},
		{Grid, Withdraw, "当事人撤回"},
		{Agreed, Fulfil, "回访·履行完毕"},
	} {
		tr, ok := Lookup(tc.from, tc.ev)
		if !ok || tr.Label() != tc.want {
			t.Errorf("%s from %s: button %q, want %q", tc.ev, tc.from, tr.Label(), tc.want)
		}
	}
	if Event("open").Known() || Reject.Accepts() || Refer.Accepts() {
		t.Error("open is not an event of the table; reject and refer accept nothing")
	}
}

// TestFireEveryPair walks every (state, event) pair through the machine.
func TestFireEveryPair(t *testing.T) {
	for _, s := range States {
		for _, ev := range Events() {
			tr, allowed := Lookup(s, ev)
			got, err := Fire(context.Background(), s, ev, nil)
			if allowed {
				if err != nil || got != tr.To {
					t.Errorf("%s --%s--> got %s, %v; want %s", s, ev, got, err, tr.To)
				}
				continue
			}
			if !errors.Is(err, ErrNotAllowed) || got != s {
				t.Errorf("%s --%s--> got %s, %v; want ErrNotAllowed", s, ev, got, err)
			}
		}
	}
	if _, err := Fire(context.Background(), Grid, "fly", nil); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("unknown event: %v", err)
	}
}

// TestGuardCancels checks that a guard's error stops the transition.
func TestGuardCancels(t *testing.T) {
	boom := errors.New("boom")
	got, err := Fire(context.Background(), Grid, Escalate, func(tr Transition) error {
		if tr.To != Village {
			t.Errorf("guard saw row to %s", tr.To)
		}
		return boom
	})
	if !errors.Is(err, boom) || got != Grid {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestPermits(t *testing.T) {
	tr, _ := Lookup(Grid, Escalate)
	for _, tc := range []struct {
		name string
		pos  Position
		want bool
	}{
		{"mediator at the handling unit", Position{Role: RoleMediator, AtHandlingUnit: true, InSubtree: true}, true},
		{"mediator elsewhere in the subtree", Position{Role: RoleMediator, InSubtree: true}, false},
		{"supervisor above", Position{Role: RoleSupervisor, InSubtree: true}, true},
		{"supervisor outside", Position{Role: RoleSupervisor}, false},
		{"intake", Position{Role: RoleIntake, AtHandlingUnit: true, InSubtree: true}, false},
		{"admin", Position{Role: RoleAdmin, AtHandlingUnit: true, InSubtree: true}, false},
		{"partner it waits on", Position{Role: RolePartner, AtPartner: true}, false},
		{"system", Position{Role: RoleSystem}, true},
	} {
		if got := Permits(tr.Grants, tc.pos); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
	// The partner a case waits on works the referral, and nothing else.
	partner := Position{Role: RolePartner, AtPartner: true}
	other := Position{Role: RolePartner}
	for _, tc := range []struct {
		from State
		ev   Event
		want bool
	}{
		{Referred, Return, true},
		{Referred, PartnerClose, true},
		{Registered, AcceptGrid, false},
		{Registered, Refer, false},
		{Town, Agree, false},
		{Town, Escalate, false},
		{Agreed, Fulfil, false},
	} {
		tr, _ := Lookup(tc.from, tc.ev)
		if Permits(tr.Grants, partner) != tc.want || Permits(tr.Grants, other) {
			t.Errorf("partner %s from %s: want %v, and never for another partner", tc.ev, tc.from, tc.want)
		}
	}
	for _, tc := range []struct {
		act  Activity
		want bool
	}{
		{Sign, true}, {AddNote, true}, {Supervise, false}, {LogSession, false}, {Attach, false}, {UpdateRisk, false},
	} {
		r, _ := tc.act.Rule()
		if Permits(r.Grants, partner) != tc.want || Permits(r.Grants, other) {
			t.Errorf("partner %s: want %v, and never for another partner", tc.act, tc.want)
		}
	}
}

// TestDiagram compares the Mermaid diagram with testdata/workflow.mmd; run
// with -update to rewrite it.
func TestDiagram(t *testing.T) {
	golden := filepath.Join("..", "testdata", "workflow.mmd")
	got := Diagram()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("diagram differs from %s; run go test ./workflow -update\n%s", golden, got)
	}
}

// TestPersonReasons: a person escalates for the table's reasons but the
// scheduler's; a refusal's reasons are the table's.
func TestPersonReasons(t *testing.T) {
	esc, _ := Lookup(Grid, Escalate)
	if got, want := esc.PersonReasons(), []string{"调解不成", "超出调解能力", "风险升级"}; !slices.Equal(got, want) {
		t.Errorf("escalation reasons %v, want %v", got, want)
	}
	if !slices.Contains(esc.Reasons, ReasonOverdue) {
		t.Errorf("the table lost the scheduler's reason: %v", esc.Reasons)
	}
	rej, _ := Lookup(Registered, Reject)
	if !slices.Equal(rej.PersonReasons(), RejectReasons) {
		t.Errorf("refusal reasons %v", rej.PersonReasons())
	}
}

// TestVisitOutcomes: the 回访 form's outcomes are exactly the rows that
// record a follow-up visit, so that no row needing a visit is left without
// its choice.
func TestVisitOutcomes(t *testing.T) {
	var got []string
	for _, o := range VisitOutcomes {
		got = append(got, o.Action)
	}
	var rows []string
	for _, d := range EventTable {
		for _, tr := range Table {
			if tr.Event == d.Event && tr.Needs(FieldVisit) && !slices.Contains(rows, string(tr.Event)) {
				rows = append(rows, string(tr.Event))
			}
		}
	}
	for _, r := range Activities {
		if slices.Contains(r.Requires, FieldVisit) {
			rows = append(rows, string(r.Activity))
		}
	}
	slices.Sort(got)
	slices.Sort(rows)
	if want := []string{"close_unperformed", "followup", "fulfil"}; !slices.Equal(got, want) || !slices.Equal(rows, want) {
		t.Errorf("visit outcomes %v, rows needing a visit %v, want both %v", got, rows, want)
	}
}

// TestEventDone reads the words of the message after each event: "已" and
// its name, except where that is not Chinese (已当事人撤回, 已未履行结案).
func TestEventDone(t *testing.T) {
	for ev, want := range map[Event]string{
		Escalate:         "已上报",
		AcceptGrid:       "已受理·分流到网格",
		Agree:            "已达成协议",
		Withdraw:         "当事人已撤回",
		CloseUnperformed: "已按未履行结案",
		PartnerClose:     "已移交办结",
	} {
		if got := ev.Done(); got != want {
			t.Errorf("%s: %q, want %q", ev, got, want)
		}
	}
}
