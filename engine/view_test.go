package engine_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/importer"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/workflow"
)

// TestViewCaseMasksOnce reads one case as three people: only the handling
// unit's mediator sees the phone in full, and only that view is an audit
// row, which the town's supervisor and the admin read back.
func TestViewCaseMasksOnce(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	for _, tc := range []struct {
		who      string
		phone    string
		unmasked bool
		buttons  []workflow.Event
	}{
		{"mediator@G11", "13800000001", true, []workflow.Event{workflow.Escalate, workflow.Agree, workflow.Fail, workflow.Withdraw, workflow.Refer}},
		{"mediator@V1", "138****0001", false, nil},
		{"supervisor@T1", "138****0001", false, []workflow.Event{workflow.Escalate, workflow.Refer}},
	} {
		v, err := en.Files.CaseFile(ctx, en.Actors[tc.who], c.ID, "/cases/1")
		if err != nil {
			t.Fatal(err)
		}
		var events []workflow.Event
		for _, tr := range v.Transitions {
			events = append(events, tr.Event)
		}
		if v.Parties[0].Phone != tc.phone || v.Unmasked != tc.unmasked || !slices.Equal(events, tc.buttons) {
			t.Errorf("%s: phone %s, unmasked %v, buttons %v", tc.who, v.Parties[0].Phone, v.Unmasked, events)
		}
		if v.Location != "油车港镇 / 麟湖村 / 麟湖村第1网格" || v.Handling != "油车港镇 / 麟湖村 / 麟湖村第1网格" || len(v.Timeline) != 2 {
			t.Errorf("%s: location %q, handling %q, %d events", tc.who, v.Location, v.Handling, len(v.Timeline))
		}
	}
	for _, who := range []string{"supervisor@T1", "admin@T1"} {
		rows, err := en.Accounts.Audit(ctx, en.Actors[who], engine.AuditFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].ActorName != "mediator@G11" || rows[0].Action != engine.AuditUnmask || rows[0].CaseID != c.ID || rows[0].Detail != "/cases/1" {
			t.Errorf("%s reads %+v", who, rows)
		}
	}
	if rows, _ := en.Accounts.Audit(ctx, en.Actors["supervisor@T2"], engine.AuditFilter{Limit: 10}); len(rows) != 0 {
		t.Errorf("another town's supervisor reads %+v", rows)
	}
	if _, err := en.Accounts.Audit(ctx, en.Actors["mediator@G11"], engine.AuditFilter{Limit: 10}); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("a mediator reads the audit trail: %v", err)
	}
	if _, err := en.Files.CaseFile(ctx, en.Actors["mediator@G12"], c.ID, "/cases/1"); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("outside the subtree: %v, want the answer for a missing case", err)
	}
}

// TestDeskCallsBack: the desk of the case's town sees the parties' phones in
// full for 30 days after registering it, to call them back, and not their ID
// numbers; each such view is an audit row; after 30 days the phone is masked.
func TestDeskCallsBack(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	desk := en.Actors["intake@T1"]
	for _, tc := range []struct {
		after   time.Duration
		phone   string
		audited int
	}{
		{0, "13800000001", 1},
		{29 * 24 * time.Hour, "13800000001", 2},
		{2 * 24 * time.Hour, "138****0001", 2},
	} {
		en.Clock.Advance(tc.after)
		v, err := en.Files.CaseFile(ctx, desk, c.ID, "/cases/1")
		if err != nil {
			t.Fatal(err)
		}
		if v.Parties[0].Phone != tc.phone || v.Unmasked {
			t.Errorf("after %s: phone %s, unmasked %v", tc.after, v.Parties[0].Phone, v.Unmasked)
		}
		rows, err := en.Accounts.Audit(ctx, en.Actors["supervisor@T1"], engine.AuditFilter{Action: engine.AuditUnmask, Limit: 10})
		if err != nil || len(rows) != tc.audited || rows[0].ActorName != "intake@T1" {
			t.Errorf("after %s: audit %+v, %v", tc.after, rows, err)
		}
	}
}

// TestDeskQueue: the desk's queue holds the disputes awaiting its decision
// and the referrals awaiting feedback in its town, soonest due first, and
// what the clerk registered in the last 30 days; another town's desk sees
// none of them.
func TestDeskQueue(t *testing.T) {
	en := enginetest.New(t)
	first := en.NewCase(t)
	en.Clock.Advance(time.Hour)
	second := en.NewCase(t)
	referred := en.CaseIn(t, workflow.Referred)
	accepted := en.CaseIn(t, workflow.Grid)
	ids := func(cases []*engine.Case) []int64 {
		var out []int64
		for _, c := range cases {
			out = append(out, c.ID)
		}
		return out
	}
	q, err := en.Queues.Queue(ctx, en.Actors["intake@T1"])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(q.Awaiting), []int64{first.ID, second.ID}; !slices.Equal(got, want) {
		t.Errorf("awaiting %v, want %v", got, want)
	}
	if got, want := ids(q.Referred), []int64{referred.ID}; !slices.Equal(got, want) {
		t.Errorf("referred %v, want %v", got, want)
	}
	if got := ids(q.Registered); len(got) != 4 || !slices.Contains(got, accepted.ID) {
		t.Errorf("registered by the clerk: %v", got)
	}
	en.Clock.Advance(31 * 24 * time.Hour)
	if q, _ := en.Queues.Queue(ctx, en.Actors["intake@T1"]); len(q.Registered) != 0 || len(q.Awaiting) != 2 {
		t.Errorf("31 days on: %d registered, %d awaiting", len(q.Registered), len(q.Awaiting))
	}
	if q, _ := en.Queues.Queue(ctx, en.Actors["intake@T2"]); len(q.Awaiting)+len(q.Referred)+len(q.Registered) != 0 {
		t.Errorf("another town's desk sees %+v", q)
	}
}

// TestQueue: a mediator's work is their unit's open cases and agreements;
// their queue has the case a supervisor pressed with the latest 督办 note,
// the agreement whose follow-up falls due within three days and the closed
// case to archive; the supervisor's has the overdue and pressed cases and
// each unit's load; the navigation bar counts each.
func TestQueue(t *testing.T) {
	en := enginetest.New(t)
	med, sup := en.Actors["mediator@G11"], en.Actors["supervisor@T1"]
	var ids []int64
	for range 3 {
		c := en.CaseIn(t, workflow.Grid)
		ids = append(ids, c.ID)
	}
	if _, err := en.Fire(ctx, med, ids[1], workflow.Fail, engine.Input{Reason: "分歧过大", Routes: []string{"诉讼"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Fire(ctx, med, ids[2], workflow.Agree, engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementOral, Terms: "道歉"}}); err != nil {
		t.Fatal(err)
	}
	en.Clock.Advance(time.Hour)
	for _, note := range []string{"请尽快", "请今日办结"} {
		if _, err := en.Record(ctx, sup, ids[0], workflow.Supervise, engine.Input{Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	cases, total, err := en.Work(ctx, med, engine.CaseFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range cases {
		got = append(got, c.ID)
	}
	slices.Sort(got)
	if want := []int64{ids[0], ids[2]}; !slices.Equal(got, want) || total != 2 {
		t.Errorf("work %v (total %d), want %v", got, total, want)
	}
	q, err := en.Queues.Queue(ctx, med)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Pressed) != 1 || q.Pressed[0].Case.ID != ids[0] || q.Pressed[0].Event.Data.Note != "请今日办结" {
		t.Errorf("pressed %+v", q.Pressed)
	}
	if len(q.ToArchive) != 1 || q.ToArchive[0].ID != ids[1] {
		t.Errorf("to archive %+v, want the failed case", q.ToArchive)
	}
	if len(q.FollowUps) != 0 {
		t.Errorf("a follow-up due in 15 days is in the queue: %+v", q.FollowUps)
	}
	if q, _ := en.Queues.Queue(ctx, en.Actors["mediator@G12"]); len(q.Pressed)+len(q.ToArchive)+len(q.FollowUps) != 0 {
		t.Errorf("another grid's queue: %+v", q)
	}
	// Thirteen days on, the follow-up is due within three days and the
	// grid's 5 days have long passed.
	en.Clock.Advance(13 * 24 * time.Hour)
	if q, _ := en.Queues.Queue(ctx, med); len(q.FollowUps) != 1 || q.FollowUps[0].ID != ids[2] {
		t.Errorf("follow-ups due %+v, want the agreement", q.FollowUps)
	}
	q, err = en.Queues.Queue(ctx, sup)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Overdue) != 1 || q.Overdue[0].ID != ids[0] || len(q.Pressed) != 1 {
		t.Errorf("the supervisor's overdue %+v and pressed %+v", q.Overdue, q.Pressed)
	}
	if want := []queue.UnitLoad{{UnitID: en.Units["G11"].ID, Open: 1, Overdue: 1, Pressed: 1}}; !slices.Equal(q.Units, want) {
		t.Errorf("units %+v, want %+v", q.Units, want)
	}
	for _, tc := range []struct {
		who  string
		want int
	}{{"mediator@G11", 2}, {"mediator@G12", 0}, {"supervisor@T1", 1}, {"supervisor@T2", 0}, {"intake@T1", 0}, {"admin@T1", 0}} {
		if n, err := en.Queues.QueueCount(ctx, en.Actors[tc.who]); err != nil || n != tc.want {
			t.Errorf("%s's count %d, %v, want %d", tc.who, n, err, tc.want)
		}
	}
}

// TestCommitteeAndSweepLateness: a grid's steps are its village
// committee's, a village's and a town's their own; sweeps are late after
// the 20th of the next month.
func TestCommitteeAndSweepLateness(t *testing.T) {
	en := enginetest.New(t)
	tree, _ := en.Tree(ctx)
	for unit, want := range map[string]string{"G11": "麟湖村人民调解委员会", "V1": "麟湖村人民调解委员会", "T1": "油车港镇人民调解委员会"} {
		if got := tree.CommitteeOf(en.Units[unit].ID); got == nil || got.Name != want {
			t.Errorf("%s's committee %v, want %s", unit, got, want)
		}
	}
	loc := en.Location
	for _, tc := range []struct {
		now   time.Time
		month string
		late  bool
	}{
		{time.Date(2026, 11, 20, 23, 0, 0, 0, loc), "2026-10", false},
		{time.Date(2026, 11, 21, 0, 1, 0, 0, loc), "2026-10", true},
		{time.Date(2026, 11, 21, 0, 1, 0, 0, loc), "2026-11", false},
		{time.Date(2026, 11, 21, 0, 1, 0, 0, loc), "not a month", false},
	} {
		en.Now = func() time.Time { return tc.now }
		if got := en.Reports.SweepsLate(tc.month); got != tc.late {
			t.Errorf("%s at %s: late %v", tc.month, tc.now, got)
		}
	}
}

// TestReplayRecordsTheActor imports a history: the events record the user
// an event names, the unit's staff otherwise, and the system only for
// lateness; a named user who does not exist is refused with the line.
func TestReplayRecordsTheActor(t *testing.T) {
	en := enginetest.New(t)
	lines := `{"type":"case","source":"当事人申请","category":"邻里","location":"G11","opened_at":"2026-02-01T09:00:00+08:00","people":2,"risk":"green","summary":"两户因排水沟发生争执。","parties":[{"side":"applicant","name":"张三"}],"events":[` +
		`{"event":"accept_grid","at":"2026-02-01T10:00:00+08:00"},` +
		`{"event":"escalate","at":"2026-02-04T10:00:00+08:00","reason":"超期自动上报"},` +
		`{"event":"agree","at":"2026-02-06T10:00:00+08:00","by":"mediator@V1","agreement":{"kind":"oral","terms":"道歉"}},` +
		`{"event":"fulfil","at":"2026-02-20T10:00:00+08:00","visit":{"visited":"张三","findings":"已履行"}}]}
{"type":"case","source":"当事人申请","category":"邻里","location":"G11","opened_at":"2026-02-01T09:00:00+08:00","people":2,"risk":"green","summary":"另一起邻里纠纷。","parties":[{"side":"applicant","name":"王五"}],"events":[` +
		`{"event":"accept_grid","at":"2026-02-01T10:00:00+08:00","by":"nobody"}]}
`
	res, err := en.Imports.Import(ctx, strings.NewReader(lines), importer.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 2 || !strings.Contains(res.Errors[0].Error(), "用户“nobody”不存在") {
		t.Fatalf("import: %+v", res)
	}
	cases, _, _ := en.Cases(ctx, engine.System, engine.CaseFilter{Limit: 10})
	evs, err := en.DB.Events(ctx, cases[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	type who struct {
		name, actor string
		role        workflow.Role
		id          int64
	}
	var got []who
	for _, ev := range evs {
		got = append(got, who{string(ev.Name), ev.ActorName, ev.Role, ev.ActorID})
	}
	want := []who{
		{"open", "油车港镇接待员", workflow.RoleIntake, 0},
		{"accept_grid", "油车港镇接待员", workflow.RoleIntake, 0},
		{"escalate", "系统", workflow.RoleSystem, 0},
		{"agree", "mediator@V1", workflow.RoleMediator, en.Actors["mediator@V1"].UserID},
		{"fulfil", "麟湖村调解员", workflow.RoleMediator, 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline actors\n got %v\nwant %v", got, want)
	}
	if at := evs[3].At.In(en.Location).Format(time.RFC3339); at != "2026-02-06T10:00:00+08:00" {
		t.Errorf("a replayed event happened at %s", at)
	}
	// A live actor cannot backdate: the step happens now.
	c := en.NewCase(t)
	next, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptGrid, engine.Input{At: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || !next.AcceptedAt.Equal(en.Clock.Now()) {
		t.Errorf("a live step was backdated to %v (%v)", next.AcceptedAt, err)
	}
}

// TestAuditBatches: an unmasked view writes nothing at once; its audit row
// waits for the batch, which reading the trail writes first, as does the
// hundredth view.
func TestAuditBatches(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	med := en.Actors["mediator@G11"]
	stored := func() int {
		rows, err := en.DB.AuditEntries(ctx, nil, engine.AuditFilter{Action: engine.AuditUnmask, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if _, err := en.ShowParties(ctx, med, []*engine.Case{c}, "/cases/1"); err != nil {
		t.Fatal(err)
	}
	if n := stored(); n != 0 {
		t.Errorf("%d rows written at once", n)
	}
	rows, err := en.Accounts.Audit(ctx, en.Actors["supervisor@T1"], engine.AuditFilter{Action: engine.AuditUnmask})
	if err != nil || len(rows) != 1 || rows[0].ActorName != "mediator@G11" || rows[0].CaseID != c.ID {
		t.Errorf("the trail read: %+v, %v", rows, err)
	}
	for range 99 {
		en.ShowParties(ctx, med, []*engine.Case{c}, "/cases/1")
	}
	if n := stored(); n != 1 {
		t.Errorf("%d rows after 99 more views, want the first only", n)
	}
	en.ShowParties(ctx, med, []*engine.Case{c}, "/cases/1")
	if n := stored(); n != 101 {
		t.Errorf("%d rows after the hundredth view of the batch, want 101", n)
	}
}
