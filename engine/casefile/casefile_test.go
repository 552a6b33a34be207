package casefile_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// TestCaseFileReadsBackEveryRecord fills a case with every record and finds
// each field again in the one read of its file.
func TestCaseFileReadsBackEveryRecord(t *testing.T) {
	en := enginetest.New(t)
	c := en.WrittenCase(t)
	f, err := en.Files.CaseFile(ctx, en.Actors["mediator@G11"], c.ID, "/test")
	if err != nil {
		t.Fatal(err)
	}
	s, ag, v := f.Sessions, f.Agreements, f.Visits
	for _, check := range []struct {
		what string
		ok   bool
	}{
		{"one session with its place, participants and record", len(s) == 1 && s[0].Place == "网格服务站" &&
			s[0].Participants == "张三、李四、网格长" && s[0].Record == "双方陈述事实，调解员释法说理。"},
		{"a written agreement with every field", len(ag) == 1 && ag[0].Written() && ag[0].Facts == "排水沟堵塞致张三家院子积水。" &&
			ag[0].Terms == "李四三日内疏通水沟。\n李四赔偿张三200元。" && ag[0].Performance == "当面支付" && ag[0].Amount == 20000 &&
			ag[0].Place == "网格服务站" && ag[0].Copies == 3 && ag[0].Tier == workflow.LevelGrid},
		{"the visit that closed it", len(v) == 1 && v[0].Visited == "张三" && v[0].Findings == "已履行完毕。" && v[0].Performed},
		{"the notice of rights", len(f.Notices) == 1 && f.Notices[0].To == "张三、李四" &&
			f.Notices[0].Given.Equal(time.Date(2026, 3, 4, 0, 0, 0, 0, en.Location))},
		{"the application and the decision", len(f.Confirmations) == 2 && f.Confirmations[0].Kind == engine.ConfirmApplied &&
			f.Confirmations[0].Court == "秀洲区人民法院" && f.Confirmations[0].Day == "2026-03-07" &&
			f.Confirmations[1].Day == "2026-03-08" &&
			f.Confirmations[1].Kind == engine.ConfirmConfirmed && f.Confirmations[1].Number == "（2026）浙0411民特12号" &&
			f.Confirmations[1].Court == "秀洲区人民法院" && f.Confirmations[1].AgreementID == ag[0].ID},
		{"the parties in full for the handling grid", f.Unmasked && f.Parties[0].Phone == "13800000001"},
		{"nothing missing for archiving", len(f.Missing) == 0},
	} {
		if !check.ok {
			t.Errorf("the file lacks %s: %+v", check.what, f)
		}
	}
	var entries []string
	for _, e := range f.Entries {
		switch {
		case e.Session != nil:
			entries = append(entries, string(e.Name)+":session")
		case e.Agreement != nil:
			entries = append(entries, string(e.Name)+":agreement")
		case e.Confirmation != nil:
			entries = append(entries, string(e.Name)+":"+e.Confirmation.Kind)
		case e.Visit != nil:
			entries = append(entries, string(e.Name)+":visit")
		case e.Notice != nil:
			entries = append(entries, string(e.Name)+":notice")
		default:
			entries = append(entries, string(e.Name))
		}
	}
	want := []string{"open", "accept_grid", "rights_notice:notice", "session:session", "agree:agreement", "confirm:applied",
		"confirm:confirmed", "fulfil:visit"}
	if !slices.Equal(entries, want) {
		t.Errorf("timeline entries %v, want %v", entries, want)
	}
	var docs []string
	for _, d := range f.Documents {
		docs = append(docs, d.Title)
	}
	wantDocs := []string{"卷宗封面及卷内目录", "人民调解申请书", "人民调解受理通知书", "人民调解权利义务告知书", "人民调解记录", "人民调解协议书",
		"司法确认情况记录", "司法确认情况记录", "人民调解回访记录", "结案报告", "卷内备考表"}
	if !slices.Equal(docs, wantDocs) {
		t.Errorf("documents %v, want %v", docs, wantDocs)
	}
	// The village's committee sealed nothing here; the town's supervisor
	// sees the parties masked.
	if f, _ := en.Files.CaseFile(ctx, en.Actors["supervisor@T1"], c.ID, "/test"); f.Unmasked || f.Parties[0].Phone != "138****0001" {
		t.Errorf("the supervisor sees %s", f.Parties[0].Phone)
	}
}

// TestConfirmationDeadline counts 30 days from the day after the agreement
// took effect on the town's calendar.
func TestConfirmationDeadline(t *testing.T) {
	en := enginetest.New(t)
	en.Calendar = engine.Calendar{Holidays: map[string]bool{"2026-10-01": true, "2026-10-02": true, "2026-10-05": true,
		"2026-10-06": true, "2026-10-07": true}}
	loc := en.Location
	for _, tc := range []struct {
		name     string
		signed   time.Time
		kind     string
		category string
		subject  string
		want     string // the last day, which ends at 24:00; "" for none
	}{
		{"an ordinary month", time.Date(2026, 11, 2, 15, 0, 0, 0, loc), engine.AgreementWritten, "邻里", "", "2026-12-02"},
		{"signed late at night, counted by the local day", time.Date(2026, 11, 2, 23, 30, 0, 0, loc), engine.AgreementWritten, "邻里", "", "2026-12-02"},
		{"the 30th day is the National Day holiday", time.Date(2026, 9, 1, 10, 0, 0, 0, loc), engine.AgreementWritten, "合同", "", "2026-10-08"},
		{"the 30th day is a Saturday", time.Date(2026, 10, 1, 10, 0, 0, 0, loc), engine.AgreementWritten, "邻里", "", "2026-11-02"},
		{"赡养费 in a marriage and family dispute", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementWritten, "婚姻家庭", engine.SubjectRights, "2026-12-02"},
		{"a divorce itself", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementWritten, "婚姻家庭", engine.SubjectStatus, ""},
		{"an adoption dissolved", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementWritten, "其他", engine.SubjectStatus, ""},
		{"who owns a house site (确权)", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementWritten, "房屋宅基地", engine.SubjectTitle, ""},
		{"who owns a patent (确权)", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementWritten, "合同", engine.SubjectTitle, ""},
		{"compensation for a house site's use", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementWritten, "房屋宅基地", engine.SubjectRights, "2026-12-02"},
		{"an oral agreement", time.Date(2026, 11, 2, 10, 0, 0, 0, loc), engine.AgreementOral, "邻里", "", ""},
	} {
		got := en.ConfirmDeadline(&engine.Case{Category: tc.category}, &engine.Agreement{Kind: tc.kind, Subject: tc.subject, SignedAt: tc.signed.UTC()})
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s: a deadline %v", tc.name, got)
		case tc.want != "":
			last, _ := time.ParseInLocation(time.DateOnly, tc.want, loc)
			if got == nil || !got.Equal(last.AddDate(0, 0, 1)) {
				t.Errorf("%s: ends %v, want the end of %s", tc.name, got, tc.want)
			}
		}
	}
}

// TestConfirmationSteps refuses the steps that do not follow: a decision
// before an application, an application after the deadline, a second
// application, and any step on an agreement on status or title.
func TestConfirmationSteps(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@G11"]
	c := en.CaseIn(t, workflow.Grid)
	c, err := en.Fire(ctx, med, c.ID, workflow.Agree, engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
		Terms: "道歉", Performance: "当面"}})
	if err != nil {
		t.Fatal(err)
	}
	signed := en.Clock.Now().In(en.Location)
	day := func(d int) string { return signed.AddDate(0, 0, d).Format(time.DateOnly) }
	for _, tc := range []struct {
		name string
		in   engine.Confirmation
		code string
	}{
		{"a decision before any application", engine.Confirmation{Kind: engine.ConfirmConfirmed, Number: "（2026）民特1号", Day: day(3)}, engine.ECONFLICT},
		{"an application without a court", engine.Confirmation{Kind: engine.ConfirmApplied, Day: day(3)}, engine.EINVALID},
		{"an application after 30 days", engine.Confirmation{Kind: engine.ConfirmApplied, Court: "法院", Day: day(45)}, engine.EINVALID},
		{"an application before the agreement", engine.Confirmation{Kind: engine.ConfirmApplied, Court: "法院", Day: day(-1)}, engine.EINVALID},
		{"an unknown kind", engine.Confirmation{Kind: "maybe", Day: day(1)}, engine.EINVALID},
		{"the application", engine.Confirmation{Kind: engine.ConfirmApplied, Court: "法院", Day: day(3)}, ""},
		{"a second application", engine.Confirmation{Kind: engine.ConfirmApplied, Court: "法院", Day: day(4)}, engine.ECONFLICT},
		{"a decision without its number", engine.Confirmation{Kind: engine.ConfirmRefused, Day: day(9)}, engine.EINVALID},
		{"the court refuses", engine.Confirmation{Kind: engine.ConfirmRefused, Number: "（2026）民特2号", Day: day(9)}, ""},
		{"another decision", engine.Confirmation{Kind: engine.ConfirmConfirmed, Number: "（2026）民特3号", Day: day(10)}, engine.ECONFLICT},
	} {
		in := tc.in
		_, err := en.Record(ctx, med, c.ID, workflow.Confirm, engine.Input{Confirmation: &in})
		if engine.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.code)
		}
	}
	// A marriage and family dispute: an agreement on 赡养费 is offered
	// judicial confirmation, one on the marriage itself is not.
	for _, tc := range []struct {
		subject string
		offered bool
	}{{engine.SubjectRights, true}, {engine.SubjectStatus, false}, {engine.SubjectTitle, false}} {
		family, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "婚姻家庭",
			LocationID: en.Units["G11"].ID, People: 2, Risk: engine.RiskGreen, Summary: "子女因赡养老人发生矛盾。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}, {Side: engine.SideRespondent, Name: "乙"}}},
			engine.Step{Event: workflow.AcceptGrid, Input: engine.Input{Reason: "就近"}},
			engine.Step{Event: workflow.Agree, By: func(*engine.Case) engine.Actor { return med },
				Input: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten, Terms: "每月支付赡养费800元", Performance: "银行转账",
					Subject: tc.subject}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := engine.OfferActivity(family, workflow.Confirm); got != tc.offered {
			t.Errorf("subject %q: judicial confirmation offered %v, want %v", tc.subject, got, tc.offered)
		}
		_, err = en.Record(ctx, med, family.ID, workflow.Confirm, engine.Input{Confirmation: &engine.Confirmation{Kind: engine.ConfirmNone}})
		if want := map[bool]string{true: "", false: engine.ECONFLICT}[tc.offered]; engine.ErrorCode(err) != want {
			t.Errorf("subject %q: a confirmation step: %v, want %q", tc.subject, err, want)
		}
		// The case read back keeps what its agreement settles.
		if back, err := en.DB.FindCase(ctx, family.ID); err != nil || back.AgreementSubject != tc.subject {
			t.Errorf("subject %q read back as %q (%v)", tc.subject, back.AgreementSubject, err)
		}
		if ags, err := en.DB.Agreements(ctx, family.ID); err != nil || len(ags) != 1 || ags[0].Subject != tc.subject {
			t.Errorf("subject %q: the agreement read back: %+v %v", tc.subject, ags, err)
		}
	}
	if _, err := en.Record(ctx, med, c.ID, workflow.Confirm, engine.Input{}); err == nil {
		t.Error("an empty step was recorded")
	}
}

// TestArchiving refuses an incomplete file naming what it lacks, then
// numbers files per committee per year.
func TestArchiving(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@G11"]
	bare := en.CaseIn(t, workflow.Failed)
	_, err := en.Record(ctx, med, bare.ID, workflow.Archive, engine.Input{})
	if engine.ErrorCode(err) != engine.EINVALID || !strings.Contains(engine.ErrorMessage(err), "缺少：人民调解权利义务告知书（告知记录）、调解记录（至少一次）") {
		t.Errorf("an incomplete file: %v", err)
	}
	en.Unchanged(t, bare, "a refused archiving")
	if _, err := en.Record(ctx, med, en.CaseIn(t, workflow.Grid).ID, workflow.Archive, engine.Input{}); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("archiving an open case: %v", err)
	}
	var numbers []string
	for range 2 {
		c := en.WrittenCase(t)
		c, err := en.Record(ctx, med, c.ID, workflow.Archive, engine.Input{})
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, c.ArchiveNo)
	}
	// A case the parties withdrew from before any session was never
	// mediated: its file needs no notice of rights, and the town
	// committee's sequence numbers it.
	town := en.Actors["mediator@T1"]
	withdrawn, err := en.Fire(ctx, town, en.CaseIn(t, workflow.Town).ID, workflow.Withdraw,
		engine.Input{Party: "张三", Reason: "双方已自行和解"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := en.Record(ctx, town, withdrawn.ID, workflow.Archive, engine.Input{})
	if err != nil {
		t.Fatal(err)
	}
	numbers = append(numbers, r.ArchiveNo)
	if want := []string{"（2026）油麟人调字第1号", "（2026）油麟人调字第2号", "（2026）油人调字第1号"}; !slices.Equal(numbers, want) {
		t.Errorf("file numbers %v, want %v", numbers, want)
	}
	// A refused case, or one referred out before acceptance, was never a
	// people's mediation case: it takes no number and waits in no list.
	for _, s := range []workflow.State{workflow.Rejected, workflow.PartnerClosed} {
		c := en.CaseIn(t, s)
		_, err := en.Record(ctx, town, c.ID, workflow.Archive, engine.Input{})
		if want := "本案现在不能归档：本案未经受理调解，不立人民调解卷宗。"; engine.ErrorMessage(err) != want {
			t.Errorf("archiving a %s case: %v, want %s", s, err, want)
		}
		en.Unchanged(t, c, "archiving a case never accepted")
	}
	waiting, _, err := en.Cases(ctx, town, engine.CaseFilter{Unarchived: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range waiting {
		if c.State == workflow.Rejected || c.State == workflow.PartnerClosed {
			t.Errorf("%s case %s waits to be archived", c.State, c.Number)
		}
	}
	if len(waiting) != 1 || waiting[0].ID != bare.ID {
		t.Errorf("%d cases wait to be archived, want the failed case alone", len(waiting))
	}
	again, _ := en.DB.FindCase(ctx, r.ID)
	if _, err := en.Record(ctx, en.Actors["mediator@T1"], r.ID, workflow.Archive, engine.Input{}); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("archiving twice: %v", err)
	}
	en.Unchanged(t, again, "a second archiving")
}

// TestArchiveNumbersUnderConcurrency archives twenty files of one
// committee at once from two connection pools, as two servers would: the
// numbers run from 1 to 20 without a gap or a repeat.
func TestArchiveNumbersUnderConcurrency(t *testing.T) {
	en, second := enginetest.TwoServers(t)
	var ids []int64
	for range 20 {
		ids = append(ids, en.WrittenCase(t).ID)
	}
	other := engine.New(second)
	other.Now = en.Clock.Now
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]bool{}
	for i, id := range ids {
		e := en.Engine
		if i%2 == 1 {
			e = other
		}
		wg.Go(func() {
			for {
				c, err := e.Record(ctx, en.Actors["mediator@G11"], id, workflow.Archive, engine.Input{Version: en.Seen(ctx, id, 0)})
				if engine.ErrorCode(err) == engine.ECONFLICT && strings.Contains(engine.ErrorMessage(err), "刚被他人更新") {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got[c.ArchiveNo] = true
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	for n := 1; n <= 20; n++ {
		if want := fmt.Sprintf("（2026）油麟人调字第%d号", n); !got[want] {
			t.Errorf("missing %s of %v", want, got)
		}
	}
}

// TestLateNotice: a file closed without the record that the parties were
// told their rights, though they were, is completed before archiving with
// the day they were told, which cannot fall after the close.
func TestLateNotice(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@G11"]
	c := en.CaseIn(t, workflow.Grid)
	c, err := en.Record(ctx, med, c.ID, workflow.LogSession, engine.Input{Session: &engine.Session{Record: "双方陈述事实。"}})
	if err != nil {
		t.Fatal(err)
	}
	en.Clock.Advance(48 * time.Hour)
	c, err = en.Fire(ctx, med, c.ID, workflow.Withdraw, engine.Input{Party: "张三", Reason: "申请人撤回"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = en.Record(ctx, med, c.ID, workflow.Archive, engine.Input{})
	if want := "卷宗不完整，不能归档。缺少：人民调解权利义务告知书（告知记录）。"; engine.ErrorMessage(err) != want {
		t.Fatalf("archiving without the notice: %v, want %s", err, want)
	}
	en.Clock.Advance(24 * time.Hour)
	for _, tc := range []struct {
		given time.Time
		want  string
	}{
		{time.Time{}, "本案已结案，补录告知记录请填写告知日期。"},
		{en.Clock.Now(), "告知日期不能晚于结案日期（" + c.ClosedAt.In(en.Location).Format("2006年1月2日") + "）。"},
	} {
		_, err := en.Record(ctx, med, c.ID, workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三、李四", Given: tc.given}})
		if engine.ErrorMessage(err) != tc.want {
			t.Errorf("notice given %v: %v, want %s", tc.given, err, tc.want)
		}
	}
	if c, err = en.Record(ctx, med, c.ID, workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三、李四", Given: *c.AcceptedAt}}); err != nil {
		t.Fatal(err)
	}
	if c, err = en.Record(ctx, med, c.ID, workflow.Archive, engine.Input{}); err != nil || c.ArchiveNo != "（2026）油麟人调字第1号" {
		t.Fatalf("archiving the completed file: %v %q", err, c.ArchiveNo)
	}
	_, err = en.Record(ctx, med, c.ID, workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三", Given: *c.AcceptedAt}})
	if want := "本案现在不能告知权利义务：告知记录只能在归档前补录。"; engine.ErrorMessage(err) != want {
		t.Errorf("a notice after archiving: %v, want %s", err, want)
	}
}

// TestAgreementNumbers: each agreement carries the 人调字 number of the
// committee that sealed it, a second agreement after re-mediation its own,
// and the file archived by the committee of the last agreement keeps that
// agreement's number; the committees that sealed read the parties in full.
func TestAgreementNumbers(t *testing.T) {
	en := enginetest.New(t)
	grid, town := en.Actors["mediator@G11"], en.Actors["mediator@T1"]
	agree := func(k *engine.Case, by engine.Actor) *engine.Case {
		t.Helper()
		en.Clock.Advance(24 * time.Hour)
		k, err := en.Fire(ctx, by, k.ID, workflow.Agree, engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
			Terms: "李四赔偿张三200元。", Performance: "当面支付", Amount: 20000}})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	first := agree(en.CaseIn(t, workflow.Grid), grid)
	other := agree(en.CaseIn(t, workflow.Grid), grid)
	k, err := en.Fire(ctx, grid, first.ID, workflow.Remediate, engine.Input{Reason: "协议未履行", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if k, err = en.Record(ctx, town, k.ID, workflow.LogSession, engine.Input{Session: &engine.Session{Record: "重新调解。"}}); err != nil {
		t.Fatal(err)
	}
	k = agree(k, town)
	var got []string
	for _, id := range []int64{first.ID, other.ID} {
		ags, err := en.DB.Agreements(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range ags {
			got = append(got, a.Number)
		}
	}
	if want := []string{"（2026）油麟人调字第1号", "（2026）油人调字第1号", "（2026）油麟人调字第2号"}; !slices.Equal(got, want) {
		t.Errorf("agreement numbers %v, want %v", got, want)
	}
	k, err = en.Fire(ctx, town, k.ID, workflow.Fulfil, engine.Input{Visit: &engine.FollowUp{Visited: "张三", Findings: "已付清。"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		act workflow.Activity
		in  engine.Input
	}{
		{workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三、李四", Given: *k.AcceptedAt}}},
		{workflow.Archive, engine.Input{}},
	} {
		if k, err = en.Record(ctx, town, k.ID, step.act, step.in); err != nil {
			t.Fatal(err)
		}
	}
	if k.ArchiveNo != "（2026）油人调字第1号" {
		t.Errorf("the file's number %q, want the town's agreement's", k.ArchiveNo)
	}
	// The committees that sealed read the parties in full; the town's
	// administrator, at the unit whose committee sealed the second, does
	// not: they keep accounts, not cases.
	for _, tc := range []struct {
		who  string
		full bool
	}{{"mediator@V1", true}, {"mediator@T1", true}, {"admin@T1", false}} {
		f, err := en.Files.CaseFile(ctx, en.Actors[tc.who], k.ID, "/test")
		if err != nil || f.Unmasked != tc.full {
			t.Errorf("%s reads the parties in full: %v (%v), want %v", tc.who, f != nil && f.Unmasked, err, tc.full)
		}
	}
}

// TestNoticeDueAgainAtAnotherCommittee: the parties told their rights by
// 麟湖村's committee are told again when the town's takes the case; a move
// from the grid to its own village's committee asks nothing more.
func TestNoticeDueAgainAtAnotherCommittee(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	due := func(what string, want bool) {
		t.Helper()
		f, err := en.Files.CaseFile(ctx, en.Actors["supervisor@T1"], c.ID, "/test")
		if err != nil {
			t.Fatal(err)
		}
		if f.NoticeDue != want {
			t.Errorf("%s: notice due %v, want %v", what, f.NoticeDue, want)
		}
	}
	due("accepted", true)
	var err error
	for _, step := range []struct {
		who  string
		ev   workflow.Event
		act  workflow.Activity
		in   engine.Input
		due  bool
		what string
	}{
		{"mediator@G11", "", workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三、李四"}}, false, "told at the grid"},
		{"mediator@G11", workflow.Escalate, "", engine.Input{Reason: "调解不成"}, false, "at the village's committee still"},
		{"mediator@V1", workflow.Escalate, "", engine.Input{Reason: "超出调解能力"}, true, "at the town's committee"},
		{"mediator@T1", "", workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三、李四"}}, false, "told at the town"},
	} {
		en.Clock.Advance(time.Hour)
		if step.ev != "" {
			c, err = en.Fire(ctx, en.Actors[step.who], c.ID, step.ev, step.in)
		} else {
			c, err = en.Record(ctx, en.Actors[step.who], c.ID, step.act, step.in)
		}
		if err != nil {
			t.Fatal(err)
		}
		due(step.what, step.due)
	}
}

// TestArchivedFileClosed: an archived file takes no note, attachment or
// judicial confirmation any more; what comes later is a 卷宗补充 that says
// what and why, and who recorded it.
func TestArchivedFileClosed(t *testing.T) {
	en := enginetest.New(t)
	med := en.Actors["mediator@G11"]
	c, err := en.Record(ctx, med, en.WrittenCase(t).ID, workflow.Archive, engine.Input{})
	if err != nil {
		t.Fatal(err)
	}
	for act, want := range map[workflow.Activity]string{
		workflow.AddNote: "本案现在不能备注：卷宗已归档，请用“卷宗补充”记录。",
		workflow.Attach:  "本案现在不能上传附件：卷宗已归档，请用“卷宗补充”记录。",
		workflow.Confirm: "本案现在不能司法确认：卷宗已归档，司法确认的结果请用“卷宗补充”记录。",
	} {
		_, err := en.Record(ctx, med, c.ID, act, engine.Input{Note: "补记", Confirmation: &engine.Confirmation{Kind: engine.ConfirmNone},
			Files: []*engine.Upload{engine.NewUpload("收据.pdf", 9, strings.NewReader("%PDF-1.4\n"))}})
		if engine.ErrorCode(err) != engine.ECONFLICT || engine.ErrorMessage(err) != want {
			t.Errorf("%s on an archived file: %v, want %s", act, err, want)
		}
	}
	en.Unchanged(t, c, "changes to an archived file")
	if _, err := en.Record(ctx, med, c.ID, workflow.Supplement, engine.Input{Note: "法院裁定确认协议有效"}); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a supplement without its reason: %v", err)
	}
	if _, err := en.Record(ctx, med, c.ID, workflow.Supplement, engine.Input{Note: "2026年4月3日法院裁定确认协议有效（（2026）浙0411民特12号）",
		Reason: "归档后收到法院裁定书"}); err != nil {
		t.Fatal(err)
	}
	evs, err := en.DB.Events(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Label() != "卷宗补充" || last.ActorName != "mediator@G11" || last.Reason != "归档后收到法院裁定书" ||
		last.Data.Note != "2026年4月3日法院裁定确认协议有效（（2026）浙0411民特12号）" {
		t.Errorf("the supplement reads %s by %s: %q, %q", last.Label(), last.ActorName, last.Reason, last.Data.Note)
	}
}
