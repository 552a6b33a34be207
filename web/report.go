package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// reportParams reads the month (last month by default) and the unit (the
// user's by default).
func (s *Server) reportParams(c echo.Context) (unit, month string, err error) {
	month = c.QueryParam("month")
	if month == "" {
		month = s.Engine.Now().In(s.Engine.Location).AddDate(0, -1, 0).Format("2006-01")
	}
	unit = c.QueryParam("unit")
	if unit == "" {
		tree, err := s.Engine.Tree(c.Request().Context())
		if err != nil {
			return "", "", err
		}
		if u := tree.Unit(currentUser(c).UnitID); u != nil {
			unit = u.Code
		}
	}
	return unit, month, nil
}

// figureLink is the address of the case list behind a figure.
func figureLink(unit, month, figure string) string {
	return "/reports/cases?" + url.Values{"unit": {unit}, "month": {month}, "figure": {figure}}.Encode()
}

type summaryRow struct {
	Label, Now, Prev, MoM, Year, YoY, Link string
}

func (s *Server) handleReport(c echo.Context) error {
	ctx := c.Request().Context()
	unit, month, err := s.reportParams(c)
	if err != nil {
		return err
	}
	r, err := s.Engine.Report(ctx, actor(c), unit, month)
	if err != nil {
		return err
	}
	trend, err := s.Engine.Trend(ctx, actor(c), unit, month, 12)
	if err != nil {
		return err
	}
	sections := export.Sections(r)
	var summary []summaryRow
	for i, row := range sections[0].Rows {
		sr := summaryRow{Label: row[0], Now: row[1], Prev: row[2], MoM: row[3], Year: row[4], YoY: row[5]}
		if key := sections[0].Keys[i]; key != "" {
			sr.Link = figureLink(r.Unit, month, key)
		}
		summary = append(summary, sr)
	}
	var cats, tiers []bar
	for _, row := range sections[1].Rows {
		v, _ := strconv.ParseFloat(row[1], 64)
		cats = append(cats, bar{row[0], v, figureLink(r.Unit, month, "category:"+row[0])})
	}
	tiers = []bar{
		{"网格", float64(r.AgreedByTier.Grid), figureLink(r.Unit, month, "agreed_grid")},
		{"村(社区)", float64(r.AgreedByTier.Village), figureLink(r.Unit, month, "agreed_village")},
		{"镇(街道)", float64(r.AgreedByTier.Town), figureLink(r.Unit, month, "agreed_town")},
	}
	var labels []string
	var reg, agreed []float64
	for _, p := range trend {
		labels = append(labels, p.Month[2:])
		reg, agreed = append(reg, float64(p.Registered)), append(agreed, float64(p.Agreed))
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	var units []*engine.Unit
	for _, id := range tree.Subtree(currentUser(c).UnitID) {
		if u := tree.Unit(id); u.Level != workflow.LevelGrid {
			units = append(units, u)
		}
	}
	late := s.Engine.SweepsLate(month)
	return s.render(c, http.StatusOK, "report", "月报", map[string]any{
		"Report": r, "Summary": summary, "Sections": sections[1:], "Month": month, "Units": units, "SweepsLate": late,
		"TierChart":     barChart("调成案件的层级分布", tiers),
		"CategoryChart": barChart("受理案件的纠纷类型", cats),
		"TrendChart":    lineChart("近12个月登记与调成", labels, []series{{"登记", "s1", reg}, {"调成", "s2", agreed}}),
	})
}

func (s *Server) handleReportExport(c echo.Context) error {
	unit, month, err := s.reportParams(c)
	if err != nil {
		return err
	}
	r, err := s.Engine.Report(c.Request().Context(), actor(c), unit, month)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	ext, mime, write := "csv", "text/csv; charset=utf-8", export.CSV
	if strings.HasSuffix(c.Path(), ".xlsx") {
		ext, mime, write = "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.XLSX
	}
	if err := write(&buf, r); err != nil {
		return err
	}
	name := fmt.Sprintf("report-%s-%s.%s", r.Unit, month, ext)
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`,
		name, url.PathEscape(fmt.Sprintf("%s%s月报.%s", r.UnitName, month, ext))))
	return c.Blob(http.StatusOK, mime, buf.Bytes())
}

// handleFigureCases lists the cases behind a figure of the report.
func (s *Server) handleFigureCases(c echo.Context) error {
	ctx := c.Request().Context()
	unit, month, err := s.reportParams(c)
	if err != nil {
		return err
	}
	figure := c.QueryParam("figure")
	cases, err := s.Engine.FigureCases(ctx, actor(c), unit, month, figure)
	if err != nil {
		return err
	}
	label := figure
	if f, ok := engine.FigureByKey(figure); ok {
		label = f.Label
	}
	tree, err := s.Engine.Tree(ctx)
	if err != nil {
		return err
	}
	now := s.Engine.Now()
	rows := make([]caseRow, len(cases))
	for i, k := range cases {
		rows[i] = caseRow{Case: k, Handling: tree.Unit(k.HandlingUnitID).Name, Due: s.countdown(k.DueAt), Overdue: k.Overdue(now)}
	}
	return s.render(c, http.StatusOK, "figure", label, map[string]any{"Label": label, "Month": month, "Rows": rows,
		"Unit": tree.ByCode(unit), "Back": "/reports?" + url.Values{"unit": {unit}, "month": {month}}.Encode()})
}

// handleSweepForm shows a grid mediator's sweep filing for a month.
func (s *Server) handleSweepForm(c echo.Context) error {
	if !s.Engine.Abilities(c.Request().Context(), actor(c)).Sweep {
		return engine.Errorf(engine.EFORBIDDEN, "矛盾排查由网格调解员为本网格填报。")
	}
	now := s.Engine.Now().In(s.Engine.Location)
	return s.render(c, http.StatusOK, "sweep", "矛盾排查", map[string]any{
		"V": values{"month": now.Format("2006-01"), "swept_on": now.Format(time.DateOnly), "households": "0", "disputes_found": "0"},
		"E": map[string]string{}})
}

func (s *Server) handleSweep(c echo.Context) error {
	v := formValues(c)
	sw := &engine.Sweep{Month: v["month"], SweptOn: v["swept_on"], Risks: v["risks"], Notes: v["notes"]}
	errs := map[string]string{}
	var err error
	if sw.Households, err = strconv.Atoi(v["households"]); err != nil {
		errs["households"] = "请填写走访户数（整数）。"
	}
	if sw.DisputesFound, err = strconv.Atoi(v["disputes_found"]); err != nil {
		errs["disputes_found"] = "请填写发现纠纷数（整数）。"
	}
	if len(errs) == 0 {
		err = s.Engine.FileSweep(c.Request().Context(), actor(c), sw)
		switch engine.ErrorCode(err) {
		case "":
			return s.render(c, http.StatusOK, "sweep", "矛盾排查", map[string]any{"Filed": sw, "V": v, "E": errs})
		case engine.EINVALID, engine.ECONFLICT:
			errs = engine.ErrorFields(err)
			if len(errs) == 0 {
				errs = map[string]string{"month": engine.ErrorMessage(err)}
			}
		default:
			return err
		}
	}
	return s.render(c, http.StatusUnprocessableEntity, "sweep", "矛盾排查", map[string]any{"V": v, "E": errs})
}
