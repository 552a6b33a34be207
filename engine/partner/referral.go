// Package partner is the 141 linkage's side of the partner bodies (派出所,
// 法庭, 信访办, …): the disputes they refer into mediation, by the web or
// by their systems' API tokens. The engine keeps what the workflow needs
// of them (who sees a referred case, the referral itself); this room
// registers what they send in.
package partner

import (
	"context"
	"slices"
	"strings"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// OpenReferral registers a dispute a partner body refers into mediation
// (警调, 诉调, 访调): its source follows the body's kind, and when the
// body does not know the grid the case is located at the body's town
// until the desk sets it on acceptance. A partner's system names the case
// by its own id: the same id again returns the case it made, with created
// false, and never a second case.
func (e *Service) OpenReferral(ctx context.Context, a engine.Actor, n *engine.NewCase) (c *engine.Case, created bool, err error) {
	if a.Role != workflow.RolePartner {
		return nil, false, engine.Errorf(engine.EFORBIDDEN, "只有联动单位可以移送纠纷。")
	}
	n.ExternalID = strings.TrimSpace(n.ExternalID)
	if len([]rune(n.ExternalID)) > 100 {
		return nil, false, engine.Invalid("external_id", "外部编号不能超过100个字。")
	}
	if n.ExternalID != "" {
		if c, err := e.Store.CaseByExternal(ctx, a.UnitID, n.ExternalID); err == nil {
			return c, false, nil
		} else if engine.ErrorCode(err) != engine.ENOTFOUND {
			return nil, false, err
		}
	}
	t, err := e.TreeWith(ctx, n.LocationID, a.UnitID)
	if err != nil {
		return nil, false, err
	}
	if err := referIn(t, a, n, e.CurrentLists()); err != nil {
		return nil, false, err
	}
	c, err = e.OpenCase(ctx, a, n)
	if engine.ErrorCode(err) == engine.ECONFLICT && n.ExternalID != "" {
		// Another request with the same id won the race.
		if c, err := e.Store.CaseByExternal(ctx, a.UnitID, n.ExternalID); err == nil {
			return c, false, nil
		}
	}
	return c, err == nil, err
}

// CheckNewCase checks a new dispute as the actor would register it, every
// field at once, without registering it.
func (e *Service) CheckNewCase(ctx context.Context, a engine.Actor, n engine.NewCase) error {
	t, err := e.TreeWith(ctx, n.LocationID, a.UnitID)
	if err != nil {
		return err
	}
	if a.Role == workflow.RolePartner {
		if err := referIn(t, a, &n, e.CurrentLists()); err != nil {
			return err
		}
	}
	return n.Validate(t, e.CurrentLists())
}

// referIn prepares a partner's referral in: it sets the source from the
// body's kind, the sender, and the location when none is given.
func referIn(t *engine.Tree, a engine.Actor, n *engine.NewCase, l engine.Lists) error {
	p := t.Unit(a.UnitID)
	if p == nil || p.Level != workflow.LevelPartner {
		return engine.Errorf(engine.EFORBIDDEN, "您的账号不属于联动单位，不能移送纠纷。")
	}
	if p.ClosedAt != nil {
		return engine.Errorf(engine.EFORBIDDEN, "“%s”已撤销，不能再移送纠纷。", p.Name)
	}
	source := engine.PartnerSource(p)
	if !slices.Contains(l.SourceNames(), source) {
		return engine.Invalid("source", "案件来源“%s”不在本系统的来源列表中，请联系系统管理员。", source)
	}
	n.Source, n.Sender = source, p.ID
	if n.LocationID == 0 {
		town := t.Town(p.ID)
		if town == nil {
			return engine.Invalid("location", "请选择纠纷发生地所在网格。")
		}
		n.LocationID = town.ID
	}
	if !t.Contains(p.ParentID, n.LocationID) {
		return engine.Errorf(engine.EFORBIDDEN, "纠纷发生地不在%s的辖区内。", engine.NameOf(t.Unit(p.ParentID)))
	}
	return nil
}
