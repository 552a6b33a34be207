// Package export lays the monthly report out as tables with Chinese headers
// and writes them as CSV, XLSX or text. The web page's downloads and the
// command line both use it, so every format shows the same figures.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/grassroots/mediation/engine"
	"github.com/xuri/excelize/v2"
)

// Section is one table of the report.
type Section struct {
	Name   string
	Header []string
	Rows   [][]string
	// Keys, when set, names the engine.FigureTable key behind each row
	// that counts cases, "" for the other rows.
	Keys []string
}

// num shows a figure with at most two decimals, "—" when it is null.
func num(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(float64(int64(*v*100+sign(*v)*0.5))/100, 'f', -1, 64)
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// change shows the change from before to now, "—" when either is null.
func change(now, before *float64) string {
	if now == nil || before == nil {
		return "—"
	}
	d := *now - *before
	s := num(&d)
	if d > 0 {
		s = "+" + s
	}
	return s
}

func share(c engine.Count) string {
	if c.Share == nil {
		return num(nil)
	}
	v := *c.Share * 100
	return num(&v)
}

// childKeys are the figures of the table with a row per child unit.
var childKeys = []string{"registered", "accepted", "agreed", "failed", "withdrawn", "open_at_end", "overdue_at_end",
	"success_rate", "grassroots_rate", "agreement_amount"}

// Sections lays a report out as its tables.
func Sections(r *engine.Report) []Section {
	sum := Section{Name: "汇总", Header: []string{"指标", "本月", "上月", "环比", "去年同月", "同比"}}
	for _, fig := range engine.FigureTable {
		cur, prev, last := fig.Get(&r.Figures), fig.Get(r.PreviousMonth), fig.Get(r.SameMonthLastYear)
		sum.Rows = append(sum.Rows, []string{fig.Label, num(cur), num(prev), change(cur, prev), num(last), change(cur, last)})
		key := ""
		if fig.CountsCases() {
			key = fig.Key
		}
		sum.Keys = append(sum.Keys, key)
	}
	cats := Section{Name: "纠纷类型", Header: []string{"纠纷类型", "受理件数", "占比(%)"}}
	for _, c := range engine.Categories {
		cats.Rows = append(cats.Rows, []string{c, strconv.Itoa(r.ByCategory[c].Count), share(r.ByCategory[c])})
	}
	for _, c := range sortedKeys(r.ByCategory) {
		if !slices.Contains(engine.Categories, c) {
			cats.Rows = append(cats.Rows, []string{c, strconv.Itoa(r.ByCategory[c].Count), share(r.ByCategory[c])})
		}
	}
	srcs := Section{Name: "案件来源", Header: []string{"案件来源", "受理件数", "占比(%)"}}
	for _, s := range engine.Sources {
		srcs.Rows = append(srcs.Rows, []string{s, strconv.Itoa(r.BySource[s].Count), share(r.BySource[s])})
	}
	kids := Section{Name: "下级单位", Header: []string{"单位"}}
	var childFigures []engine.Figure
	for _, key := range childKeys {
		fig, _ := engine.FigureByKey(key)
		childFigures = append(childFigures, fig)
		kids.Header = append(kids.Header, fig.Label)
	}
	for _, c := range r.Children {
		row := []string{c.Name}
		for _, fig := range childFigures {
			row = append(row, num(fig.Get(&c.Figures)))
		}
		kids.Rows = append(kids.Rows, row)
	}
	meds := Section{Name: "调解员", Header: []string{"调解员", "本月办理案件", "调解成功", "月末超期"}}
	for _, m := range r.Mediators {
		meds.Rows = append(meds.Rows, []string{m.Name, strconv.Itoa(m.Workload), strconv.Itoa(m.Agreements), strconv.Itoa(m.Overdue)})
	}
	sweeps := Section{Name: "矛盾排查", Header: []string{"项目", "数值"}, Rows: [][]string{
		{"已填报网格", strconv.Itoa(r.Sweeps.Filed)},
		{"排查发现纠纷", strconv.Itoa(r.Sweeps.DisputesFound)},
		{"未填报网格", strconv.Itoa(len(r.Sweeps.GridsMissing))},
	}}
	for _, g := range r.Sweeps.GridsMissing {
		sweeps.Rows = append(sweeps.Rows, []string{"未填报", g})
	}
	return []Section{sum, cats, srcs, kids, meds, sweeps}
}

func sortedKeys(m map[string]engine.Count) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func title(r *engine.Report) string {
	return fmt.Sprintf("%s %s 矛盾纠纷调解月报", r.UnitName, r.Month)
}

// CSV writes the report's tables one after another, each under its name,
// with a byte-order mark so that spreadsheet programs read the Chinese.
func CSV(w io.Writer, r *engine.Report) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{title(r)}); err != nil {
		return err
	}
	for _, s := range Sections(r) {
		if err := cw.Write(nil); err != nil {
			return err
		}
		rows := append([][]string{{s.Name}, s.Header}, s.Rows...)
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSX writes the report as a workbook with one sheet per table.
func XLSX(w io.Writer, r *engine.Report) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range Sections(r) {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
		rows := append([][]string{{title(r)}, s.Header}, s.Rows...)
		for y, row := range rows {
			for x, v := range row {
				cell, err := excelize.CoordinatesToCellName(x+1, y+1)
				if err != nil {
					return err
				}
				var val any = v
				if fv, err := strconv.ParseFloat(v, 64); err == nil && x > 0 {
					val = fv
				}
				if err := f.SetCellValue(s.Name, cell, val); err != nil {
					return err
				}
			}
		}
		if err := f.SetColWidth(s.Name, "A", "A", 24); err != nil {
			return err
		}
	}
	_, err := f.WriteTo(w)
	return err
}

// Text writes the report as aligned text for a terminal.
func Text(w io.Writer, r *engine.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, title(r))
	for _, s := range Sections(r) {
		fmt.Fprintf(tw, "\n【%s】\n", s.Name)
		for _, row := range append([][]string{s.Header}, s.Rows...) {
			for i, v := range row {
				if i > 0 {
					fmt.Fprint(tw, "\t")
				}
				fmt.Fprint(tw, v)
			}
			fmt.Fprintln(tw)
		}
	}
	return tw.Flush()
}
