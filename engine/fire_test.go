package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// refusal is how the engine refuses an actor a step the table does not
// grant them: a case outside their subtree does not exist for them, one
// inside is forbidden.
func refusal(en *enginetest.Env, a engine.Actor, c *engine.Case) string {
	if !inSubtree(en, a, c) {
		return engine.ENOTFOUND
	}
	return engine.EFORBIDDEN
}

// TestEveryStateEventPair fires every event from every state. Allowed pairs
// succeed with the right role and data and fail, changing nothing, with a
// role the table does not grant or with data missing; other pairs fail with a
// conflict and change nothing.
func TestEveryStateEventPair(t *testing.T) {
	en := enginetest.New(t)
	for _, s := range workflow.States {
		for _, ev := range workflow.Events() {
			t.Run(string(s)+"/"+string(ev), func(t *testing.T) {
				c := en.CaseIn(t, s)
				tr, allowed := workflow.Lookup(s, ev)
				if !allowed {
					_, err := en.Fire(ctx, engine.System, c.ID, ev, engine.Input{})
					if engine.ErrorCode(err) != engine.ECONFLICT || engine.ErrorMessage(err) == "" {
						t.Fatalf("got %v, want a conflict", err)
					}
					en.Unchanged(t, c, "a refused event")
					return
				}
				in := en.ValidInput(tr, c)
				// A chosen unit defaults to the one above the location, so
				// the accept events need no data.
				if tr.Target != workflow.ChosenUnit {
					_, err := en.Fire(ctx, en.ActorFor(t, tr.Grants, c), c.ID, ev, engine.Input{Version: c.Version})
					if engine.ErrorCode(err) != engine.EINVALID {
						t.Errorf("without data: got %v, want invalid", err)
					}
					en.Unchanged(t, c, "an event without its data")
				}
				for _, a := range en.Actors {
					if workflow.Permits(tr.Grants, workflow.Position{Role: a.Role,
						AtHandlingUnit: a.UnitID == c.HandlingUnitID, InSubtree: inSubtree(en, a, c),
						AtPartner: a.Role == workflow.RolePartner && a.UnitID == c.PartnerUnitID}) {
						continue
					}
					_, err := en.Fire(ctx, a, c.ID, ev, in)
					if code := engine.ErrorCode(err); code != refusal(en, a, c) {
						t.Errorf("%s@%d: got %v, want %s", a.Role, a.UnitID, err, refusal(en, a, c))
					}
				}
				en.Unchanged(t, c, "a forbidden actor")
				got, err := en.Fire(ctx, en.ActorFor(t, tr.Grants, c), c.ID, ev, in)
				if err != nil {
					t.Fatalf("allowed event failed: %v", err)
				}
				if got.State != tr.To || got.Version != c.Version+1 {
					t.Errorf("got state %s version %d, want %s %d", got.State, got.Version, tr.To, c.Version+1)
				}
				stored, _ := en.DB.FindCase(ctx, c.ID)
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
	en := enginetest.New(t)
	c := en.NewCase(t)
	for _, tc := range []struct {
		ev   workflow.Event
		unit string
	}{
		{workflow.AcceptGrid, "G12"}, {workflow.AcceptGrid, "V1"}, {workflow.AcceptVillage, "V2"},
		{workflow.AcceptTown, "T2"}, {workflow.AcceptGrid, "nope"},
	} {
		_, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, tc.ev, engine.Input{Unit: tc.unit, Reason: "测试"})
		if engine.ErrorCode(err) != engine.EINVALID || engine.ErrorField(err) != "unit" {
			t.Errorf("%s to %s: got %v", tc.ev, tc.unit, err)
		}
	}
	// The routing suggestion for this simple neighbours' dispute is the
	// grid: sending it elsewhere needs a reason.
	if _, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptVillage, engine.Input{Unit: "V1"}); engine.ErrorField(err) != "reason" {
		t.Errorf("override without a reason: %v", err)
	}
	en.Unchanged(t, c, "a wrong unit")
	got, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptVillage, engine.Input{Unit: "V1", Reason: "当事人要求由村调委会调解"})
	if err != nil || got.HandlingUnitID != en.Units["V1"].ID {
		t.Fatalf("accept to V1: %v", err)
	}
}

// TestEscalationNote: a person escalates for a reason with a note of their
// own, which the event keeps; an event whose row takes no note keeps none.
func TestEscalationNote(t *testing.T) {
	en := enginetest.New(t)
	c := en.NewCase(t)
	c, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptGrid, engine.Input{Version: c.Version, Note: "不应保存"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.Fire(ctx, en.Actors["mediator@G11"], c.ID, workflow.Escalate,
		engine.Input{Version: c.Version, Reason: "调解不成", Note: "双方分歧在赔偿金额，请村调委会出面"}); err != nil {
		t.Fatal(err)
	}
	evs, err := en.DB.Events(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[1].Data.Note != "" || evs[2].Reason != "调解不成" || evs[2].Data.Note != "双方分歧在赔偿金额，请村调委会出面" {
		t.Errorf("events: %+v %+v", evs[1].Data, evs[2])
	}
}

// TestOpenCaseSteps registers a doorstep mediation in one step, and checks
// that a refused step saves nothing.
func TestOpenCaseSteps(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@G11"]
	n := func() *engine.NewCase {
		return &engine.NewCase{Source: "门前调", Category: "损害赔偿", LocationID: en.Units["G11"].ID, People: 2,
			Risk: engine.RiskGreen, Summary: "两位业主因车辆刮擦赔偿发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "陈明"}, {Side: engine.SideRespondent, Name: "周强"}}}
	}
	c, err := en.OpenCase(ctx, med, n(),
		engine.Step{Event: workflow.AcceptGrid},
		engine.Step{Activity: workflow.LogSession, Input: engine.Input{Session: &engine.Session{Place: "小区门口", Record: "双方当场协商"}}},
		engine.Step{Event: workflow.Agree, Input: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementOral, Terms: "周强赔付800元", Amount: 80000, OralConfirmed: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != workflow.Agreed || c.Version != 4 || c.AgreedTier != workflow.LevelGrid || c.Number == "" {
		t.Fatalf("doorstep case: %+v", c)
	}
	en.CheckInvariants(t, c.ID)
	// A refused last step (an agreement without terms) leaves no case and
	// uses no number.
	_, err = en.OpenCase(ctx, med, n(), engine.Step{Event: workflow.AcceptGrid},
		engine.Step{Event: workflow.Agree, Input: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementOral}}})
	if engine.ErrorField(err) != "agreement.terms" {
		t.Fatalf("agreement without terms: %v", err)
	}
	if _, total, _ := en.Cases(ctx, engine.System, engine.CaseFilter{}); total != 1 {
		t.Fatalf("%d cases after a refused doorstep mediation", total)
	}
	next, err := en.OpenCase(ctx, med, n())
	if err != nil || next.Seq != 2 {
		t.Fatalf("the next case got number %d: %v", next.Seq, err)
	}
}

// TestValidationCollectsEveryField checks that a bad form gets a message for
// each wrong field at once.
func TestValidationCollectsEveryField(t *testing.T) {
	en := enginetest.New(t)
	_, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "?", Category: "邻里", LocationID: en.Units["V1"].ID,
		People: 0, Risk: engine.RiskGreen, Summary: "短",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲", IDNumber: "330411196505120012", Phone: "123"}}})
	fields := engine.ErrorFields(err)
	for _, f := range []string{"source", "location", "people", "summary", "parties.0.id_number", "parties.0.phone"} {
		if fields[f] == "" {
			t.Errorf("no message for %s: %v", f, fields)
		}
	}
	if engine.ErrorCode(err) != engine.EINVALID || len(fields) != 6 {
		t.Errorf("got %v", err)
	}
}

// TestDuplicates finds open cases sharing a party's phone or ID number, or
// the same names in the same village, and only those the actor may see.
func TestDuplicates(t *testing.T) {
	en := enginetest.New(t)
	first := en.NewCase(t) // 张三 (13800000001) and 李四 at G11
	intake := en.Actors["intake@T1"]
	for _, tc := range []struct {
		name    string
		grid    string
		parties []*engine.Party
		want    bool
	}{
		{"same phone elsewhere", "G21", []*engine.Party{{Side: engine.SideApplicant, Name: "王五", Phone: "13800000001"}}, true},
		{"same names, same village", "G12", []*engine.Party{{Side: engine.SideApplicant, Name: "李四"}, {Side: engine.SideRespondent, Name: "张三"}}, true},
		{"same names, other village", "G21", []*engine.Party{{Side: engine.SideApplicant, Name: "李四"}, {Side: engine.SideRespondent, Name: "张三"}}, false},
		{"one name only", "G12", []*engine.Party{{Side: engine.SideApplicant, Name: "张三"}, {Side: engine.SideRespondent, Name: "赵六"}}, false},
	} {
		got, err := en.Queues.Duplicates(ctx, intake, &engine.NewCase{LocationID: en.Units[tc.grid].ID, Parties: tc.parties})
		if err != nil {
			t.Fatal(err)
		}
		if found := len(got) == 1 && got[0].ID == first.ID; found != tc.want {
			t.Errorf("%s: got %d cases", tc.name, len(got))
		}
	}
	got, _ := en.Queues.Duplicates(ctx, en.Actors["intake@T2"], &engine.NewCase{LocationID: en.Units["G31"].ID,
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五", Phone: "13800000001"}}})
	if len(got) != 0 {
		t.Errorf("another town's desk sees %d duplicates", len(got))
	}
}

func inSubtree(en *enginetest.Env, a engine.Actor, c *engine.Case) bool {
	if a.Role == workflow.RolePartner {
		// A partner's liaison sees the cases that wait on its body and those
		// it sent in.
		return a.UnitID == c.PartnerUnitID || a.UnitID == c.SenderUnitID
	}
	tree, _ := en.Tree(ctx)
	return tree.Contains(a.UnitID, c.HandlingUnitID) || tree.Contains(a.UnitID, c.LocationUnitID)
}

// TestEveryStateActivityPair records every activity in every state.
// refusedNow are the activities the table allows in a state that the case
// of enginetest.PathTo cannot have now: its agreement is oral, so no judicial
// confirmation; a file without the notice of rights and a session record
// cannot be archived, nor one never accepted (refused, withdrawn at the
// desk, referred out before acceptance); and a notice recorded after the
// close must say when the parties were told, which none of these says.
// Its dispute, green and of two people, is no major one to report.
var refusedNow = map[[2]string]string{
	{"registered", "major_report"}:      engine.ECONFLICT,
	{"grid", "major_report"}:            engine.ECONFLICT,
	{"village", "major_report"}:         engine.ECONFLICT,
	{"town", "major_report"}:            engine.ECONFLICT,
	{"referred", "major_report"}:        engine.ECONFLICT,
	{"agreed", "confirm"}:               engine.ECONFLICT,
	{"fulfilled", "confirm"}:            engine.ECONFLICT,
	{"fulfilled", "archive"}:            engine.EINVALID,
	{"failed", "archive"}:               engine.EINVALID,
	{"unperformed", "archive"}:          engine.EINVALID,
	{"rejected", "archive"}:             engine.ECONFLICT,
	{"withdrawn", "archive"}:            engine.ECONFLICT,
	{"partner_closed", "archive"}:       engine.ECONFLICT,
	{"fulfilled", "rights_notice"}:      engine.EINVALID,
	{"failed", "rights_notice"}:         engine.EINVALID,
	{"unperformed", "rights_notice"}:    engine.EINVALID,
	{"rejected", "rights_notice"}:       engine.ECONFLICT,
	{"withdrawn", "rights_notice"}:      engine.ECONFLICT,
	{"partner_closed", "rights_notice"}: engine.ECONFLICT,
	// A supplement is for an archived file; these are not archived.
	{"fulfilled", "supplement"}:      engine.ECONFLICT,
	{"failed", "supplement"}:         engine.ECONFLICT,
	{"withdrawn", "supplement"}:      engine.ECONFLICT,
	{"rejected", "supplement"}:       engine.ECONFLICT,
	{"partner_closed", "supplement"}: engine.ECONFLICT,
	{"unperformed", "supplement"}:    engine.ECONFLICT,
}

func TestEveryStateActivityPair(t *testing.T) {
	en := enginetest.New(t)
	for _, s := range workflow.States {
		for _, r := range workflow.Activities {
			t.Run(string(s)+"/"+string(r.Activity), func(t *testing.T) {
				c := en.CaseIn(t, s)
				in := engine.Input{Version: c.Version, Note: "已电话联系", Reason: "等待当事人返乡", Days: 10,
					Consent: true, Risk: engine.RiskYellow,
					Session:  &engine.Session{Place: "村调委会", Record: "双方陈述，调解员释法。"},
					NewParty: &engine.Party{Side: engine.SideRespondent, Name: "王五"},
					Visit:    &engine.FollowUp{Visited: "张三", Findings: "正在履行。"},
					Notice:   &engine.Notice{To: "张三、李四"}, Confirmation: &engine.Confirmation{Kind: engine.ConfirmNone}, Partner: "派出所",
					Files:  []*engine.Upload{engine.NewUpload("收据.pdf", 9, strings.NewReader("%PDF-1.4\n"))},
					Rating: &engine.Rating{Value: "fair", Comment: "调解员很耐心。"}}
				actor := en.ActorFor(t, r.Grants, c)
				if r.Activity == workflow.FlagOverdue {
					// Only the scheduler flags, and only a passed deadline.
					in.At = en.Clock.Now().Add(365 * 24 * time.Hour)
				}
				if r.Activity == workflow.Assign {
					in.Mediator = actor.UserID
					if actor.Role != workflow.RoleMediator {
						for _, a := range en.Actors {
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
					c, _ = en.DB.FindCase(ctx, c.ID)
					in.Version = c.Version
				}
				_, _, ok := workflow.LookupActivity(s, r.Activity)
				got, err := en.Record(ctx, actor, c.ID, r.Activity, in)
				if !ok {
					// A partner's liaison does not see a case that waits on
					// no partner.
					want := engine.ECONFLICT
					if actor.Role == workflow.RolePartner && !inSubtree(en, actor, c) {
						want = engine.ENOTFOUND
					}
					if engine.ErrorCode(err) != want {
						t.Fatalf("got %v, want %s", err, want)
					}
					en.Unchanged(t, c, "a refused activity")
					return
				}
				if code, ok := refusedNow[[2]string{string(s), string(r.Activity)}]; ok {
					if engine.ErrorCode(err) != code {
						t.Fatalf("got %v, want %s", err, code)
					}
					en.Unchanged(t, c, "an activity that does not apply now")
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

// TestAPersonGivesTheVersion checks that a change by a person names the
// version it was decided on: without it nothing happens, and the same
// change sent twice with one version happens once, the second answering
// with a conflict rather than a permission message.
func TestAPersonGivesTheVersion(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	sup := en.Actors["supervisor@T1"]
	escalate := engine.Input{Reason: "调解不成"}
	if _, err := en.Engine.Fire(ctx, sup, c.ID, workflow.Escalate, escalate); engine.ErrorCode(err) != engine.EMALFORMED ||
		!strings.Contains(engine.ErrorMessage(err), "版本") {
		t.Fatalf("without a version: %v, want EMALFORMED naming the version", err)
	}
	if _, err := en.Engine.Record(ctx, en.Actors["mediator@G11"], c.ID, workflow.AddNote, engine.Input{Note: "走访"}); engine.ErrorCode(err) != engine.EMALFORMED {
		t.Fatalf("an activity without a version: %v, want EMALFORMED", err)
	}
	if now, _ := en.DB.FindCase(ctx, c.ID); now.Version != c.Version || now.State != workflow.Grid {
		t.Fatalf("the refused changes changed the case: version %d→%d, %s", c.Version, now.Version, now.State)
	}
	escalate.Version = c.Version
	if _, err := en.Engine.Fire(ctx, sup, c.ID, workflow.Escalate, escalate); err != nil {
		t.Fatal(err)
	}
	_, err := en.Engine.Fire(ctx, sup, c.ID, workflow.Escalate, escalate)
	if engine.ErrorCode(err) != engine.ECONFLICT || engine.ErrorMessage(err) != "您已在3月2日09:00上报，这次重复提交未保存。" {
		t.Fatalf("the same escalation again: %v, want the conflict of a form sent twice", err)
	}
	if now, _ := en.DB.FindCase(ctx, c.ID); now.State != workflow.Village || now.Version != c.Version+1 {
		t.Fatalf("after a double submit: %s version %d, want village version %d", now.State, now.Version, c.Version+1)
	}
	if _, err := en.Engine.Fire(ctx, engine.System, c.ID, workflow.Escalate, engine.Input{Reason: workflow.ReasonOverdue, Automatic: true}); err != nil {
		t.Fatalf("the scheduler acts on the case as it finds it: %v", err)
	}
}

// TestWhatAFormSaw: a form sent from a page the case has since moved on
// from is refused, saying what changed, only when a change since touched
// what its sender read; records that only add to the file (a 督办 note, a
// session record) let it through, and the same step by the same person
// twice is one form sent twice.
func TestWhatAFormSaw(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Village)
	med, sup := en.Actors["mediator@V1"], en.Actors["supervisor@T1"]
	seen := c.Version
	if _, err := en.Engine.Record(ctx, sup, c.ID, workflow.Supervise, engine.Input{Version: seen, Note: "请于本周内约谈双方"}); err != nil {
		t.Fatal(err)
	}
	session := &engine.Session{Place: "麟湖村调解室", Participants: "双方当事人", Record: "双方到场，各自陈述了意见。"}
	if _, err := en.Engine.Record(ctx, med, c.ID, workflow.LogSession, engine.Input{Version: seen, Session: session}); err != nil {
		t.Fatalf("a session record after a 督办 note: %v", err)
	}
	_, err := en.Engine.Record(ctx, med, c.ID, workflow.LogSession, engine.Input{Version: seen, Session: session})
	if engine.ErrorCode(err) != engine.ECONFLICT || engine.ErrorMessage(err) != "您已在3月2日09:00调解记录，这次重复提交未保存。" {
		t.Fatalf("the same session record sent twice: %v", err)
	}
	_, err = en.Engine.Record(ctx, med, c.ID, workflow.LogSession, engine.Input{Version: seen, Session: &engine.Session{}})
	if engine.ErrorCode(err) != engine.EINVALID {
		t.Fatalf("an empty session record after a note: %v, want the form's own mistake", err)
	}
	if _, err := en.Engine.Record(ctx, sup, c.ID, workflow.Extend, engine.Input{Version: seen + 2, Days: 10, Consent: true, Reason: "双方同意延期"}); err != nil {
		t.Fatal(err)
	}
	_, err = en.Engine.Fire(ctx, med, c.ID, workflow.Escalate, engine.Input{Version: seen + 2, Reason: "调解不成"})
	if want := "您打开本页之后，本案有了变化：3月2日09:00 supervisor@T1延长期限。请看过这些变化后再提交。"; engine.ErrorCode(err) != engine.ECONFLICT ||
		engine.ErrorField(err) != "version" || engine.ErrorMessage(err) != want {
		t.Fatalf("an escalation after an extension: %v, want %s", err, want)
	}
	if now, _ := en.DB.FindCase(ctx, c.ID); now.State != workflow.Village || now.Version != seen+3 {
		t.Fatalf("%s version %d, want village version %d", now.State, now.Version, seen+3)
	}
}
