package report_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/form"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
)

// TestPartyFigures: March in 油车港镇. Three disputes come in online: A at
// 麟湖村's grid, accepted there and agreed by its mediator, rated 满意 by
// the applicant and 基本满意 by the other side; B at the same grid,
// refused; C at 马厍村's grid, taken by the town and agreed by the town's
// mediator, rated 不满意. D, registered at the desk, is agreed at
// 麟湖村's grid and rated 基本满意. The town: 3 applied, 2 accepted, 1
// refused; 4 ratings, 满意率 75%. 麟湖村 (A, B, D): 2 applied, 1 accepted, 1
// refused, 3 ratings at 100%; 马厍村: 1, 1, 0, one 不满意 at 0%. By committee
// and by mediator, the same ratings where the files and agreements are.
func TestPartyFigures(t *testing.T) {
	en := enginetest.New(t)
	desk := en.Actors["intake@T1"]
	apply := func(grid, phone string) *engine.Case {
		t.Helper()
		en.Clock.Advance(1)
		c, err := en.Parties.Apply(ctx, &form.Application{Location: grid, Category: "邻里", Summary: "邻居装修噪音太大，多次沟通无果。",
			Applicant: form.Party{Name: "申请人" + phone[len(phone)-1:], Phone: phone}, Other: form.Party{Name: "对方" + phone[len(phone)-1:], Phone: phone[:10] + "9"}},
			nil, "203.0.113."+phone[len(phone)-1:])
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	step := func(c *engine.Case, by engine.Actor, ev workflow.Event, in engine.Input) *engine.Case {
		t.Helper()
		c, _ = en.DB.FindCase(ctx, c.ID)
		in.Version = c.Version
		c, err := en.Fire(ctx, by, c.ID, ev, in)
		if err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		return c
	}
	agreement := engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten, Terms: "装修限于白天。", Performance: "自即日起"}}
	rate := func(c *engine.Case, phone, value string) {
		t.Helper()
		if _, err := en.Parties.Act(ctx, c.Code, phone, workflow.PartyRating, engine.Input{Rating: &engine.Rating{Value: value}}); err != nil {
			t.Fatal(err)
		}
	}
	a, b, c := apply("G11", "13905730001"), apply("G11", "13905730002"), apply("G21", "13905730003")
	a = step(a, desk, workflow.AcceptGrid, engine.Input{Unit: "G11"})
	a = step(a, en.Actors["mediator@G11"], workflow.Agree, agreement)
	rate(a, "13905730001", "satisfied")
	rate(a, "13905730009", "fair")
	step(b, desk, workflow.Reject, engine.Input{Reason: "当事人拒绝调解", Routes: []string{"诉讼"}})
	c = step(c, desk, workflow.AcceptTown, engine.Input{Unit: "T1", Reason: "双方要求由镇里调解"})
	c = step(c, en.Actors["mediator@T1"], workflow.Agree, agreement)
	rate(c, "13905730003", "dissatisfied")
	d := en.CaseIn(t, workflow.Grid)
	d = step(d, en.Actors["mediator@G11"], workflow.Agree, agreement)
	rate(d, "13800000001", "fair")

	r, err := en.Reports.Report(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	rated := func(r report.RatingCounts) string {
		rate := "—"
		if r.Rate != nil {
			rate = fmt.Sprintf("%.0f%%", *r.Rate*100)
		}
		return fmt.Sprintf("满意%d 基本满意%d 不满意%d 满意率%s", r.Satisfied, r.Fair, r.Dissatisfied, rate)
	}
	parties := func(p report.PartyFigures) string {
		return fmt.Sprintf("申请%d 受理%d 不予受理%d ", p.Applied, p.Accepted, p.Refused) + rated(p.Ratings)
	}
	got := []string{"油车港镇 " + parties(r.Parties)}
	for _, ch := range r.Children {
		got = append(got, ch.Name+" "+parties(ch.Parties))
	}
	for _, cm := range r.Committees {
		if cm.Ratings.Total() > 0 {
			got = append(got, cm.Name+" "+rated(cm.Ratings))
		}
	}
	for _, m := range r.Mediators {
		if m.Ratings.Total() > 0 {
			got = append(got, m.Name+" "+rated(m.Ratings))
		}
	}
	want := []string{
		"油车港镇 申请3 受理2 不予受理1 满意1 基本满意2 不满意1 满意率75%",
		"麟湖村 申请2 受理1 不予受理1 满意1 基本满意2 不满意0 满意率100%",
		"马厍村 申请1 受理1 不予受理0 满意0 基本满意0 不满意1 满意率0%",
		"油车港镇人民调解委员会 满意0 基本满意0 不满意1 满意率0%",
		"麟湖村人民调解委员会 满意1 基本满意2 不满意0 满意率100%",
		"mediator@G11 满意1 基本满意2 不满意0 满意率100%",
		"mediator@T1 满意0 基本满意0 不满意1 满意率0%",
	}
	if !slices.Equal(got, want) {
		t.Errorf("the parties' figures:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
