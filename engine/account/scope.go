package account

import (
	"context"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Scope is what an administrator keeps: the units of their own unit's
// subtree, and the accounts and API tokens in them (a town's administrator
// keeps the town, not the county). The operator's command line
// (engine.System) keeps everything.
type Scope struct {
	Tree *engine.Tree
	// Root is the administrator's own unit; nil for the command line.
	Root *engine.Unit
}

// AdminScope refuses anyone but an administrator, and returns what the
// actor keeps.
func (e *Service) AdminScope(ctx context.Context, a engine.Actor) (Scope, error) {
	if err := keepsTokens(a); err != nil {
		return Scope{}, err
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return Scope{}, err
	}
	if a.Role == workflow.RoleSystem {
		return Scope{Tree: t}, nil
	}
	root := t.Unit(a.UnitID)
	if root == nil {
		return Scope{}, engine.Errorf(engine.EFORBIDDEN, "您的账号没有所属单位，无法管理单位和账号。")
	}
	return Scope{Tree: t, Root: root}, nil
}

// Holds says whether the unit with id is the scope's.
func (s Scope) Holds(id int64) bool { return s.Root == nil || s.Tree.Contains(s.Root.ID, id) }

// Units are the ids of the scope's units, the partner bodies below it
// included; nil for every unit.
func (s Scope) Units() []int64 {
	if s.Root == nil {
		return nil
	}
	var ids []int64
	for _, u := range s.Tree.Units() {
		if s.Holds(u.ID) {
			ids = append(ids, u.ID)
		}
	}
	return ids
}

// Settings says whether the scope's administrator may change the
// settings every unit works under (deadlines, lists): only one who keeps
// the whole tree from its top.
func (s Scope) Settings() bool { return s.Root == nil || s.Root.ParentID == 0 }

// unit returns the unit with code, which the scope must hold.
func (s Scope) unit(field, code string) (*engine.Unit, error) {
	u, err := s.Tree.Find(field, code)
	if err != nil {
		return nil, err
	}
	if !s.Holds(u.ID) {
		return nil, s.outside(u.Name)
	}
	return u, nil
}

// outside refuses what lies outside the scope, saying what the scope is.
func (s Scope) outside(what string) error {
	return engine.Errorf(engine.EFORBIDDEN, "“%s”不在%s及其下级单位之内：系统管理员只管理本单位及下级单位。", what, s.Root.Name)
}

// user returns the account with name, which must belong to a unit the
// scope holds.
func (e *Service) user(ctx context.Context, s Scope, name string) (*engine.User, error) {
	u, err := e.Store.FindUserByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if !s.Holds(u.UnitID) {
		return nil, s.outside("账号 " + name)
	}
	return u, nil
}

// keepsAnAdmin refuses a change that would leave no administrator in use:
// u is about to stop being one.
func (e *Service) keepsAnAdmin(ctx context.Context, u *engine.User) error {
	if u.Role != workflow.RoleAdmin || u.DisabledAt != nil {
		return nil
	}
	users, err := e.Store.Users(ctx, nil)
	if err != nil {
		return err
	}
	for _, o := range users {
		if o.ID != u.ID && o.Role == workflow.RoleAdmin && o.DisabledAt == nil {
			return nil
		}
	}
	return engine.Errorf(engine.ECONFLICT, "%s是最后一个在用的系统管理员：请先为其他人开通系统管理员账号。", u.Name)
}
