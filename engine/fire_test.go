package engine_test

import (
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestEveryStateEventPair fires every event from every state. Allowed pairs
// succeed with the right role and data and fail, changing nothing, with a
// role the table does not grant or with data missing; other pairs fail with a
// conflict and change nothing.
func TestEveryStateEventPair(t *testing.T) {
	en := newEnv(t)
	for _, s := range workflow.States {
		for _, ev := range workflow.Events() {
			t.Run(string(s)+"/"+string(ev), func(t *testing.T) {
				c := en.caseIn(t, s)
				tr, allowed := workflow.Lookup(s, ev)
				if !allowed {
					_, err := en.Fire(ctx, engine.System, c.ID, ev, engine.Input{})
					if engine.ErrorCode(err) != engine.ECONFLICT || engine.ErrorMessage(err) == "" {
						t.Fatalf("got %v, want a conflict", err)
					}
					en.unchanged(t, c, "a refused event")
					return
				}
				in := en.validInput(tr, c)
				// A chosen unit defaults to the one above the location, so
				// the accept events need no data.
				if tr.Target != workflow.ChosenUnit {
					_, err := en.Fire(ctx, en.actorFor(t, tr.Grants, c), c.ID, ev, engine.Input{Version: c.Version})
					if engine.ErrorCode(err) != engine.EINVALID {
						t.Errorf("without data: got %v, want invalid", err)
					}
					en.unchanged(t, c, "an event without its data")
				}
				for _, a := range en.actors {
					if workflow.Permits(tr.Grants, workflow.Position{Role: a.Role,
						AtHandlingUnit: a.UnitID == c.HandlingUnitID, InSubtree: en.inSubtree(a, c)}) {
						continue
					}
					_, err := en.Fire(ctx, a, c.ID, ev, in)
					if code := engine.ErrorCode(err); code != engine.EFORBIDDEN && code != engine.ENOTFOUND {
						t.Errorf("%s@%d: got %v, want forbidden", a.Role, a.UnitID, err)
					}
				}
				en.unchanged(t, c, "a forbidden actor")
				got, err := en.Fire(ctx, en.actorFor(t, tr.Grants, c), c.ID, ev, in)
				if err != nil {
					t.Fatalf("allowed event failed: %v", err)
				}
				if got.State != tr.To || got.Version != c.Version+1 {
					t.Errorf("got state %s version %d, want %s %d", got.State, got.Version, tr.To, c.Version+1)
				}
				stored, _ := en.db.FindCase(ctx, c.ID)
				if stored.State != tr.To || stored.HandlingUnitID != got.HandlingUnitID {
					t.Errorf("stored %s at unit %d, engine returned %s at %d", stored.State, stored.HandlingUnitID, got.State, got.HandlingUnitID)
				}
			})
		}
	}
}

// TestAcceptChecksTheUnit refuses a unit that does not govern the dispute's
// location, or is of the wrong level.
func TestAcceptChecksTheUnit(t *testing.T) {
	en := newEnv(t)
	c := en.newCase(t)
	for _, tc := range []struct {
		ev   workflow.Event
		unit string
	}{
		{workflow.AcceptGrid, "G12"}, {workflow.AcceptGrid, "V1"}, {workflow.AcceptVillage, "V2"},
		{workflow.AcceptTown, "T2"}, {workflow.AcceptGrid, "nope"},
	} {
		_, err := en.Fire(ctx, en.actors["intake@T1"], c.ID, tc.ev, engine.Input{Unit: tc.unit})
		if engine.ErrorCode(err) != engine.EINVALID || engine.ErrorField(err) != "unit" {
			t.Errorf("%s to %s: got %v", tc.ev, tc.unit, err)
		}
	}
	en.unchanged(t, c, "a wrong unit")
	got, err := en.Fire(ctx, en.actors["intake@T1"], c.ID, workflow.AcceptVillage, engine.Input{Unit: "V1"})
	if err != nil || got.HandlingUnitID != en.units["V1"].ID {
		t.Fatalf("accept to V1: %v", err)
	}
}

func (en *env) inSubtree(a engine.Actor, c *engine.Case) bool {
	tree, _ := en.Tree(ctx)
	return tree.Contains(a.UnitID, c.HandlingUnitID) || tree.Contains(a.UnitID, c.LocationUnitID)
}

// TestEveryStateActivityPair records every activity in every state.
func TestEveryStateActivityPair(t *testing.T) {
	en := newEnv(t)
	for _, s := range workflow.States {
		for _, r := range workflow.Activities {
			t.Run(string(s)+"/"+string(r.Activity), func(t *testing.T) {
				c := en.caseIn(t, s)
				in := engine.Input{Version: c.Version, Note: "已电话联系", Reason: "等待当事人返乡", Days: 10,
					Consent: true, Risk: engine.RiskYellow,
					Session:  &engine.Session{Place: "村调委会", Record: "双方陈述，调解员释法。"},
					NewParty: &engine.Party{Side: engine.SideRespondent, Name: "王五"},
					Visit:    &engine.FollowUp{Visited: "张三", Findings: "正在履行。"}}
				actor := en.actorFor(t, r.Grants, c)
				if r.Activity == workflow.FlagOverdue {
					// Only the scheduler flags, and only a passed deadline.
					in.At = en.clock.Now().Add(365 * 24 * time.Hour)
				}
				if r.Activity == workflow.Assign {
					in.Mediator = actor.UserID
					if actor.Role != workflow.RoleMediator {
						for _, a := range en.actors {
							if a.Role == workflow.RoleMediator && a.UnitID == c.HandlingUnitID {
								in.Mediator = a.UserID
							}
						}
					}
				}
				if r.Activity == workflow.Resume && c.State.Level() != "" {
					if _, err := en.Record(ctx, actor, c.ID, workflow.Suspend, in); err != nil {
						t.Fatal(err)
					}
					c, _ = en.db.FindCase(ctx, c.ID)
					in.Version = c.Version
				}
				_, _, ok := workflow.LookupActivity(s, r.Activity)
				got, err := en.Record(ctx, actor, c.ID, r.Activity, in)
				if !ok {
					if engine.ErrorCode(err) != engine.ECONFLICT {
						t.Fatalf("got %v, want conflict", err)
					}
					en.unchanged(t, c, "a refused activity")
					return
				}
				if err != nil {
					t.Fatalf("allowed activity failed: %v", err)
				}
				if got.State != s || got.Version != c.Version+1 {
					t.Errorf("got %s v%d", got.State, got.Version)
				}
			})
		}
	}
}
