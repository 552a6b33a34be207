package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
	"github.com/labstack/echo/v4"
)

// reportParams reads the period (a month, quarter or year; the older
// month parameter too; last month by default) and the unit (the user's by
// default).
func (s *Server) reportParams(c echo.Context) (unit, period string, err error) {
	period = c.QueryParam("period")
	if period == "" {
		period = c.QueryParam("month")
	}
	if period == "" {
		period = s.Engine.Now().In(s.Engine.Location).AddDate(0, -1, 0).Format("2006-01")
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
	return unit, period, nil
}

// figureLink is the address of the case list behind a figure.
func figureLink(unit, period, figure string) string {
	return "/reports/cases?" + url.Values{"unit": {unit}, "period": {period}, "figure": {figure}}.Encode()
}

type summaryRow struct {
	Label, Now, Prev, MoM, Year, YoY, Link string
}

func (s *Server) handleReport(c echo.Context) error {
	ctx := c.Request().Context()
	unit, period, err := s.reportParams(c)
	if err != nil {
		return err
	}
	r, err := s.Reports.Report(ctx, actor(c), unit, period)
	if err != nil {
		return err
	}
	month := r.Period
	trend, err := s.Reports.Trend(ctx, actor(c), unit, month, 12)
	if err != nil {
		return err
	}
	sections := export.Sections(r, s.Engine.CurrentLists())
	var summary []summaryRow
	for i, row := range sections[0].Rows {
		sr := summaryRow{Label: row[0], Now: row[1], Prev: row[2], MoM: changeText(row[3], row[4]), Year: row[5], YoY: changeText(row[6], row[7])}
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
	// The Ministry's table is downloaded, not shown: it is 34 columns wide.
	var shown []export.Section
	for _, sec := range sections[1:] {
		if sec.Name != export.MOJSheet {
			shown = append(shown, sec)
		}
	}
	p, err := s.Reports.ParsePeriod(month)
	if err != nil {
		return err
	}
	late := p.IsMonth() && s.Reports.SweepsLate(month)
	return s.render(c, http.StatusOK, viewReport, "统计报表", map[string]any{
		"Report": r, "Summary": summary, "Sections": shown, "Period": month, "Units": units, "SweepsLate": late,
		"Choices": s.periodChoices(), "Query": template.URL(url.Values{"unit": {r.Unit}, "period": {month}}.Encode()),
		"TierChart":     barChart("调成案件的层级分布", tiers),
		"CategoryChart": barChart("受理案件的纠纷类型", cats),
		"TrendChart":    lineChart("近12个月登记与调成", labels, []series{{"登记", "s1", reg}, {"调成", "s2", agreed}}),
	})
}

// periodChoice is a period the picker offers.
type periodChoice struct{ Key, Label string }

// periodChoices are the last twelve months, the last four quarters and the
// last two years, newest first.
func (s *Server) periodChoices() []periodChoice {
	now := s.Engine.Now().In(s.Engine.Location)
	var out []periodChoice
	for i := 1; i <= 12; i++ {
		m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.Engine.Location).AddDate(0, -i, 0)
		out = append(out, periodChoice{m.Format("2006-01"), m.Format("2006年1月")})
	}
	q := time.Date(now.Year(), time.Month(3*((int(now.Month())-1)/3)+1), 1, 0, 0, 0, 0, s.Engine.Location)
	for i := 1; i <= 4; i++ {
		m := q.AddDate(0, -3*i, 0)
		out = append(out, periodChoice{fmt.Sprintf("%dQ%d", m.Year(), (int(m.Month())+2)/3), fmt.Sprintf("%d年第%d季度", m.Year(), (int(m.Month())+2)/3)})
	}
	for i := 0; i <= 1; i++ {
		out = append(out, periodChoice{fmt.Sprint(now.Year() - i), fmt.Sprintf("%d年", now.Year()-i)})
	}
	return out
}

// exports are the report's downloads by the address's ending.
var exports = map[string]struct {
	ext, mime, what string
	write           func(w io.Writer, r *report.Report, l engine.Lists) error
}{
	".csv":     {"csv", "text/csv; charset=utf-8", "统计", export.CSV},
	".xlsx":    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "统计", export.XLSX},
	".moj.csv": {"csv", "text/csv; charset=utf-8", export.MOJSheet, func(w io.Writer, r *report.Report, _ engine.Lists) error { return export.MOJCSV(w, r) }},
}

// requestedReport computes the report of the request's unit and period.
func (s *Server) requestedReport(c echo.Context) (*report.Report, error) {
	unit, period, err := s.reportParams(c)
	if err != nil {
		return nil, err
	}
	return s.Reports.Report(c.Request().Context(), actor(c), unit, period)
}

func (s *Server) handleReportExport(c echo.Context) error {
	r, err := s.requestedReport(c)
	if err != nil {
		return err
	}
	format := exports[strings.TrimPrefix(c.Path(), "/reports/export")]
	var buf bytes.Buffer
	if err := format.write(&buf, r, s.Engine.CurrentLists()); err != nil {
		return err
	}
	name := fmt.Sprintf("report-%s-%s.%s", r.Unit, r.Period, format.ext)
	if err := s.Engine.Audited(c.Request().Context(), actor(c), engine.AuditExport, 0, fmt.Sprintf("%s %s %s", r.UnitName, r.Period, format.what+"."+format.ext)); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`,
		name, url.PathEscape(fmt.Sprintf("%s%s%s.%s", r.UnitName, r.Period, format.what, format.ext))))
	return c.Blob(http.StatusOK, format.mime, buf.Bytes())
}

// handleAPIReport answers the report of a unit and a period as JSON.
func (s *Server) handleAPIReport(c echo.Context) error {
	r, err := s.requestedReport(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// changeText reads a change and its percentage, as the export's columns
// hold them, in one cell for the page: 「+5（+12.5%）」, 「-3」, 「—」.
func changeText(diff, percent string) string {
	if diff == "—" {
		return diff
	}
	if !strings.HasPrefix(diff, "-") && diff != "0" {
		diff = "+" + diff
	}
	if percent == "—" {
		return diff
	}
	if !strings.HasPrefix(percent, "-") && percent != "0.0" {
		percent = "+" + percent
	}
	return diff + "（" + percent + "%）"
}

// handleFigureCases lists the cases behind a figure of the report.
func (s *Server) handleFigureCases(c echo.Context) error {
	ctx := c.Request().Context()
	unit, period, err := s.reportParams(c)
	if err != nil {
		return err
	}
	figure := c.QueryParam("figure")
	cases, err := s.Reports.FigureCases(ctx, actor(c), unit, period, figure)
	if err != nil {
		return err
	}
	label := figure
	if f, ok := report.FigureByKey(figure); ok {
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
	return s.render(c, http.StatusOK, viewFigure, label, map[string]any{"Label": label, "Period": period, "Rows": rows,
		"Unit": tree.ByCode(unit), "Back": "/reports?" + url.Values{"unit": {unit}, "period": {period}}.Encode()})
}

// handleSweepForm shows a mediator's sweep filing: the form for last month,
// or, with ?correct=MONTH, the month filed filled in to correct; and what
// the unit filed in the last twelve months.
func (s *Server) handleSweepForm(c echo.Context) error {
	if !s.Engine.Abilities(c.Request().Context(), actor(c)).Sweep {
		return engine.Errorf(engine.EFORBIDDEN, "%s", workflow.FeatureSweep.Refusal())
	}
	v := values{"month": s.Reports.LastMonth(), "households": "", "disputes_found": ""}
	view, err := s.sweepView(c, v, map[string]string{})
	if err != nil {
		return err
	}
	for _, f := range view.History {
		if f.Month == c.QueryParam("correct") {
			v["month"], v["swept_on"], v["households"], v["disputes_found"] = f.Month, f.SweptOn, strconv.Itoa(f.Households), strconv.Itoa(f.DisputesFound)
			v["risks"], v["notes"], v["correct"] = f.Risks, f.Notes, "1"
		}
	}
	return s.render(c, http.StatusOK, viewSweep, "矛盾排查", view)
}

// sweepView is the sweep's page: the form as typed with its mistakes, the
// sweep just filed, and the unit's filings with who filed each.
type sweepView struct {
	Filed   *report.Sweep
	V       values
	E       map[string]string
	History []*report.Sweep
	// Filers names who filed each of History, by account.
	Filers map[int64]string
	// Found are the ledger's entries each sweep of History found, by the
	// sweep's id, for a user who reads the ledger.
	Found map[int64][]*ledger.Entry
}

func (s *Server) sweepView(c echo.Context, v values, errs map[string]string) (sweepView, error) {
	ctx := c.Request().Context()
	history, err := s.Reports.FiledSweeps(ctx, actor(c))
	if err != nil {
		return sweepView{}, err
	}
	filers := map[int64]string{}
	for _, f := range history {
		if _, ok := filers[f.FiledBy]; !ok && f.FiledBy != 0 {
			if u, err := s.Engine.Store.FindUser(ctx, f.FiledBy); err == nil {
				filers[f.FiledBy] = u.Actor().Name
			}
		}
	}
	found := map[int64][]*ledger.Entry{}
	if s.Engine.Abilities(ctx, actor(c)).Ledger && len(history) > 0 {
		ids := make([]int64, len(history))
		for i, f := range history {
			ids[i] = f.ID
		}
		entries, _, err := s.Ledger.List(ctx, actor(c), ledger.Filter{Sweeps: ids, Limit: 500}, "矛盾排查")
		if err != nil {
			return sweepView{}, err
		}
		for _, e := range entries {
			found[e.Sweep] = append(found[e.Sweep], e)
		}
	}
	return sweepView{V: v, E: errs, History: history, Filers: filers, Found: found}, nil
}

func (s *Server) handleSweep(c echo.Context) error {
	v := formValues(c)
	sw := &report.Sweep{Month: v["month"], SweptOn: v["swept_on"], Risks: v["risks"], Notes: v["notes"]}
	errs := map[string]string{}
	var err error
	if sw.Households, err = strconv.Atoi(strings.TrimSpace(v["households"])); err != nil {
		errs["households"] = "请填写走访户数（整数）。"
	}
	if sw.DisputesFound, err = strconv.Atoi(strings.TrimSpace(v["disputes_found"])); err != nil {
		errs["disputes_found"] = "请填写发现纠纷数（整数，没有发现填0）。"
	}
	status := http.StatusUnprocessableEntity
	if len(errs) == 0 {
		err = s.Reports.FileSweep(c.Request().Context(), actor(c), sw, v["correct"] == "1")
		switch engine.ErrorCode(err) {
		case "":
			view, err := s.sweepView(c, v, errs)
			if err != nil {
				return err
			}
			// The filing as kept, with its id, for the steps that follow
			// from it.
			view.Filed = sw
			for _, f := range view.History {
				if f.Month == sw.Month {
					view.Filed = f
				}
			}
			return s.render(c, http.StatusOK, viewSweep, "矛盾排查", view)
		case engine.EINVALID, engine.ECONFLICT:
			errs = engine.ErrorFields(err)
			if len(errs) == 0 {
				errs = map[string]string{"month": engine.ErrorMessage(err)}
			}
			status = statusOf[engine.ErrorCode(err)]
		default:
			return err
		}
	}
	view, err := s.sweepView(c, v, errs)
	if err != nil {
		return err
	}
	return s.render(c, status, viewSweep, "矛盾排查", view)
}
