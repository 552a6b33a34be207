package account_test

import (
	"context"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

// TestAdministration runs the console's rules on both databases: only the
// administrator keeps accounts; a new account's temporary password works
// once chosen anew; a reset ends the old password; a role change sticks.
func TestAdministration(t *testing.T) {
	en := enginetest.New(t)
	admin, sup := en.Actors["admin@T1"], en.Actors["supervisor@T1"]
	u := &engine.User{Name: "xinren", DisplayName: "新人", Role: workflow.RoleMediator, UnitID: en.Units["G11"].ID}
	if _, err := en.Accounts.AdminCreateUser(ctx, sup, u); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Fatalf("a supervisor opened an account: %v", err)
	}
	temp, err := en.Accounts.AdminCreateUser(ctx, admin, u)
	if err != nil || len(temp) != 12 {
		t.Fatalf("create: %q %v", temp, err)
	}
	got, err := en.Accounts.Authenticate(ctx, "xinren", temp)
	if err != nil || !got.MustChange {
		t.Fatalf("the temporary password: %+v %v", got, err)
	}
	if err := en.Accounts.ChangeOwnPassword(ctx, got.Actor(), "不是当前密码", "新人自己设置的密码"); engine.ErrorField(err) != "current" {
		t.Errorf("a wrong current password: %v", err)
	}
	if err := en.Accounts.ChangeOwnPassword(ctx, got.Actor(), temp, "新人自己设置的密码"); err != nil {
		t.Fatal(err)
	}
	if got, err := en.Accounts.Authenticate(ctx, "xinren", "新人自己设置的密码"); err != nil || got.MustChange {
		t.Fatalf("after choosing a password: %+v %v", got, err)
	}
	again, err := en.Accounts.ResetPassword(ctx, admin, "xinren")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.Accounts.Authenticate(ctx, "xinren", "新人自己设置的密码"); err == nil {
		t.Error("the old password works after a reset")
	}
	if got, err := en.Accounts.Authenticate(ctx, "xinren", again); err != nil || !got.MustChange {
		t.Errorf("the reset password: %+v %v", got, err)
	}
	if err := en.Accounts.AdminSetRole(ctx, admin, "xinren", workflow.RoleIntake, "T1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := en.Accounts.Authenticate(ctx, "xinren", again); got == nil || got.Role != workflow.RoleIntake || got.UnitID != en.Units["T1"].ID {
		t.Errorf("after the role change: %+v", got)
	}
	if err := en.Accounts.AdminSetDisabled(ctx, admin, admin.Name, true); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("the administrator disabled themselves: %v", err)
	}
}

// TestConsoleSettings saves a policy and the lists' additions as the
// console does, and a server starting next applies them over its own;
// a category counted under no Ministry category, a name with a control
// character and a flag key with a comma are refused.
func TestConsoleSettings(t *testing.T) {
	en := enginetest.New(t)
	admin := en.Actors["admin@T1"]
	p := engine.DefaultPolicy()
	p.Days[workflow.Grid], p.WorkingDays = 5, true
	cs := account.ConsoleSettings{Policy: &p, Lists: engine.Lists{Categories: []engine.Category{{Name: "继承", MOJ: "婚姻家庭"}},
		Flags: []engine.Flag{{Key: "elderly", Name: "涉老"}}}}
	if err := en.Accounts.SaveConsoleSettings(ctx, en.Actors["supervisor@T1"], cs); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Fatalf("a supervisor saved the settings: %v", err)
	}
	for name, lists := range map[string]engine.Lists{
		"a category under no Ministry category": {Categories: []engine.Category{{Name: "村务", MOJ: "不存在的归类"}}},
		"a category with a control character":   {Categories: []engine.Category{{Name: "村\x1f务"}}},
		"a source with a control character":     {Sources: []engine.Source{{Name: "来\t访", MOJ: "依申请调解"}}},
		"a flag key with a comma":               {Flags: []engine.Flag{{Key: "old,age", Name: "涉老"}}},
	} {
		bad := cs
		bad.Lists = lists
		if err := en.Accounts.SaveConsoleSettings(ctx, admin, bad); engine.ErrorCode(err) != engine.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := en.Accounts.SaveConsoleSettings(ctx, admin, cs); err != nil {
		t.Fatal(err)
	}
	next := account.New(engine.New(en.DB), en.DB)
	if err := next.ApplyConsoleSettings(ctx); err != nil {
		t.Fatal(err)
	}
	if next.Policy.StateDays(workflow.Grid) != 5 || !next.Policy.WorkingDays || next.Lists.CategoryMOJ("继承") != "婚姻家庭" {
		t.Errorf("applied: policy %+v, 继承 under %q", next.Policy, next.Lists.CategoryMOJ("继承"))
	}
	if rows, _ := en.Accounts.Audit(ctx, admin, engine.AuditFilter{Action: engine.AuditAdmin}); len(rows) != 1 || rows[0].Detail != "保存期限和清单；增加：继承、涉老" {
		t.Errorf("the audit row: %+v", rows)
	}
}

// TestClosedUnit closes a grid: a unit with open cases or open units below
// stays open; a closed grid takes no new case and no case handed down to
// it, and opens again.
func TestClosedUnit(t *testing.T) {
	en := enginetest.New(t)
	admin := en.Actors["admin@T1"]
	if err := en.Accounts.AdminCloseUnit(ctx, admin, "V1", true); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Fatalf("closing a village with open grids: %v", err)
	}
	busy := en.CaseIn(t, workflow.Grid)
	if err := en.Accounts.AdminCloseUnit(ctx, admin, "G11", true); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Fatalf("closing a grid with an open case: %v", err)
	}
	if _, err := en.Fire(ctx, en.Actors["mediator@G11"], busy.ID, workflow.Escalate, engine.Input{Reason: "调解不成"}); err != nil {
		t.Fatal(err)
	}
	if err := en.Accounts.AdminCloseUnit(ctx, admin, "G12", true); err != nil {
		t.Fatal(err)
	}
	_, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: en.Units["G12"].ID,
		People: 2, Risk: engine.RiskGreen, Summary: "撤销后的网格。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}}})
	if engine.ErrorFields(err)["location"] == "" {
		t.Errorf("a case at a closed grid: %v", err)
	}
	if _, err := en.Fire(ctx, en.Actors["mediator@V1"], busy.ID, workflow.HandDown, engine.Input{Unit: "G12", Reason: "就近调解"}); engine.ErrorField(err) != "unit" {
		t.Errorf("handing down to a closed grid: %v", err)
	}
	if tree, _ := en.Tree(ctx); len(tree.OpenChildren(en.Units["V1"].ID)) != 1 {
		t.Error("the closed grid is still offered")
	}
	if err := en.Accounts.AdminCloseUnit(ctx, admin, "G12", false); err != nil {
		t.Fatal(err)
	}
	if _, err := en.Fire(ctx, en.Actors["mediator@V1"], busy.ID, workflow.HandDown, engine.Input{Unit: "G12", Reason: "就近调解"}); err != nil {
		t.Errorf("handing down to the grid opened again: %v", err)
	}
}
