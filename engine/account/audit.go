package account

import (
	"context"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Audit returns the latest audit rows the actor may read, newest first:
// all of them for an administrator of a top unit (with the rows of no
// unit: failed logins, lookups, wrong tokens), those of their subtree's
// staff for another administrator or a supervisor; caseID, when not 0,
// keeps one case's.
func (e *Service) Audit(ctx context.Context, a engine.Actor, f engine.AuditFilter) ([]*engine.AuditEntry, error) {
	var units []int64
	switch a.Role {
	case workflow.RoleSystem:
	case workflow.RoleAdmin:
		sc, err := e.AdminScope(ctx, a)
		if err != nil {
			return nil, err
		}
		if !sc.Settings() {
			units = sc.Units()
		}
	case workflow.RoleSupervisor:
		t, err := e.Tree(ctx)
		if err != nil {
			return nil, err
		}
		units = t.Subtree(a.UnitID)
	default:
		if err := e.May(ctx, a, workflow.FeatureAudit); err != nil {
			return nil, err
		}
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 200
	}
	if err := engine.CheckText(&f); err != nil {
		return nil, err
	}
	if err := e.FlushAudit(ctx); err != nil {
		return nil, err
	}
	return e.Store.AuditEntries(ctx, units, f)
}
