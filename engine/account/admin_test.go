package account_test

import (
	"context"
	"slices"
	"testing"
	"time"

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
	// Another server on the same database, started before the change.
	next := account.New(engine.New(en.DB), en.DB)
	if err := next.ApplyConsoleSettings(ctx); err != nil {
		t.Fatal(err)
	}
	if err := en.Accounts.SaveConsoleSettings(ctx, admin, cs); err != nil {
		t.Fatal(err)
	}
	// The server that saved applies the change at once.
	if p := en.TownsPolicy(); p.StateDays(workflow.Grid) != 5 || en.CurrentLists().CategoryMOJ("继承") != "婚姻家庭" {
		t.Errorf("the saving server: policy %+v, 继承 under %q", p, en.CurrentLists().CategoryMOJ("继承"))
	}
	if slices.Contains(next.CurrentLists().CategoryNames(), "继承") {
		t.Error("the other server has the change before reading it")
	}
	// The other reads it within its watch's interval.
	watch, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { next.WatchConsoleSettings(watch, 10*time.Millisecond); close(done) }()
	for deadline := time.Now().Add(5 * time.Second); !slices.Contains(next.CurrentLists().CategoryNames(), "继承") && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	if p := next.TownsPolicy(); p.StateDays(workflow.Grid) != 5 || !p.WorkingDays || next.CurrentLists().CategoryMOJ("继承") != "婚姻家庭" {
		t.Errorf("the other server: policy %+v, 继承 under %q", p, next.CurrentLists().CategoryMOJ("继承"))
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

// TestAdminScope checks, on both databases, that an administrator keeps
// their own unit's subtree and nothing else: the town 油车港镇's
// administrator cannot open, change, disable, reset or log out an account
// of 新塍镇, give a token to its police station, close or add to its units,
// nor move their own town; within the town, all of it works. Nobody
// changes their own role, only an administrator of a top unit changes the
// settings every unit works under, and the last administrator stays one.
func TestAdminScope(t *testing.T) {
	en := enginetest.New(t)
	a := en.Actors["admin@T1"]
	if _, _, err := en.Accounts.CreateToken(ctx, engine.System, "P3", "新塍的系统"); err != nil {
		t.Fatal(err)
	}
	code := func(err error) string { return engine.ErrorCode(err) }
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"an account at the other town", func() error {
			_, err := en.Accounts.AdminCreateUser(ctx, a, &engine.User{Name: "x1", Role: workflow.RoleSupervisor, UnitID: en.Units["T2"].ID})
			return err
		}, engine.EFORBIDDEN},
		{"an account at the town's police station", func() error {
			_, err := en.Accounts.AdminCreateUser(ctx, a, &engine.User{Name: "x2", Role: workflow.RolePartner, UnitID: en.Units["P1"].ID})
			return err
		}, ""},
		{"an administrator of a village", func() error {
			_, err := en.Accounts.AdminCreateUser(ctx, a, &engine.User{Name: "admin@V1", Role: workflow.RoleAdmin, UnitID: en.Units["V1"].ID})
			return err
		}, ""},
		{"the other town's supervisor made county-wide", func() error {
			return en.Accounts.AdminSetRole(ctx, a, "supervisor@T2", workflow.RoleSupervisor, "T1")
		}, engine.EFORBIDDEN},
		{"the town's mediator moved to the other town", func() error {
			return en.Accounts.AdminSetRole(ctx, a, "mediator@G11", workflow.RoleMediator, "T2")
		}, engine.EFORBIDDEN},
		{"the town's mediator moved to the village", func() error {
			return en.Accounts.AdminSetRole(ctx, a, "mediator@G11", workflow.RoleMediator, "V1")
		}, ""},
		{"their own role", func() error { return en.Accounts.AdminSetRole(ctx, a, "admin@T1", workflow.RoleSupervisor, "T1") }, engine.EINVALID},
		{"the other town's clerk disabled", func() error { return en.Accounts.AdminSetDisabled(ctx, a, "intake@T2", true) }, engine.EFORBIDDEN},
		{"the other town's clerk logged out", func() error { return en.Accounts.AdminEndSessions(ctx, a, "intake@T2") }, engine.EFORBIDDEN},
		{"the other town's clerk's password reset", func() error { _, err := en.Accounts.ResetPassword(ctx, a, "intake@T2"); return err }, engine.EFORBIDDEN},
		{"a token for the other town's police", func() error { _, _, err := en.Accounts.CreateToken(ctx, a, "P3", "x"); return err }, engine.EFORBIDDEN},
		{"the other town's token revoked", func() error { return en.Accounts.RevokeToken(ctx, a, 1) }, engine.ENOTFOUND},
		{"the other town's village closed", func() error { return en.Accounts.AdminCloseUnit(ctx, a, "V3", true) }, engine.EFORBIDDEN},
		{"their own town closed", func() error { return en.Accounts.AdminCloseUnit(ctx, a, "T1", true) }, engine.EINVALID},
		{"a village under the other town", func() error {
			return en.Accounts.AdminSaveUnit(ctx, a, &engine.Unit{Code: "V9", Name: "新村", Level: workflow.LevelVillage}, "T2")
		}, engine.EFORBIDDEN},
		{"a new town beside their own", func() error {
			return en.Accounts.AdminSaveUnit(ctx, a, &engine.Unit{Code: "T9", Name: "新镇", Level: workflow.LevelTown, CasePrefix: "九"}, "")
		}, engine.EINVALID},
		{"the other town renamed", func() error {
			return en.Accounts.AdminSaveUnit(ctx, a, &engine.Unit{Code: "T2", Name: "改名镇", Level: workflow.LevelTown, CasePrefix: "新"}, "")
		}, engine.EFORBIDDEN},
		{"a village under their own town", func() error {
			return en.Accounts.AdminSaveUnit(ctx, a, &engine.Unit{Code: "V9", Name: "新村", Level: workflow.LevelVillage}, "T1")
		}, ""},
		{"the settings, by the town at the top", func() error { return en.Accounts.SaveConsoleSettings(ctx, a, account.ConsoleSettings{}) }, ""},
	} {
		if got := code(tc.do()); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	users, err := en.Accounts.AdminUsers(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := en.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if !tree.Contains(en.Units["T1"].ID, u.UnitID) {
			t.Errorf("the town's console lists %s", u.Name)
		}
	}
	if toks, err := en.Accounts.Tokens(ctx, a); err != nil || len(toks) != 0 {
		t.Errorf("the town's console lists %d tokens of the other town (%v)", len(toks), err)
	}
	village, err := en.DB.FindUserByName(ctx, "admin@V1")
	if err != nil {
		t.Fatal(err)
	}
	if err := en.Accounts.SaveConsoleSettings(ctx, village.Actor(), account.ConsoleSettings{}); code(err) != engine.EFORBIDDEN {
		t.Errorf("a village's administrator changed the settings of all: %v", err)
	}
	if err := en.Accounts.AdminSetDisabled(ctx, engine.System, "admin@V1", true); err != nil {
		t.Fatal(err)
	}
	for _, last := range []func() error{
		func() error {
			return en.Accounts.AdminSetRole(ctx, engine.System, "admin@T1", workflow.RoleSupervisor, "T1")
		},
		func() error { return en.Accounts.AdminSetDisabled(ctx, engine.System, "admin@T1", true) },
	} {
		if err := last(); code(err) != engine.ECONFLICT {
			t.Errorf("the last administrator removed: %v", err)
		}
	}
}
