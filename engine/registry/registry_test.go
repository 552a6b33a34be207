package registry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// TestRegistry: the town's supervisor finds the town's mediator accounts
// on the registry, adds a village cadre who mediates without an account,
// keeps an account's particulars, and records two trainings; each
// mediator's hours are those of the year asked for, the registry ordered
// by unit (its path) and name. Mistakes are named by
// field; another town's supervisor and a mediator see none of it.
func TestRegistry(t *testing.T) {
	en := enginetest.New(t)
	sup := en.Actors["supervisor@T1"]
	cadre := &registry.Mediator{Name: "王建华", UnitID: en.Units["G11"].ID, Phone: "139 0000 1111", Grade: "四级"}
	if err := en.Registry.Save(ctx, sup, cadre); err != nil || cadre.ID == 0 {
		t.Fatalf("a cadre without an account: %v", err)
	}
	g11 := &registry.Mediator{UserID: en.Actors["mediator@G11"].UserID, FullTime: true, AppointedOn: "2024-03-01", Grade: "二级"}
	if err := en.Registry.Save(ctx, sup, g11); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m     registry.Mediator
		field string
		says  string
	}{
		{registry.Mediator{Name: "李四", UnitID: en.Units["G11"].ID, Phone: "12345"}, "phone", "电话号码“12345”无效（手机11位，或带区号的固定电话）。"},
		{registry.Mediator{Name: "李四", UnitID: en.Units["G11"].ID, AppointedOn: "2030-01-01"}, "appointed_on", "聘任日期“2030-01-01”应为今天或以前的日期，如 2024-03-01。"},
		{registry.Mediator{Name: "李四", UnitID: en.Units["G11"].ID, Grade: "五级"}, "grade", "等级应为一级、二级、三级、四级之一。"},
		{registry.Mediator{Name: "李四", UnitID: en.Units["G31"].ID}, "unit", "请选择本辖区内调解员所在的单位。"},
		{registry.Mediator{UnitID: en.Units["G11"].ID}, "name", "请填写调解员姓名（50字以内）。"},
	} {
		if err := en.Registry.Save(ctx, sup, &tc.m); engine.ErrorFields(err)[tc.field] != tc.says {
			t.Errorf("%+v: %v, want %q on %s", tc.m, err, tc.says, tc.field)
		}
	}

	v1 := en.Actors["mediator@V1"].UserID
	if _, err := en.Registry.RecordTraining(ctx, sup, &registry.NewTraining{HeldOn: "2026-02-20", Hours: 3.5, Topic: "人民调解法解读",
		Mediators: []int64{cadre.ID}, Accounts: []int64{v1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Registry.RecordTraining(ctx, sup, &registry.NewTraining{HeldOn: "2025-12-10", Hours: 2, Topic: "调解文书制作",
		Mediators: []int64{g11.ID, cadre.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n     registry.NewTraining
		field string
		says  string
	}{
		{registry.NewTraining{HeldOn: "2026-02-21", Hours: 0.2, Topic: "x", Mediators: []int64{cadre.ID}}, "hours", "培训学时应在0.5到40小时之间。"},
		{registry.NewTraining{HeldOn: "2027-01-01", Hours: 2, Topic: "x", Mediators: []int64{cadre.ID}}, "held_on", "培训日期“2027-01-01”应为今天或以前的日期，如 2026-11-20。"},
		{registry.NewTraining{HeldOn: "2026-02-21", Hours: 2, Topic: "x"}, "attendees", "请勾选参加培训的本辖区调解员。"},
		{registry.NewTraining{HeldOn: "2026-02-21", Hours: 2, Topic: "x", Accounts: []int64{en.Actors["mediator@T2"].UserID}}, "attendees", "请勾选参加培训的本辖区调解员。"},
	} {
		if _, err := en.Registry.RecordTraining(ctx, sup, &tc.n); engine.ErrorFields(err)[tc.field] != tc.says {
			t.Errorf("%+v: %v, want %q on %s", tc.n, err, tc.says, tc.field)
		}
	}

	for _, tc := range []struct {
		year int
		want string
	}{
		{2026, "[mediator@T1 0 mediator@V2 0 mediator@V1 3.5 mediator@G11 0 王建华 3.5 mediator@G12 0]"},
		{2025, "[mediator@T1 0 mediator@V2 0 mediator@V1 0 mediator@G11 2 王建华 2 mediator@G12 0]"},
	} {
		reg, err := en.Registry.Registry(ctx, sup, tc.year)
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for _, m := range reg {
			got = append(got, m.Name, m.Hours())
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("%d: %v, want %s", tc.year, got, tc.want)
		}
	}
	reg, _ := en.Registry.Registry(ctx, sup, 2026)
	for _, m := range reg {
		if m.Name == "mediator@G11" && (!m.FullTime || m.AppointedOn != "2024-03-01" || m.Grade != "二级") {
			t.Errorf("the account's particulars: %+v", m)
		}
		if m.Name == "王建华" && (m.UserID != 0 || m.Phone != "13900001111") {
			t.Errorf("the cadre: %+v", m)
		}
	}
	trainings, err := en.Registry.Trainings(ctx, sup, 2026)
	if err != nil || len(trainings) != 1 || fmt.Sprint(trainings[0].Names) != "[王建华 mediator@V1]" || trainings[0].Hours() != 3.5 {
		t.Errorf("2026's trainings: %+v %v", trainings, err)
	}
	// The month's report gives each mediator who worked in it the year's
	// hours.
	c := en.CaseIn(t, workflow.Village)
	if _, err := en.Record(ctx, en.Actors["mediator@V1"], c.ID, workflow.AddNote, engine.Input{Version: c.Version, Note: "已约谈双方。"}); err != nil {
		t.Fatal(err)
	}
	r, err := en.Reports.Report(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, m := range r.Mediators {
		rows = append(rows, fmt.Sprintf("%s %v", m.Name, m.TrainingHours))
	}
	if fmt.Sprint(rows) != "[mediator@V1 3.5]" {
		t.Errorf("March's mediators: %v", rows)
	}
	if other, _ := en.Registry.Registry(ctx, en.Actors["supervisor@T2"], 2026); len(other) != 1 || other[0].Name != "mediator@T2" {
		t.Errorf("the other town's registry: %+v", other)
	}
	if _, err := en.Registry.Registry(ctx, en.Actors["mediator@G11"], 2026); engine.ErrorMessage(err) != "调解员名册、调解组织和培训记录由督办人员和系统管理员维护。" {
		t.Errorf("a mediator reads the registry: %v", err)
	}
}
