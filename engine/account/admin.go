package account

import (
	"context"
	"fmt"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// mayAdminister refuses anyone but an administrator: units and accounts are
// theirs to keep (DESIGN §1).
func mayAdminister(a engine.Actor) error {
	if !workflow.May(workflow.FeatureConsole, a.Role, "") {
		return engine.Errorf(engine.EFORBIDDEN, "%s", workflow.FeatureConsole.Refusal())
	}
	return nil
}

// AdminSaveUnit adds a unit, or changes the one with u's code (its name,
// its place in the tree, its address and phone), as an administrator does
// on the console; the change is a row of the audit trail. The unit and its
// parent are the administrator's; their own unit keeps its parent.
func (e *Service) AdminSaveUnit(ctx context.Context, a engine.Actor, u *engine.Unit, parentCode string) error {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return err
	}
	if sc.Root != nil {
		old := sc.Tree.ByCode(u.Code)
		switch {
		case old != nil && !sc.Holds(old.ID):
			return sc.outside(old.Name)
		case old != nil && old.ID == sc.Root.ID:
			if p := sc.Tree.Unit(old.ParentID); p != nil && parentCode != p.Code || p == nil && parentCode != "" {
				return engine.Invalid("parent", "不能改变本单位“%s”的上级单位。", old.Name)
			}
		case parentCode == "":
			return engine.Invalid("parent", "请选择上级单位（%s或其下级单位）。", sc.Root.Name)
		default:
			if _, err := sc.unit("parent", parentCode); err != nil {
				return err
			}
		}
	}
	if err := e.SaveUnit(ctx, u, parentCode); err != nil {
		return err
	}
	return e.Audited(ctx, a, engine.AuditAdmin, 0, fmt.Sprintf("保存单位：%s %s（%s）", u.Code, u.Name, u.Level.Label()))
}

// AdminUsers lists the accounts the administrator keeps, by unit and name.
func (e *Service) AdminUsers(ctx context.Context, a engine.Actor) ([]*engine.User, error) {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return nil, err
	}
	return e.Store.Users(ctx, sc.Units())
}

// AdminCreateUser opens an account in a unit the administrator keeps, with
// a temporary password, returned to show once, which the new user
// replaces at the first login.
func (e *Service) AdminCreateUser(ctx context.Context, a engine.Actor, u *engine.User) (string, error) {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return "", err
	}
	if !sc.Holds(u.UnitID) {
		name := "该单位"
		if unit := sc.Tree.Unit(u.UnitID); unit != nil {
			name = unit.Name
		}
		return "", sc.outside(name)
	}
	temp := TemporaryPassword()
	u.MustChange = true
	if err := e.CreateUser(ctx, u, temp); err != nil {
		return "", err
	}
	return temp, e.Audited(ctx, a, engine.AuditAdmin, 0, fmt.Sprintf("新建账号：%s（%s）", u.Name, u.Role.Label()))
}

// AdminSetRole gives the account with name another role or unit, both
// within what the administrator keeps. Nobody changes their own role, and
// the last administrator stays one.
func (e *Service) AdminSetRole(ctx context.Context, a engine.Actor, name string, role workflow.Role, unitCode string) error {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return err
	}
	u, err := e.user(ctx, sc, name)
	if err != nil {
		return err
	}
	unit, err := sc.unit("unit", unitCode)
	if err != nil {
		return err
	}
	if u.ID == a.UserID && (role != u.Role || unit.ID != u.UnitID) {
		return engine.Invalid("role", "不能修改自己的角色和单位：请由其他系统管理员修改。")
	}
	if role != workflow.RoleAdmin {
		if err := e.keepsAnAdmin(ctx, u); err != nil {
			return err
		}
	}
	u.Role, u.UnitID = role, unit.ID
	if err := u.Validate(); err != nil {
		return err
	}
	if err := u.Fits(unit); err != nil {
		return err
	}
	if err := e.Store.SetRole(ctx, u.ID, role, unit.ID); err != nil {
		return err
	}
	return e.Audited(ctx, a, engine.AuditAdmin, 0, fmt.Sprintf("修改账号：%s 为%s · %s", name, role.Label(), unit.Name))
}

// AdminSetDisabled disables an account the administrator keeps, ending
// its sessions, or enables it again. Nobody disables themselves, nor the
// last administrator.
func (e *Service) AdminSetDisabled(ctx context.Context, a engine.Actor, name string, disabled bool) error {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return err
	}
	if name == a.Name {
		return engine.Invalid("name", "不能停用自己的账号。")
	}
	u, err := e.user(ctx, sc, name)
	if err != nil {
		return err
	}
	if disabled {
		if err := e.keepsAnAdmin(ctx, u); err != nil {
			return err
		}
	}
	if err := e.SetDisabled(ctx, name, disabled); err != nil {
		return err
	}
	what := "恢复账号"
	if disabled {
		what = "停用账号"
	}
	return e.Audited(ctx, a, engine.AuditAdmin, 0, what+"："+name)
}

// AdminEndSessions ends every session of an account the administrator
// keeps.
func (e *Service) AdminEndSessions(ctx context.Context, a engine.Actor, name string) error {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return err
	}
	u, err := e.user(ctx, sc, name)
	if err != nil {
		return err
	}
	if err := e.Store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	return e.Audited(ctx, a, engine.AuditAdmin, 0, "结束全部登录："+name)
}

// AdminCloseUnit closes a unit below the administrator's own, or opens it
// again. A unit that still handles open cases, or has open units below
// it, stays open.
func (e *Service) AdminCloseUnit(ctx context.Context, a engine.Actor, code string, closed bool) error {
	sc, err := e.AdminScope(ctx, a)
	if err != nil {
		return err
	}
	t := sc.Tree
	u, err := sc.unit("code", code)
	if err != nil {
		return err
	}
	if sc.Root != nil && u.ID == sc.Root.ID {
		return engine.Invalid("code", "不能撤销本单位“%s”。", u.Name)
	}
	var at *time.Time
	what := "恢复单位"
	if closed {
		if n := len(t.OpenChildren(u.ID)); n > 0 {
			return engine.Errorf(engine.ECONFLICT, "“%s”下还有%d个未撤销的单位，请先撤销或移走它们。", u.Name, n)
		}
		_, open, err := e.Cases(ctx, engine.System, engine.CaseFilter{Handling: []int64{u.ID}, States: workflow.OpenStates(), Limit: 1})
		if err != nil {
			return err
		}
		if open > 0 {
			return engine.Errorf(engine.ECONFLICT, "“%s”还有%d件在办案件，请先办结或交办。", u.Name, open)
		}
		now := e.Now().UTC()
		at, what = &now, "撤销单位"
	}
	if err := e.Store.CloseUnit(ctx, u.ID, at); err != nil {
		return err
	}
	e.ForgetTree()
	return e.Audited(ctx, a, engine.AuditAdmin, 0, fmt.Sprintf("%s：%s %s", what, u.Code, u.Name))
}
