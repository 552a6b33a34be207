package web

import (
	"fmt"
	"net/http"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// handleReceipt shows the printable 受理回执 with what happens next.
func (s *Server) handleReceipt(c echo.Context) error {
	k, err := s.caseParam(c)
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return err
	}
	handling := tree.Unit(k.HandlingUnitID)
	var next string
	switch {
	case k.State == workflow.Registered:
		next = fmt.Sprintf("本纠纷已登记，%s将在%s前决定是否受理并告知您。", tree.Town(k.LocationUnitID).Name, s.date(k.DueAt))
	case k.State.Level() != "":
		next = fmt.Sprintf("本纠纷已受理，由%s负责调解，调解员将尽快与您联系；本阶段期限至%s，调解一般在一个月内完成。", handling.Name, s.date(k.DueAt))
	case k.State == workflow.Referred:
		next = "本纠纷已移交相关部门办理，办理结果将告知您。"
	case k.State == workflow.Agreed:
		next = "双方已达成调解协议，请按协议履行；调解员将进行回访。双方可在协议生效之日起三十日内共同申请司法确认。"
	case k.State == workflow.Rejected:
		next = "本纠纷不予受理，原因及其他解决途径已告知您。"
	default:
		next = "本纠纷已办结：" + k.State.Label() + "。"
	}
	return s.render(c, http.StatusOK, "receipt", "受理回执", map[string]any{
		"Case": k, "Town": tree.Town(k.LocationUnitID).Name, "Handling": tree.Path(k.HandlingUnitID), "Next": next})
}

// handleOverdue lists the overdue cases of the supervisor's subtree by
// handling unit, the latest first.
func (s *Server) handleOverdue(c echo.Context) error {
	ctx := c.Request().Context()
	if !s.Engine.Abilities(ctx, actor(c)).Supervise {
		return engine.Errorf(engine.EFORBIDDEN, "超期督办仅对督办人员开放。")
	}
	now := s.Engine.Now()
	cases, total, err := s.Engine.Cases(ctx, actor(c), engine.CaseFilter{OverdueAt: &now, Limit: 500})
	if err != nil {
		return err
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	type row struct {
		Case *engine.Case
		Late string
	}
	type group struct {
		Unit string
		Rows []row
	}
	var groups []*group
	byUnit := map[int64]*group{}
	for _, k := range cases {
		g := byUnit[k.HandlingUnitID]
		if g == nil {
			g = &group{Unit: tree.Path(k.HandlingUnitID)}
			byUnit[k.HandlingUnitID] = g
			groups = append(groups, g)
		}
		g.Rows = append(g.Rows, row{k, s.countdown(k.LatestPassed(now))})
	}
	return s.render(c, http.StatusOK, "overdue", "超期督办", map[string]any{"Groups": groups, "Total": total})
}

// handleAudit lists the latest audit rows the user may read.
func (s *Server) handleAudit(c echo.Context) error {
	ctx := c.Request().Context()
	entries, err := s.Engine.Audit(ctx, actor(c), 0, 200)
	if err != nil {
		return err
	}
	type row struct {
		Entry  *engine.AuditEntry
		Action string
	}
	rows := make([]row, len(entries))
	for i, a := range entries {
		rows[i] = row{a, engine.AuditLabels[a.Action]}
	}
	return s.render(c, http.StatusOK, "audit", "审计记录", map[string]any{"Rows": rows})
}
