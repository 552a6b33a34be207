package engine_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
)

// TestBadInputChangesNothing sends what no form would send (NUL, broken
// UTF-8, a novel in a note, amounts and dates out of all reason) through
// every kind of write: each is refused with its code, the field it names
// and a message in Chinese, and nothing is saved. It runs on PostgreSQL
// too, where NUL and broken UTF-8 used to reach the database and fail there.
func TestBadInputChangesNothing(t *testing.T) {
	en := enginetest.New(t)
	c := en.CaseIn(t, workflow.Grid)
	med, desk := en.Actors["mediator@G11"], en.Actors["intake@T1"]
	day := func(y int) *time.Time { d := time.Date(y, 6, 1, 0, 0, 0, 0, en.Location); return &d }
	agreement := func(amount int64, due *time.Time) engine.Input {
		return engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten, Terms: "赔偿", Performance: "当场支付",
			Amount: amount, DueAt: due}}
	}
	newCase := func(edit func(n *engine.NewCase)) func() error {
		return func() error {
			n := &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: en.Units["G11"].ID, People: 2, Risk: engine.RiskGreen,
				Summary: "两户因排水沟堵塞发生争执。", Parties: []*engine.Party{
					{Side: engine.SideApplicant, Name: "张三", Consent: "yes"}, {Side: engine.SideRespondent, Name: "李四", Consent: "yes"}}}
			edit(n)
			_, err := en.OpenCase(ctx, desk, n)
			return err
		}
	}
	fire := func(ev workflow.Event, in engine.Input) func() error {
		return func() error { _, err := en.Fire(ctx, med, c.ID, ev, in); return err }
	}
	record := func(act workflow.Activity, in engine.Input) func() error {
		return func() error { _, err := en.Record(ctx, med, c.ID, act, in); return err }
	}
	for _, tc := range []struct {
		name, code, field string
		do                func() error
	}{
		{"NUL in a note", engine.EMALFORMED, "note", record(workflow.AddNote, engine.Input{Note: "电话\x00联系"})},
		{"broken UTF-8 in a reason", engine.EMALFORMED, "reason", fire(workflow.Escalate, engine.Input{Reason: "调解\xff不成"})},
		{"a note of 20,001 characters", engine.EINVALID, "note", record(workflow.AddNote, engine.Input{Note: strings.Repeat("调", 20001)})},
		{"a session's place of 201 characters", engine.EINVALID, "session.place",
			record(workflow.LogSession, engine.Input{Session: &engine.Session{Place: strings.Repeat("村", 201), Record: "调解"}})},
		{"an agreement of 1e300 yuan", engine.EINVALID, "agreement.amount", fire(workflow.Agree, agreement(engine.FenFromYuan(1e300), nil))},
		{"an agreement of 9e16 yuan", engine.EINVALID, "agreement.amount", fire(workflow.Agree, agreement(engine.FenFromYuan(9e16), nil))},
		{"an agreement of -1 yuan", engine.EINVALID, "agreement.amount", fire(workflow.Agree, agreement(engine.FenFromYuan(-1), nil))},
		{"an agreement due in 1900", engine.EINVALID, "agreement.due", fire(workflow.Agree, agreement(0, day(1900)))},
		{"an agreement due in 2200", engine.EINVALID, "agreement.due", fire(workflow.Agree, agreement(0, day(2200)))},
		{"NUL in a party's name", engine.EMALFORMED, "parties.1.name", newCase(func(n *engine.NewCase) { n.Parties[1].Name = "李\x00四" })},
		{"broken UTF-8 in an ID number", engine.EMALFORMED, "parties.0.id_number",
			newCase(func(n *engine.NewCase) { n.Parties[0].IDNumber = "\xc3\x28" })},
		{"a new case of 1e300 yuan", engine.EINVALID, "amount", newCase(func(n *engine.NewCase) { n.Amount = engine.FenFromYuan(1e300) })},
		{"a unit with NUL in its name", engine.EMALFORMED, "name", func() error {
			return en.SaveUnit(ctx, &engine.Unit{Code: "G13", Name: "第3\x00网格", Level: workflow.LevelGrid}, "V1")
		}},
		{"a sweep with broken UTF-8 in its notes", engine.EMALFORMED, "notes", func() error {
			return en.Reports.FileSweep(ctx, med, &report.Sweep{Month: "2026-03", SweptOn: "2026-03-02", Notes: "\xff"}, false)
		}},
		{"an account named with NUL", engine.EMALFORMED, "name", func() error {
			return en.CreateUser(ctx, &engine.User{Name: "a\x00b", DisplayName: "甲", Role: workflow.RoleMediator, UnitID: en.Units["G11"].ID}, "长一些的密码123")
		}},
		{"an unknown risk level", engine.EINVALID, "risk", record(workflow.UpdateRisk, engine.Input{Risk: "purple", Reason: "复查"})},
		{"an unknown agreement kind", engine.EINVALID, "agreement.kind",
			fire(workflow.Agree, engine.Input{Agreement: &engine.Agreement{Kind: "handshake", Terms: "赔偿"}})},
		{"an unknown category", engine.EINVALID, "category", newCase(func(n *engine.NewCase) { n.Category = "外星纠纷" })},
		{"a search for NUL", engine.EMALFORMED, "text", func() error {
			_, _, err := en.Cases(ctx, desk, engine.CaseFilter{Text: "\x00"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, total, _ := en.Cases(ctx, engine.System, engine.CaseFilter{})
			err := tc.do()
			var e *engine.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field {
				t.Fatalf("got %v, want %s on %s", err, tc.code, tc.field)
			}
			if !strings.ContainsFunc(e.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("the message is not in Chinese: %q", e.Message)
			}
			en.Unchanged(t, c, tc.name)
			if _, after, _ := en.Cases(ctx, engine.System, engine.CaseFilter{}); after != total {
				t.Errorf("%d cases became %d", total, after)
			}
		})
	}
	if tree, _ := en.Tree(ctx); tree.ByCode("G13") != nil {
		t.Error("the unit with NUL in its name was saved")
	}
}

// TestAmountsAddUpExactly checks that the report adds agreement amounts in
// fen: three agreements at the limit of 100亿 yuan sum exactly, with no
// rounding and no overflow.
func TestAmountsAddUpExactly(t *testing.T) {
	en := enginetest.New(t)
	for range 3 {
		c := en.CaseIn(t, workflow.Grid)
		if _, err := en.Fire(ctx, en.Actors["mediator@G11"], c.ID, workflow.Agree, engine.Input{Agreement: &engine.Agreement{
			Kind: engine.AgreementWritten, Terms: "赔偿", Performance: "转账", Amount: engine.MaxFen - 1}}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := en.Reports.Report(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if r.AgreementAmount != 29999999999.97 {
		t.Errorf("three agreements of 9,999,999,999.99 yuan add up to %.2f, want 29999999999.97", r.AgreementAmount)
	}
}
