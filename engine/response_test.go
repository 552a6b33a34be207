package engine_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/workflow"
)

// TestResponseClock: a dispute waits to be taken up for as long as its
// risk allows (red, or a grave flag, 2 hours; yellow 24; green the
// registered state's 2 days); the town's policy may change the hours; the
// scheduler flags a red dispute not taken up when its hours pass, not a
// minute before; only the town may take it up.
func TestResponseClock(t *testing.T) {
	opened := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in the towns
	for _, tc := range []struct {
		name  string
		risk  engine.Risk
		flags []string
		hours string // the town's response_hours, "" for the defaults
		due   time.Time
	}{
		{"green", engine.RiskGreen, nil, "", opened.Add(48 * time.Hour)},
		{"yellow", engine.RiskYellow, nil, "", opened.Add(24 * time.Hour)},
		{"red", engine.RiskRed, nil, "", opened.Add(2 * time.Hour)},
		{"green with a death", engine.RiskGreen, []string{engine.FlagDeath}, "", opened.Add(2 * time.Hour)},
		{"yellow with a threat of suicide", engine.RiskYellow, []string{engine.FlagSuicide}, "", opened.Add(2 * time.Hour)},
		{"a group petition", engine.RiskGreen, []string{engine.FlagGroupPetition}, "", opened.Add(2 * time.Hour)},
		{"red in a town of 4 hours", engine.RiskRed, nil, `{"red": 4}`, opened.Add(4 * time.Hour)},
		{"yellow in a town of red hours only", engine.RiskYellow, nil, `{"red": 4}`, opened.Add(48 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := enginetest.New(t)
			if tc.hours != "" {
				p := engine.DefaultPolicy()
				if err := json.Unmarshal([]byte(`{"response_hours": `+tc.hours+`}`), &p); err != nil {
					t.Fatal(err)
				}
				en.TownPolicies = map[string]engine.Policy{"T1": p}
			}
			c, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "邻里",
				LocationID: en.Units["G11"].ID, People: 2, Risk: tc.risk, Flags: tc.flags, Summary: "两户因排水沟堵塞发生争执。",
				Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "张三"}, {Side: engine.SideRespondent, Name: "李四"}}})
			if err != nil {
				t.Fatal(err)
			}
			if !c.DueAt.Equal(tc.due) {
				t.Errorf("to be taken up by %v, want %v", c.DueAt, tc.due)
			}
		})
	}

	en := enginetest.New(t)
	c, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "劳动争议",
		LocationID: en.Units["G11"].ID, People: 12, Risk: engine.RiskRed, Summary: "12名工人讨薪，情绪激动。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五"}, {Side: engine.SideRespondent, Name: "某建筑公司", Kind: engine.KindOrg}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		after   time.Duration
		flagged int
	}{{2*time.Hour - time.Minute, 0}, {2 * time.Hour, 1}, {2*time.Hour + 5*time.Minute, 0}} {
		res, err := en.Scheduler.RunDeadlines(ctx, opened.Add(step.after))
		if err != nil || res.Flagged != step.flagged || res.Escalated != 0 {
			t.Errorf("after %v: %+v %v, want %d flagged", step.after, res, err, step.flagged)
		}
	}
	f, err := en.Files.CaseFile(ctx, en.Actors["intake@T1"], c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if d := f.Deadlines[0]; !d.Due.Equal(opened.Add(2*time.Hour)) || d.Why[0] != "风险红色(高)：自 2026-03-02 09:00（登记）起 2小时内受理，到期未受理将提醒督办" {
		t.Errorf("the case page explains %+v", d)
	}
	tr, _ := workflow.Lookup(workflow.Registered, workflow.AcceptGrid)
	if _, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptGrid, engine.Input{Version: 2, Reason: "就近调解"}); engine.ErrorMessage(err) != "红色风险或有民转刑、群体性事件、自杀、死亡倾向的纠纷须由镇（街道）受理。" {
		t.Errorf("%s of a red dispute: %v", tr.Label(), err)
	}
	if _, err := en.Fire(ctx, en.Actors["intake@T1"], c.ID, workflow.AcceptTown, engine.Input{Version: 2}); err != nil {
		t.Errorf("the town takes up a red dispute: %v", err)
	}
}

// TestGraveDisputeTold: a red dispute is told at once to its town's
// supervisors, with the hours it may wait; a new dispute of a person on
// the ledger is told to the person's owners; a green dispute of nobody
// listed tells neither.
func TestGraveDisputeTold(t *testing.T) {
	en := enginetest.New(t)
	if _, err := en.Ledger.Add(ctx, en.Actors["mediator@G11"], &ledger.NewEntry{Kind: ledger.KindPerson, Name: "张三", Phone: "13800000001",
		Unit: "G11", Category: "邻里积怨", Reason: "多次争吵。", Colour: ledger.Orange, Owners: []string{"mediator@G11", "mediator@V1"},
		Approver: "村书记"}); err != nil {
		t.Fatal(err)
	}
	open := func(risk engine.Risk, phone string) {
		t.Helper()
		if _, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "邻里",
			LocationID: en.Units["G11"].ID, People: 2, Risk: risk, Summary: "两户因排水沟堵塞发生争执。",
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "张三", Phone: phone}, {Side: engine.SideRespondent, Name: "李四"}}}); err != nil {
			t.Fatal(err)
		}
	}
	open(engine.RiskGreen, "13900000009")
	open(engine.RiskRed, "13800000001")
	for who, want := range map[string][]string{
		"supervisor@T1": {"红色风险纠纷：邻里纠纷，涉及2人，须于3月2日11:00前受理。"},
		"mediator@G11":  {"您包保的重点人员张三（橙色）是新登记的邻里纠纷的当事人。"},
		"mediator@V1":   {"您包保的重点人员张三（橙色）是新登记的邻里纠纷的当事人。"},
		"supervisor@T2": nil,
	} {
		ns, _, err := en.DB.Notifications(ctx, en.Actors[who].UserID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range ns {
			got = append(got, n.Text)
		}
		if len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
			t.Errorf("%s was told %q, want %q", who, got, want)
		}
	}
}

// TestMajorReport: a major dispute (red, or of ten people or more) is
// reported up with 专报, then 续报, each naming what was done and what comes
// next; each is a document of the file as it was sent, and told to the
// supervisors above the town (here the town's own: the test's tree has no
// county). A dispute of two people in green has nothing to report.
func TestMajorReport(t *testing.T) {
	en := enginetest.New(t)
	town := en.Actors["mediator@T1"]
	c, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "劳动争议",
		LocationID: en.Units["G11"].ID, People: 12, Risk: engine.RiskYellow, Summary: "12名工人讨薪。",
		Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "王五"}, {Side: engine.SideRespondent, Name: "某建筑公司", Kind: engine.KindOrg}}},
		engine.Step{Event: workflow.AcceptTown})
	if err != nil {
		t.Fatal(err)
	}
	_, err = en.Record(ctx, town, c.ID, workflow.MajorReport, engine.Input{Version: c.Version, Major: &engine.MajorReport{}})
	if f := engine.ErrorFields(err); f["major.measures"] != "请写明已采取的措施。" || f["major.next"] != "请写明下一步工作。" {
		t.Errorf("an empty report: %v", err)
	}
	for i, r := range []engine.MajorReport{{Measures: "约谈企业负责人。", Next: "三日内组织联合调解。"}, {Measures: "已组织联合调解一次。", Next: "督促企业分期支付。"}} {
		en.Clock.Advance(24 * time.Hour)
		c, _ = en.DB.FindCase(ctx, c.ID)
		if _, err := en.Record(ctx, town, c.ID, workflow.MajorReport, engine.Input{Version: c.Version, Major: &r}); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
		if i == 0 {
			if _, err := en.Record(ctx, town, c.ID, workflow.UpdateRisk, engine.Input{Version: c.Version + 1, Risk: engine.RiskRed, Reason: "工人聚集。"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f, err := en.Files.CaseFile(ctx, en.Actors["supervisor@T1"], c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var reports []string
	for _, d := range f.Documents {
		if d.Entry != nil && d.Entry.Data.Major != nil {
			reports = append(reports, d.Title+" "+string(d.Entry.Data.Major.Risk)+" "+d.Entry.Data.Major.Next)
		}
	}
	if want := []string{"重大纠纷专报（首报） yellow 三日内组织联合调解。", "重大纠纷专报（续报第1次） red 督促企业分期支付。"}; !slices.Equal(reports, want) {
		t.Errorf("the file's reports: %q, want %q", reports, want)
	}
	ns, _, _ := en.DB.Notifications(ctx, en.Actors["supervisor@T1"].UserID, 10)
	var told []string
	for _, n := range ns {
		if n.Kind == engine.NotifyMajor {
			told = append(told, n.Text)
		}
	}
	if want := []string{"油车港镇重大纠纷专报：劳动争议纠纷，涉及12人，红色(高)；现镇(街道)调解中。下一步：督促企业分期支付。",
		"油车港镇重大纠纷专报：劳动争议纠纷，涉及12人，黄色(中)；现镇(街道)调解中。下一步：三日内组织联合调解。"}; !slices.Equal(told, want) {
		t.Errorf("the supervisors were told %q, want %q", told, want)
	}
	plain := en.CaseIn(t, workflow.Grid)
	if _, err := en.Record(ctx, en.Actors["mediator@G11"], plain.ID, workflow.MajorReport, engine.Input{Version: plain.Version,
		Major: &engine.MajorReport{Measures: "x", Next: "y"}}); engine.ErrorMessage(err) != "本案现在不能重大纠纷专报：本案不属于重大纠纷（红色风险或重大情形、10人以上）。" {
		t.Errorf("a plain dispute reported: %v", err)
	}
}
