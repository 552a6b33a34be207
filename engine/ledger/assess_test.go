package ledger_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/workflow"
)

// TestAssess builds a town's week: 麟湖村 has three disputes in the last
// four weeks against one in the four before, 马厍村 fewer; a dispute of
// this week repeats a party of one a month ago, another the grid and
// category of one two months ago; one major dispute waits for its first
// 专报, another was reported three days ago; the ledger's red and orange
// entries, one of them overdue for review.
func TestAssess(t *testing.T) {
	en := enginetest.New(t)
	now := en.Now()
	open := func(grid, category string, ago time.Duration, people int, risk engine.Risk, phone string) *engine.Case {
		t.Helper()
		c, err := en.OpenCase(ctx, engine.System, &engine.NewCase{Source: "当事人申请", Category: category, LocationID: en.Units[grid].ID,
			People: people, Risk: risk, Summary: "双方发生纠纷，请求调解。", At: now.Add(-ago),
			Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "申请人" + phone[len(phone)-2:], Phone: phone}, {Side: engine.SideRespondent, Name: "被申请人"}}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	week := 7 * 24 * time.Hour
	open("G11", "婚姻家庭", 5*week, 2, engine.RiskGreen, "13900000001")
	earlierParty := open("G11", "合同", 4*week-time.Hour, 2, engine.RiskGreen, "13800000001")
	open("G21", "物业", 6*week, 2, engine.RiskGreen, "13900000003")
	earlierPlace := open("G12", "邻里", 8*week+24*time.Hour, 2, engine.RiskGreen, "13900000004")
	sameParty := open("G11", "损害赔偿", 2*24*time.Hour, 2, engine.RiskGreen, "13800000001")
	samePlace := open("G12", "邻里", 3*24*time.Hour, 2, engine.RiskGreen, "13900000005")
	waiting := open("G11", "劳动争议", 24*time.Hour, 12, engine.RiskYellow, "13900000006")
	reported := open("G21", "邻里", 6*24*time.Hour, 2, engine.RiskRed, "13900000007")
	if _, err := en.Fire(ctx, engine.System, reported.ID, workflow.AcceptTown, engine.Input{At: now.Add(-5 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Record(ctx, engine.System, reported.ID, workflow.MajorReport, engine.Input{At: now.Add(-3 * 24 * time.Hour),
		Major: &engine.MajorReport{Measures: "约谈双方。", Next: "组织调解。"}}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []ledger.Colour{ledger.Red, ledger.Orange, ledger.Yellow} {
		n := person(c)
		n.Phone = fmt.Sprintf("1370000000%d", i)
		n.At = now.Add(-time.Duration(10+i) * 24 * time.Hour)
		if _, err := en.Ledger.Add(ctx, engine.Replaying(en.Actors["mediator@T1"]), n); err != nil {
			t.Fatal(err)
		}
	}

	a, err := en.Ledger.Assess(ctx, en.Actors["supervisor@T1"], now)
	if err != nil {
		t.Fatal(err)
	}
	var entries, overdue, major, rising, similar []string
	for _, e := range a.Entries {
		entries = append(entries, string(e.Colour))
	}
	for _, e := range a.Overdue {
		overdue = append(overdue, string(e.Colour))
	}
	for _, m := range a.Major {
		major = append(major, fmt.Sprintf("%d due=%v", m.Case.ID, m.Due))
	}
	for _, r := range a.Rising {
		rising = append(rising, fmt.Sprintf("%s %d>%d", r.Unit.Name, r.Now, r.Since))
	}
	for _, s := range a.Similar {
		similar = append(similar, fmt.Sprintf("%d~%d %s", s.Case.ID, s.Earlier.ID, s.Why))
	}
	for _, tc := range []struct {
		what      string
		got, want []string
	}{
		{"entries", entries, []string{"red", "orange"}},
		{"overdue", overdue, []string{"red"}},
		{"major", major, []string{fmt.Sprintf("%d due=true", waiting.ID), fmt.Sprintf("%d due=false", reported.ID)}},
		{"rising", rising, []string{"麟湖村 4>1"}},
		{"similar", similar, []string{fmt.Sprintf("%d~%d 当事人申请人01", sameParty.ID, earlierParty.ID),
			fmt.Sprintf("%d~%d 同一网格的邻里纠纷", samePlace.ID, earlierPlace.ID)}},
	} {
		if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %q, want %q", tc.what, tc.got, tc.want)
		}
	}
	if _, err := en.Ledger.Assess(ctx, en.Actors["mediator@G11"], now); engine.ErrorMessage(err) != "研判由镇（街道）和县（区）的调解员、督办人员进行。" {
		t.Errorf("a grid mediator assesses: %v", err)
	}
}
