package subsidy_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/subsidy"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// TestSubsidies is a town's autumn on the default schedule (简易 50, 一般
// 100, 疑难复杂 300, 重大 500 yuan). Archived in October: A, an oral
// agreement at a grid (简易); B, a written one at the village (一般); D, a
// withdrawal at a grid (简易). Archived in November: C, a written agreement
// at the town (疑难复杂). In November the supervisor regrades B to 疑难复杂
// (+200) and claws A back (-50): a file found without its follow-up. Each
// month lists what it earned and what it changed; the quarter adds up.
func TestSubsidies(t *testing.T) {
	en := enginetest.New(t)
	loc := en.Location
	en.Clock.Set(time.Date(2026, 10, 1, 9, 0, 0, 0, loc))
	sup := en.Actors["supervisor@T1"]
	type step struct {
		ev  workflow.Event
		act workflow.Activity
		in  engine.Input
	}
	settle := func(state workflow.State, by string, kind string, at time.Time) *engine.Case {
		t.Helper()
		en.Clock.Set(at.Add(-48 * time.Hour))
		k := en.CaseIn(t, state)
		a := en.Actors[by]
		steps := []step{
			{act: workflow.LogSession, in: engine.Input{Session: &engine.Session{Record: "双方陈述。"}}},
			{act: workflow.RightsNotice, in: engine.Input{Notice: &engine.Notice{To: "张三、李四", Given: at.Add(-47 * time.Hour)}}},
		}
		if kind == "" {
			steps = append(steps, step{ev: workflow.Withdraw, in: engine.Input{Party: "张三", Reason: "双方已自行和解"}})
		} else {
			steps = append(steps, step{ev: workflow.Agree, in: engine.Input{Agreement: &engine.Agreement{Kind: kind, Terms: "李四疏通水沟。", Performance: "当面"}}},
				step{ev: workflow.Fulfil, in: engine.Input{Visit: &engine.FollowUp{Visited: "张三", Findings: "已疏通。"}}})
		}
		steps = append(steps, step{act: workflow.Archive})
		for i, st := range steps {
			if i == len(steps)-1 {
				en.Clock.Set(at)
			} else {
				en.Clock.Advance(time.Hour)
			}
			st.in.Version = k.Version
			var err error
			if st.ev != "" {
				k, err = en.Fire(ctx, a, k.ID, st.ev, st.in)
			} else {
				k, err = en.Record(ctx, a, k.ID, st.act, st.in)
			}
			if err != nil {
				t.Fatalf("%s%s: %v", st.ev, st.act, err)
			}
		}
		return k
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, loc) }
	a := settle(workflow.Grid, "mediator@G11", engine.AgreementOral, day(10, 5))
	b := settle(workflow.Village, "mediator@V1", engine.AgreementWritten, day(10, 20))
	d := settle(workflow.Grid, "mediator@G11", "", day(10, 28))
	c := settle(workflow.Town, "mediator@T1", engine.AgreementWritten, day(11, 3))
	id := func(k *engine.Case) int64 {
		t.Helper()
		sheet, err := en.Subsidies.Sheet(ctx, sup, "", "2026Q4")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range sheet.Lines {
			if l.CaseID == k.ID {
				return l.ID
			}
		}
		t.Fatalf("no subsidy for %s", k.Number)
		return 0
	}
	en.Clock.Set(day(11, 10))
	if _, err := en.Subsidies.Adjust(ctx, sup, id(b), subsidy.Regrade, engine.SubsidyOrdinary, "复核"); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a regrade to the same grade: %v", err)
	}
	if _, err := en.Subsidies.Adjust(ctx, sup, id(b), subsidy.Regrade, engine.SubsidyDifficult, "涉及三户，调解五次"); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Subsidies.Adjust(ctx, sup, id(a), subsidy.ClawBack, "", ""); engine.ErrorMessage(err) != "请写明理由（200字以内），如“卷宗缺少回访记录”。" {
		t.Errorf("a claw-back without a reason: %v", err)
	}
	if _, err := en.Subsidies.Adjust(ctx, sup, id(a), subsidy.ClawBack, "", "卷宗缺少回访记录"); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Subsidies.Adjust(ctx, sup, id(a), subsidy.Regrade, engine.SubsidyMajor, "重新核定"); engine.ErrorMessage(err) != "这笔补贴已经追回，不能再调整。" {
		t.Errorf("a regrade after the claw-back: %v", err)
	}
	if _, err := en.Subsidies.Adjust(ctx, en.Actors["mediator@T1"], id(c), subsidy.ClawBack, "", "无"); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("a mediator claws back: %v", err)
	}
	show := func(sheet *subsidy.Sheet) (lines, mediators []string) {
		for _, l := range sheet.Lines {
			var adj []string
			for _, x := range l.Adjustments {
				adj = append(adj, fmt.Sprintf("%s%+d", x.Label(), x.Amount/100))
			}
			lines = append(lines, fmt.Sprintf("%s %s %s 得%d %s 净%d", l.CaseNumber, l.MediatorName, engine.SubsidyGradeLabel(l.Grade),
				l.Earned/100, strings.Join(adj, ","), l.Net/100))
		}
		for _, m := range sheet.ByMediator {
			mediators = append(mediators, fmt.Sprintf("%s %s %d件 净%d", m.Committee, m.Name, m.Cases, m.Net/100))
		}
		return lines, append(mediators, fmt.Sprintf("合计 %d件 净%d", sheet.Total.Cases, sheet.Total.Net/100))
	}
	for _, tc := range []struct {
		period           string
		lines, mediators []string
	}{
		{"2026-10", []string{
			a.Number + " mediator@G11 简易 得50  净50",
			b.Number + " mediator@V1 一般 得100  净100",
			d.Number + " mediator@G11 简易 得50  净50",
		}, []string{"麟湖村人民调解委员会 mediator@G11 2件 净100", "麟湖村人民调解委员会 mediator@V1 1件 净100", "合计 3件 净200"}},
		{"2026-11", []string{
			a.Number + " mediator@G11 简易 得0 追回-50 净-50",
			b.Number + " mediator@V1 疑难复杂 得0 改定为疑难复杂+200 净200",
			c.Number + " mediator@T1 疑难复杂 得300  净300",
		}, []string{"油车港镇人民调解委员会 mediator@T1 1件 净300", "麟湖村人民调解委员会 mediator@G11 1件 净-50",
			"麟湖村人民调解委员会 mediator@V1 1件 净200", "合计 3件 净450"}},
		{"2026Q4", []string{
			a.Number + " mediator@G11 简易 得50 追回-50 净0",
			b.Number + " mediator@V1 疑难复杂 得100 改定为疑难复杂+200 净300",
			d.Number + " mediator@G11 简易 得50  净50",
			c.Number + " mediator@T1 疑难复杂 得300  净300",
		}, []string{"油车港镇人民调解委员会 mediator@T1 1件 净300", "麟湖村人民调解委员会 mediator@G11 2件 净50",
			"麟湖村人民调解委员会 mediator@V1 1件 净300", "合计 4件 净650"}},
	} {
		sheet, err := en.Subsidies.Sheet(ctx, sup, "T1", tc.period)
		if err != nil {
			t.Fatal(err)
		}
		lines, mediators := show(sheet)
		if !slices.Equal(lines, tc.lines) || !slices.Equal(mediators, tc.mediators) {
			t.Errorf("%s:\n%s\n%s\nwant\n%s\n%s", tc.period, strings.Join(lines, "\n"), strings.Join(mediators, "\n"),
				strings.Join(tc.lines, "\n"), strings.Join(tc.mediators, "\n"))
		}
	}
	if _, err := en.Subsidies.Sheet(ctx, en.Actors["supervisor@T2"], "T1", "2026-10"); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("another town's supervisor: %v", err)
	}
}
