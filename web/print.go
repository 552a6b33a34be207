package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/export"
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
	// The clerk who registered the case signs the receipt; an imported
	// case has none.
	var clerk string
	if k.CreatedBy != 0 {
		u, err := s.Accounts.FindUser(c.Request().Context(), k.CreatedBy)
		if err != nil {
			return err
		}
		clerk = u.Actor().Name
	}
	return s.render(c, http.StatusOK, viewReceipt, "受理回执", map[string]any{
		"Case": k, "Town": tree.Town(k.LocationUnitID).Name, "Handling": tree.Path(k.HandlingUnitID), "Next": next,
		"Committee": tree.FileCommittee(k), "Clerk": clerk})
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
		Case              *engine.Case
		Parties, Mediator string
	}
	type group struct {
		Unit      string
		Rows      []row
		mediators map[int64]string
	}
	var groups []*group
	byUnit := map[int64]*group{}
	for _, k := range cases {
		g := byUnit[k.HandlingUnitID]
		if g == nil {
			g = &group{Unit: tree.Path(k.HandlingUnitID), mediators: map[int64]string{}}
			users, err := s.Engine.Mediators(ctx, k.HandlingUnitID)
			if err != nil {
				return err
			}
			for _, u := range users {
				g.mediators[u.ID] = u.Actor().Name
			}
			byUnit[k.HandlingUnitID] = g
			groups = append(groups, g)
		}
		var names []string
		for _, p := range k.Parties {
			names = append(names, p.Name)
		}
		mediator := g.mediators[k.MediatorID]
		if mediator == "" {
			mediator = "未指派"
		}
		g.Rows = append(g.Rows, row{k, strings.Join(names, "、"), mediator})
	}
	// The ledger's entries whose review is past due are pressed here too.
	entries, err := s.Ledger.Overdue(ctx, actor(c))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewOverdue, "超期督办", map[string]any{"Groups": groups, "Total": total, "Entries": entries})
}

// handleAudit lists the audit rows the user may read, filtered by action
// and by day (from, to, both included), on the page or as CSV.
func (s *Server) handleAudit(c echo.Context) error {
	ctx := c.Request().Context()
	f := engine.AuditFilter{Action: c.QueryParam("action"), Limit: 500}
	if f.Action != "" && engine.AuditLabels[f.Action] == "" {
		return engine.Invalid("action", "没有“%s”这种操作。", f.Action)
	}
	for _, d := range []struct {
		param string
		into  *time.Time
		days  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := c.QueryParam(d.param); v != "" {
			day, err := time.ParseInLocation(time.DateOnly, v, s.Engine.Location)
			if err != nil {
				return engine.Invalid(d.param, "日期“%s”应如 2026-10-01。", v)
			}
			*d.into = day.AddDate(0, 0, d.days)
		}
	}
	csvOut := strings.HasSuffix(c.Path(), ".csv")
	if csvOut {
		f.Limit = 10000
	}
	entries, err := s.Accounts.Audit(ctx, actor(c), f)
	if err != nil {
		return err
	}
	if csvOut {
		// The trail downloaded is itself a line of the trail.
		if err := s.Engine.Audited(ctx, actor(c), engine.AuditExport, 0, fmt.Sprintf("审计记录 audit.csv（%d 条）", len(entries))); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="audit.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		return export.AuditCSV(c.Response(), entries, s.Engine.Location)
	}
	type row struct {
		Entry  *engine.AuditEntry
		Action string
	}
	rows := make([]row, len(entries))
	for i, a := range entries {
		rows[i] = row{a, engine.AuditLabels[a.Action]}
	}
	type option struct{ Value, Label string }
	var actions []option
	for _, a := range engine.AuditActions {
		actions = append(actions, option{a, engine.AuditLabels[a]})
	}
	return s.render(c, http.StatusOK, viewAudit, "审计记录", map[string]any{"Rows": rows, "Actions": actions,
		"Action": f.Action, "From": c.QueryParam("from"), "To": c.QueryParam("to"),
		"CSV": template.URL("/audit.csv?" + url.Values{"action": {f.Action}, "from": {c.QueryParam("from")}, "to": {c.QueryParam("to")}}.Encode())})
}
