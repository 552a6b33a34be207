package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/engine/subsidy"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// requestedSubsidies reads the sheet of the request's unit and period (as
// the report's: the user's unit and last month by default).
func (s *Server) requestedSubsidies(c echo.Context) (*subsidy.Sheet, error) {
	unit, period, err := s.reportParams(c)
	if err != nil {
		return nil, err
	}
	return s.Subsidies.Sheet(c.Request().Context(), actor(c), unit, period)
}

// handleSubsidies shows a period's 以案定补 by mediator, by committee and
// case by case, with the forms to regrade or claw back a subsidy.
func (s *Server) handleSubsidies(c echo.Context) error {
	return s.subsidiesPage(c, http.StatusOK, values{}, nil)
}

func (s *Server) subsidiesPage(c echo.Context, status int, v values, errs map[string]string) error {
	sh, err := s.requestedSubsidies(c)
	if err != nil {
		return err
	}
	sections := export.SubsidySections(sh)
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return err
	}
	var units []*engine.Unit
	for _, id := range tree.Subtree(actor(c).UnitID) {
		if u := tree.Unit(id); u != nil && u.Level != workflow.LevelGrid && u.Level != workflow.LevelPartner {
			units = append(units, u)
		}
	}
	return s.render(c, status, viewSubsidies, "以案定补", map[string]any{"Sheet": sh, "Sections": sections[:2], "Units": units,
		"Choices": s.periodChoices(), "Grades": engine.SubsidyGrades, "Schedule": s.Engine.Subsidies,
		"Query": template.URL(url.Values{"unit": {sh.Unit.Code}, "period": {sh.Period.Key}}.Encode()), "V": v, "E": errs})
}

// handleSubsidyAdjust regrades or claws back a subsidy; a refused form
// comes back open and filled in.
func (s *Server) handleSubsidyAdjust(c echo.Context) error {
	v := formValues(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Malformed("id", "补贴编号无效。")
	}
	v["open"] = c.Param("id")
	adj, err := s.Subsidies.Adjust(c.Request().Context(), actor(c), id, v["kind"], v["grade"], v["reason"])
	if engine.ErrorCode(err) == engine.EINVALID {
		return s.subsidiesPage(c, http.StatusUnprocessableEntity, v, engine.ErrorFields(err))
	}
	if err != nil {
		return err
	}
	s.sessions.Put(c.Request().Context(), sessionFlash, fmt.Sprintf("已%s，金额变动 %s 元。", adj.Label(), engine.Yuan(adj.Amount)))
	return c.Redirect(http.StatusSeeOther, "/subsidies?"+url.Values{"unit": {c.QueryParam("unit")}, "period": {c.QueryParam("period")}}.Encode())
}

// handleSubsidyExport downloads the sheet as CSV or a workbook.
func (s *Server) handleSubsidyExport(c echo.Context) error {
	sh, err := s.requestedSubsidies(c)
	if err != nil {
		return err
	}
	ext, mime, write := "csv", "text/csv; charset=utf-8", export.SubsidyCSV
	if c.Path() == "/subsidies/export.xlsx" {
		ext, mime, write = "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.SubsidyXLSX
	}
	var buf bytes.Buffer
	if err := write(&buf, sh); err != nil {
		return err
	}
	if err := s.Engine.Audited(c.Request().Context(), actor(c), engine.AuditExport, 0, fmt.Sprintf("%s %s 以案定补.%s", sh.Unit.Name, sh.Period.Key, ext)); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="subsidy-%s-%s.%s"; filename*=UTF-8''%s`,
		sh.Unit.Code, sh.Period.Key, ext, url.PathEscape(fmt.Sprintf("%s%s以案定补.%s", sh.Unit.Name, sh.Period.Key, ext))))
	return c.Blob(http.StatusOK, mime, buf.Bytes())
}

// handleAPISubsidies answers a period's subsidies as JSON: by case, with
// the sums by mediator and committee, amounts in yuan.
func (s *Server) handleAPISubsidies(c echo.Context) error {
	sh, err := s.requestedSubsidies(c)
	if err != nil {
		return err
	}
	type adjustment struct {
		Kind   string  `json:"kind"`
		Grade  string  `json:"grade,omitempty"`
		Amount float64 `json:"amount"`
		Reason string  `json:"reason"`
		By     string  `json:"by"`
		At     string  `json:"at"`
	}
	type line struct {
		ID          int64        `json:"id"`
		CaseID      int64        `json:"case_id"`
		CaseNumber  string       `json:"case_number"`
		Mediator    string       `json:"mediator"`
		Committee   string       `json:"committee"`
		Grade       string       `json:"grade"`
		EarnedAt    string       `json:"earned_at"`
		Earned      float64      `json:"earned"`
		Adjustments []adjustment `json:"adjustments"`
		Net         float64      `json:"net"`
		ClawedBack  bool         `json:"clawed_back"`
	}
	type sum struct {
		Name      string         `json:"name"`
		Committee string         `json:"committee,omitempty"`
		Cases     int            `json:"cases"`
		ByGrade   map[string]int `json:"by_grade"`
		Net       float64        `json:"net"`
	}
	tree, err := s.Engine.Tree(c.Request().Context())
	if err != nil {
		return err
	}
	lines := []line{}
	for _, l := range sh.Lines {
		out := line{ID: l.ID, CaseID: l.CaseID, CaseNumber: l.CaseNumber, Mediator: l.MediatorName, Grade: l.Grade,
			EarnedAt: l.EarnedAt.Format("2006-01-02T15:04:05Z07:00"), Earned: float64(l.Earned) / 100, Net: float64(l.Net) / 100,
			ClawedBack: l.ClawedBack, Adjustments: []adjustment{}}
		if cm := tree.Committee(l.CommitteeID); cm != nil {
			out.Committee = cm.Name
		}
		for _, a := range l.Adjustments {
			out.Adjustments = append(out.Adjustments, adjustment{a.Kind, a.Grade, float64(a.Amount) / 100, a.Reason, a.ByName,
				a.At.Format("2006-01-02T15:04:05Z07:00")})
		}
		lines = append(lines, out)
	}
	sums := func(in []*subsidy.Sum) []sum {
		out := []sum{}
		for _, x := range in {
			out = append(out, sum{x.Name, x.Committee, x.Cases, x.ByGrade, float64(x.Net) / 100})
		}
		return out
	}
	return c.JSON(http.StatusOK, map[string]any{"unit": sh.Unit.Code, "period": sh.Period.Key, "cases": lines,
		"mediators": sums(sh.ByMediator), "committees": sums(sh.ByCommittee), "total": sums([]*subsidy.Sum{&sh.Total})[0]})
}
