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
	// Keys, when set, names the engine.CaseFigures key behind each row, or
	// "" for a row that does not count cases.
	Keys []string
}

// row is one figure of the summary with how to read it.
type row struct {
	label string
	key   string // the engine.CaseFigures key, "" for other figures
	get   func(f *engine.Figures) *float64
}

func n(v int) *float64     { f := float64(v); return &f }
func x(v float64) *float64 { return &v }

var summary = []row{
	{"登记", "registered", func(f *engine.Figures) *float64 { return n(f.Registered) }},
	{"受理", "accepted", func(f *engine.Figures) *float64 { return n(f.Accepted) }},
	{"不予受理", "rejected", func(f *engine.Figures) *float64 { return n(f.Rejected) }},
	{"调解成功", "agreed", func(f *engine.Figures) *float64 { return n(f.Agreed) }},
	{"调解终止", "failed", func(f *engine.Figures) *float64 { return n(f.Failed) }},
	{"当事人撤回", "withdrawn", func(f *engine.Figures) *float64 { return n(f.Withdrawn) }},
	{"移交", "referred", func(f *engine.Figures) *float64 { return n(f.Referred) }},
	{"月末在办", "open_at_end", func(f *engine.Figures) *float64 { return n(f.OpenAtEnd) }},
	{"月末超期", "overdue_at_end", func(f *engine.Figures) *float64 { return n(f.OverdueAtEnd) }},
	{"调解成功率(%)", "", func(f *engine.Figures) *float64 { return pct(f.SuccessRate) }},
	{"基层化解率(%)", "", func(f *engine.Figures) *float64 { return pct(f.GrassrootsRate) }},
	{"网格调成", "agreed_grid", func(f *engine.Figures) *float64 { return n(f.AgreedByTier.Grid) }},
	{"村(社区)调成", "agreed_village", func(f *engine.Figures) *float64 { return n(f.AgreedByTier.Village) }},
	{"镇(街道)调成", "agreed_town", func(f *engine.Figures) *float64 { return n(f.AgreedByTier.Town) }},
	{"人工上报", "", func(f *engine.Figures) *float64 { return n(f.Escalations.Manual) }},
	{"超期自动上报", "", func(f *engine.Figures) *float64 { return n(f.Escalations.Automatic) }},
	{"受理至调成平均天数", "", func(f *engine.Figures) *float64 { return f.DaysToAgreement.Mean }},
	{"受理至调成天数中位数", "", func(f *engine.Figures) *float64 { return f.DaysToAgreement.Median }},
	{"协议金额(元)", "", func(f *engine.Figures) *float64 { return x(f.AgreementAmount) }},
	{"涉及人数", "", func(f *engine.Figures) *float64 { return n(f.PeopleInvolved) }},
	{"防止民转刑(件)", "prevented_civil_to_criminal", func(f *engine.Figures) *float64 { return n(f.Prevented.CivilToCriminal.Cases) }},
	{"防止民转刑(人)", "", func(f *engine.Figures) *float64 { return n(f.Prevented.CivilToCriminal.People) }},
	{"防止群体性事件(件)", "prevented_group_incident", func(f *engine.Figures) *float64 { return n(f.Prevented.GroupIncident.Cases) }},
	{"防止群体性事件(人)", "", func(f *engine.Figures) *float64 { return n(f.Prevented.GroupIncident.People) }},
	{"回访", "", func(f *engine.Figures) *float64 { return n(f.Followups) }},
}

func pct(r *float64) *float64 {
	if r == nil {
		return nil
	}
	return x(*r * 100)
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

func share(c engine.Count) string { return num(pct(c.Share)) }

// Sections lays a report out as its tables.
func Sections(r *engine.Report) []Section {
	sum := Section{Name: "汇总", Header: []string{"指标", "本月", "上月", "环比", "去年同月", "同比"}}
	for _, rw := range summary {
		cur, prev, last := rw.get(&r.Figures), rw.get(r.PreviousMonth), rw.get(r.SameMonthLastYear)
		sum.Rows = append(sum.Rows, []string{rw.label, num(cur), num(prev), change(cur, prev), num(last), change(cur, last)})
		sum.Keys = append(sum.Keys, rw.key)
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
	kids := Section{Name: "下级单位", Header: []string{"单位", "登记", "受理", "调解成功", "调解终止", "撤回", "月末在办", "月末超期", "调解成功率(%)", "基层化解率(%)", "协议金额(元)"}}
	for _, c := range r.Children {
		kids.Rows = append(kids.Rows, []string{c.Name, strconv.Itoa(c.Registered), strconv.Itoa(c.Accepted), strconv.Itoa(c.Agreed),
			strconv.Itoa(c.Failed), strconv.Itoa(c.Withdrawn), strconv.Itoa(c.OpenAtEnd), strconv.Itoa(c.OverdueAtEnd),
			num(pct(c.SuccessRate)), num(pct(c.GrassrootsRate)), num(x(c.AgreementAmount))})
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
