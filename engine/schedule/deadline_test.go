package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// sweepAt runs the scheduler at t and returns what it did.
func sweepAt(t *testing.T, en *enginetest.Env, at time.Time) schedule.DeadlineResult {
	t.Helper()
	res, err := en.Scheduler.RunDeadlines(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func reload(t *testing.T, en *enginetest.Env, id int64) *engine.Case {
	t.Helper()
	c, err := en.DB.FindCase(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDeadlinesFire walks a case through every deadline of DESIGN §4: each
// fires at its moment and not a minute before, and only once.
func TestDeadlinesFire(t *testing.T) {
	en := enginetest.New(t)
	start := en.Clock.Now()
	day := 24 * time.Hour
	minute := time.Minute

	c := en.NewCase(t)
	if !c.DueAt.Equal(start.Add(2 * day)) {
		t.Fatalf("registered due %v", c.DueAt)
	}
	// Registered: 2 days, then flagged for supervisors.
	if r := sweepAt(t, en, start.Add(2*day-minute)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("a minute early: %+v", r)
	}
	if r := sweepAt(t, en, start.Add(2*day)); r.Flagged != 1 {
		t.Fatalf("registered deadline: %+v", r)
	}
	if r := sweepAt(t, en, start.Add(2*day+time.Hour)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("flagged twice: %+v", r)
	}

	// Grid: 3 days from acceptance, then escalated to the village.
	en.Clock.Set(start.Add(2*day + 2*time.Hour))
	acc := en.Clock.Now()
	c, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptGrid, engine.Input{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.DueAt.Equal(acc.Add(3*day)) || !c.OverallDueAt.Equal(acc.Add(30*day)) {
		t.Fatalf("grid due %v overall %v", c.DueAt, c.OverallDueAt)
	}
	if r := sweepAt(t, en, acc.Add(3*day-minute)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("grid, a minute early: %+v", r)
	}
	if r := sweepAt(t, en, acc.Add(3*day)); r.Escalated != 1 {
		t.Fatalf("grid deadline: %+v", r)
	}
	c = reload(t, en, c.ID)
	if c.State != workflow.Village || c.HandlingUnitID != en.Units["V1"].ID || !c.DueAt.Equal(acc.Add(10*day)) {
		t.Fatalf("after grid escalation: %s at %d due %v", c.State, c.HandlingUnitID, c.DueAt)
	}
	evs, _ := en.DB.Events(ctx, c.ID)
	last := evs[len(evs)-1]
	if last.Name != workflow.Escalate.Step() || !last.Automatic || last.Reason != workflow.ReasonOverdue || last.Role != workflow.RoleSystem {
		t.Fatalf("escalation event %+v", last)
	}

	// Village: 7 days from the escalation, then escalated to the town.
	if r := sweepAt(t, en, acc.Add(10*day-minute)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("village, a minute early: %+v", r)
	}
	if r := sweepAt(t, en, acc.Add(10*day)); r.Escalated != 1 {
		t.Fatalf("village deadline: %+v", r)
	}
	c = reload(t, en, c.ID)
	if c.State != workflow.Town || !c.DueAt.Equal(acc.Add(30*day)) {
		t.Fatalf("after village escalation: %s due %v", c.State, c.DueAt)
	}

	// Town: 20 days; it coincides here with the overall 30 days from
	// acceptance, and both are flagged once.
	if r := sweepAt(t, en, acc.Add(30*day-minute)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("town, a minute early: %+v", r)
	}
	if r := sweepAt(t, en, acc.Add(30*day)); r.Flagged != 1 || r.Escalated != 0 {
		t.Fatalf("town deadline: %+v", r)
	}
	if r := sweepAt(t, en, acc.Add(31*day)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("town flagged twice: %+v", r)
	}
}

// TestOverallAndOtherDeadlines covers the overall clock on its own, referral
// feedback and the follow-up visit after an agreement.
func TestOverallAndOtherDeadlines(t *testing.T) {
	en := enginetest.New(t)
	day := 24 * time.Hour
	start := en.Clock.Now()

	// The overall clock keeps running across tiers: accepted at the town
	// and handed down, a fresh village clock, but 30 days from acceptance
	// the overall deadline is flagged.
	c := en.CaseIn(t, workflow.Town)
	en.Clock.Set(start.Add(25 * day))
	c, err := en.Fire(ctx, en.Actors["mediator@T1"], c.ID, workflow.HandDown, engine.Input{Unit: "V1", Reason: "就近调解"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.DueAt.Equal(start.Add(32*day)) || !c.OverallDueAt.Equal(start.Add(30*day)) {
		t.Fatalf("village due %v overall %v", c.DueAt, c.OverallDueAt)
	}
	if r := sweepAt(t, en, start.Add(30*day-time.Minute)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("overall, a minute early: %+v", r)
	}
	if r := sweepAt(t, en, start.Add(30*day)); r.Flagged != 1 {
		t.Fatalf("overall deadline: %+v", r)
	}
	// Then the village deadline passes: escalated.
	if r := sweepAt(t, en, start.Add(32*day)); r.Escalated != 1 {
		t.Fatalf("village after overall: %+v", r)
	}

	// Referred: 15 days for the partner's feedback.
	en.Clock.Set(start)
	r := en.CaseIn(t, workflow.Referred)
	if !r.DueAt.Equal(start.Add(15 * day)) {
		t.Fatalf("referred due %v", r.DueAt)
	}
	// Agreed: 回访 15 days after the performance date.
	a := en.CaseIn(t, workflow.Grid)
	due := start.Add(10 * day)
	a, err = en.Fire(ctx, en.Actors["mediator@G11"], a.ID, workflow.Agree, engine.Input{Agreement: &engine.Agreement{
		Kind: engine.AgreementWritten, Terms: "赔偿", Performance: "转账", DueAt: &due}})
	if err != nil {
		t.Fatal(err)
	}
	if !a.DueAt.Equal(start.Add(25 * day)) {
		t.Fatalf("follow-up due %v", a.DueAt)
	}
	res := sweepAt(t, en, start.Add(25*day))
	if res.Flagged != 2 {
		t.Fatalf("referral and follow-up: %+v", res)
	}
}

// TestClockShifts checks that suspend, resume and extend move the deadlines
// exactly, and that an escalation restarts the tier clock.
func TestClockShifts(t *testing.T) {
	en := enginetest.New(t)
	day := 24 * time.Hour
	c := en.CaseIn(t, workflow.Grid)
	due, overall := *c.DueAt, *c.OverallDueAt
	med := en.Actors["mediator@G11"]

	en.Clock.Advance(day)
	c, err := en.Record(ctx, med, c.ID, workflow.Suspend, engine.Input{Reason: "当事人外出务工"})
	if err != nil {
		t.Fatal(err)
	}
	// Suspended: nothing fires even long after the deadline.
	if r := sweepAt(t, en, due.Add(10*day)); r != (schedule.DeadlineResult{}) {
		t.Fatalf("suspended case swept: %+v", r)
	}
	en.Clock.Advance(36*time.Hour + 17*time.Minute)
	c, err = en.Record(ctx, med, c.ID, workflow.Resume, engine.Input{Reason: "当事人返乡"})
	if err != nil {
		t.Fatal(err)
	}
	paused := 36*time.Hour + 17*time.Minute
	if !c.DueAt.Equal(due.Add(paused)) || !c.OverallDueAt.Equal(overall.Add(paused)) {
		t.Fatalf("after resume: due %v (want %v), overall %v (want %v)", c.DueAt, due.Add(paused), c.OverallDueAt, overall.Add(paused))
	}
	c, err = en.Record(ctx, med, c.ID, workflow.Extend, engine.Input{Days: 10, Consent: true, Reason: "需等待鉴定结果"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.OverallDueAt.Equal(overall.Add(paused + 10*day)) {
		t.Fatalf("after extend: overall %v", c.OverallDueAt)
	}
	if _, err := en.Record(ctx, med, c.ID, workflow.Extend, engine.Input{Days: 10, Reason: "x"}); engine.ErrorCode(err) != engine.EINVALID {
		t.Fatalf("extend without consent: %v", err)
	}
	en.Clock.Advance(time.Hour)
	esc := en.Clock.Now()
	c, err = en.Fire(ctx, med, c.ID, workflow.Escalate, engine.Input{Reason: "调解不成"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.TierStartedAt.Equal(esc) || !c.DueAt.Equal(esc.Add(7*day)) {
		t.Fatalf("escalation did not restart the tier clock: started %v due %v", c.TierStartedAt, c.DueAt)
	}
	evs, _ := en.DB.Events(ctx, c.ID)
	ds := en.Files.Deadlines(ctx, c, evs, nil)
	if len(ds) != 2 || len(ds[1].Why) != 3 {
		t.Fatalf("deadlines explained: %+v", ds)
	}
}

// TestWorkingDays counts deadlines on a calendar with the National Day
// holiday and two make-up working days (调休).
func TestWorkingDays(t *testing.T) {
	en := enginetest.New(t)
	p := engine.DefaultPolicy()
	p.WorkingDays = true
	en.TownPolicies = map[string]engine.Policy{"T1": p}
	en.Calendar = engine.Calendar{
		Holidays: map[string]bool{"2026-10-01": true, "2026-10-02": true, "2026-10-05": true, "2026-10-06": true, "2026-10-07": true},
		Workdays: map[string]bool{"2026-09-27": true, "2026-10-10": true},
	}
	cst := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct{ start, grid string }{
		// Friday: Saturday off, Sunday 27th a make-up working day.
		{"2026-09-25T10:00:00", "2026-09-29T10:00:00"},
		// Wednesday before the holiday: the 8th, 9th, then Saturday 10th.
		{"2026-09-30T10:00:00", "2026-10-10T10:00:00"},
		// An ordinary week.
		{"2026-11-02T09:30:00", "2026-11-05T09:30:00"},
	} {
		at, _ := time.ParseInLocation("2006-01-02T15:04:05", tc.start, cst)
		want, _ := time.ParseInLocation("2006-01-02T15:04:05", tc.grid, cst)
		en.Clock.Set(at.UTC())
		c := en.CaseIn(t, workflow.Grid)
		if !c.DueAt.Equal(want) {
			t.Errorf("accepted %s: grid due %s, want %s", tc.start, c.DueAt.In(cst), want)
		}
	}
	// Another town keeps calendar days.
	en.Clock.Set(time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC))
	c, err := en.OpenCase(ctx, en.Actors["intake@T2"], &engine.NewCase{Source: "当事人申请", Category: "邻里",
		LocationID: en.Units["G31"].ID, People: 2, Risk: engine.RiskGreen, Summary: "邻里纠纷测试。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !c.DueAt.Equal(en.Clock.Now().Add(48 * time.Hour)) {
		t.Errorf("calendar-day town: due %v", c.DueAt)
	}
}

// TestTwoSchedulers runs two schedulers, each on its own connection pool as
// two servers would be, over the same overdue cases at once: every case is
// escalated exactly once.
func TestTwoSchedulers(t *testing.T) {
	en, second := enginetest.TwoServers(t)
	const n = 30
	var ids []int64
	for range n {
		ids = append(ids, en.CaseIn(t, workflow.Grid).ID)
	}
	other := schedule.New(engine.New(second), second)
	at := en.Clock.Now().Add(4 * 24 * time.Hour)
	var wg sync.WaitGroup
	results := make([]schedule.DeadlineResult, 2)
	errs := make([]error, 2)
	for i, e := range []*schedule.Service{en.Scheduler, other} {
		wg.Go(func() { results[i], errs[i] = e.RunDeadlines(ctx, at) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if got := results[0].Escalated + results[1].Escalated; got != n {
		t.Fatalf("%d escalations of %d overdue cases: %+v", got, n, results)
	}
	for _, id := range ids {
		evs, _ := en.DB.Events(ctx, id)
		count := 0
		for _, ev := range evs {
			if ev.Name == workflow.Escalate.Step() {
				count++
			}
		}
		if count != 1 {
			t.Errorf("case %d escalated %d times", id, count)
		}
		en.CheckInvariants(t, id)
	}
	if r, _ := other.RunDeadlines(ctx, at); r != (schedule.DeadlineResult{}) {
		t.Errorf("a third sweep did %+v", r)
	}
}

// TestSweepInBatches: a sweep of more cases than a batch deals with each
// once, and the next sweep finds nothing left.
func TestSweepInBatches(t *testing.T) {
	en := enginetest.New(t)
	for range 250 {
		en.CaseIn(t, workflow.Grid)
	}
	en.Clock.Advance(4 * 24 * time.Hour)
	res, err := en.Scheduler.RunDeadlines(ctx, en.Now())
	if err != nil || res.Escalated != 250 || res.Flagged != 0 {
		t.Fatalf("first sweep: %+v, %v", res, err)
	}
	if res, err := en.Scheduler.RunDeadlines(ctx, en.Now()); err != nil || res != (schedule.DeadlineResult{}) {
		t.Errorf("second sweep: %+v, %v", res, err)
	}
	cases, total, err := en.Cases(ctx, engine.System, engine.CaseFilter{States: []workflow.State{workflow.Village}, Limit: 1})
	if err != nil || total != 250 || len(cases) != 1 {
		t.Errorf("%d cases at the village, %v", total, err)
	}
	if _, n, err := en.Notices.Notifications(ctx, en.Actors["mediator@V1"], 1); n != 250 {
		t.Errorf("the village was told of %d escalations, %v", n, err)
	}
	// The navigation bar's count stops at its cap.
	if n, err := en.Notices.Unread(ctx, en.Actors["mediator@V1"]); n != 100 {
		t.Errorf("the navigation bar counts %d unread, %v", n, err)
	}
}
