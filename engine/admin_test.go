package engine_test

import (
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// TestAdministration runs the console's rules on both databases: only the
// administrator keeps accounts; a new account's temporary password works
// once chosen anew; a reset ends the old password; a role change sticks.
func TestAdministration(t *testing.T) {
	en := newEnv(t)
	admin, sup := en.actors["admin@T1"], en.actors["supervisor@T1"]
	u := &engine.User{Name: "xinren", DisplayName: "新人", Role: workflow.RoleMediator, UnitID: en.units["G11"].ID}
	if _, err := en.AdminCreateUser(ctx, sup, u); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Fatalf("a supervisor opened an account: %v", err)
	}
	temp, err := en.AdminCreateUser(ctx, admin, u)
	if err != nil || len(temp) != 12 {
		t.Fatalf("create: %q %v", temp, err)
	}
	got, err := en.Authenticate(ctx, "xinren", temp)
	if err != nil || !got.MustChange {
		t.Fatalf("the temporary password: %+v %v", got, err)
	}
	if err := en.ChangeOwnPassword(ctx, got.Actor(), "不是当前密码", "新人自己设置的密码"); engine.ErrorField(err) != "current" {
		t.Errorf("a wrong current password: %v", err)
	}
	if err := en.ChangeOwnPassword(ctx, got.Actor(), temp, "新人自己设置的密码"); err != nil {
		t.Fatal(err)
	}
	if got, err := en.Authenticate(ctx, "xinren", "新人自己设置的密码"); err != nil || got.MustChange {
		t.Fatalf("after choosing a password: %+v %v", got, err)
	}
	again, err := en.ResetPassword(ctx, admin, "xinren")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.Authenticate(ctx, "xinren", "新人自己设置的密码"); err == nil {
		t.Error("the old password works after a reset")
	}
	if got, err := en.Authenticate(ctx, "xinren", again); err != nil || !got.MustChange {
		t.Errorf("the reset password: %+v %v", got, err)
	}
	if err := en.AdminSetRole(ctx, admin, "xinren", workflow.RoleIntake, "T1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := en.Authenticate(ctx, "xinren", again); got == nil || got.Role != workflow.RoleIntake || got.UnitID != en.units["T1"].ID {
		t.Errorf("after the role change: %+v", got)
	}
	if err := en.AdminSetDisabled(ctx, admin, admin.Name, true); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("the administrator disabled themselves: %v", err)
	}
}
