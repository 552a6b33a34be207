// Package export lays the report out as tables with Chinese headers and
// writes them as CSV, XLSX or text, and the Ministry of Justice's table
// (人民调解工作统计表). The web page's downloads and the command line both use
// it, so every format shows the same figures.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/report"
	"github.com/xuri/excelize/v2"
)

// Section is one table of the report.
type Section struct {
	Name   string
	Header []string
	Rows   [][]string
	// Keys, when set, names the report.FigureTable key behind each row
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

// change shows the change from before to now as the raw difference and,
// for a count, the percentage of before, each a plain number for its own
// column; "—" where before is 0 (no percentage), for a rate (it changes by
// points only) and where either is null.
func change(now, before *float64, rate bool) (diff, percent string) {
	if now == nil || before == nil {
		return "—", "—"
	}
	d := *now - *before
	if rate || *before == 0 {
		return num(&d), "—"
	}
	return num(&d), strconv.FormatFloat(d / *before * 100, 'f', 1, 64)
}

func share(c report.Count) string {
	if c.Share == nil {
		return num(nil)
	}
	v := *c.Share * 100
	return num(&v)
}

// childKeys are the figures of the table with a row per child unit.
var childKeys = []string{"registered", "accepted", "agreed", "failed", "withdrawn", "open_at_end", "overdue_at_end",
	"success_rate", "grassroots_rate", "agreement_amount"}

// Sections lays a report out as its tables; l names the categories and
// sources in their order.
func Sections(r *report.Report, l engine.Lists) []Section {
	sum := Section{Name: "汇总", Header: []string{"指标", "本期", "上期", "环比增减", "环比增减(%)", "去年同期", "同比增减", "同比增减(%)"}}
	for _, fig := range report.FigureTable {
		cur, prev, last := fig.Get(&r.Figures), fig.Get(r.PreviousPeriod), fig.Get(r.SamePeriodLastYear)
		rate := strings.HasSuffix(fig.Key, "_rate")
		mom, momPct := change(cur, prev, rate)
		yoy, yoyPct := change(cur, last, rate)
		sum.Rows = append(sum.Rows, []string{fig.Label, num(cur), num(prev), mom, momPct, num(last), yoy, yoyPct})
		key := ""
		if fig.CountsCases() {
			key = fig.Key
		}
		sum.Keys = append(sum.Keys, key)
	}
	cats := Section{Name: "纠纷类型", Header: []string{"纠纷类型", "受理件数", "占比(%)"}}
	for _, c := range l.CategoryNames() {
		cats.Rows = append(cats.Rows, []string{c, strconv.Itoa(r.ByCategory[c].Count), share(r.ByCategory[c])})
	}
	for _, c := range sortedKeys(r.ByCategory) {
		if !slices.Contains(l.CategoryNames(), c) {
			cats.Rows = append(cats.Rows, []string{c, strconv.Itoa(r.ByCategory[c].Count), share(r.ByCategory[c])})
		}
	}
	srcs := Section{Name: "案件来源", Header: []string{"案件来源", "受理件数", "占比(%)"}}
	for _, s := range l.SourceNames() {
		srcs.Rows = append(srcs.Rows, []string{s, strconv.Itoa(r.BySource[s].Count), share(r.BySource[s])})
	}
	for _, s := range engine.MOJSources {
		srcs.Rows = append(srcs.Rows, []string{"其中" + s + "（司法部口径）", strconv.Itoa(r.BySourceMOJ[s].Count), share(r.BySourceMOJ[s])})
	}
	kids := Section{Name: "下级单位", Header: []string{"单位"}}
	var childFigures []report.Figure
	for _, key := range childKeys {
		fig, _ := report.FigureByKey(key)
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
	meds := Section{Name: "调解员", Header: []string{"调解员", "本期办理案件", "调解成功", "期末超期", "本年培训学时", "当事人评价", "满意率(%)"}}
	for _, m := range r.Mediators {
		meds.Rows = append(meds.Rows, []string{m.Name, strconv.Itoa(m.Workload), strconv.Itoa(m.Agreements), strconv.Itoa(m.Overdue),
			strconv.FormatFloat(m.TrainingHours, 'f', -1, 64), strconv.Itoa(m.Ratings.Total()), rate1(m.Ratings.Rate)})
	}
	parties := Section{Name: "网上申请和服务评价", Header: []string{"单位", "网上申请", "受理", "不予受理", "当事人评价", "满意", "基本满意", "不满意", "满意率(%)"}}
	party := func(name string, f report.PartyFigures) []string {
		return []string{name, strconv.Itoa(f.Applied), strconv.Itoa(f.Accepted), strconv.Itoa(f.Refused), strconv.Itoa(f.Ratings.Total()),
			strconv.Itoa(f.Ratings.Satisfied), strconv.Itoa(f.Ratings.Fair), strconv.Itoa(f.Ratings.Dissatisfied), rate1(f.Ratings.Rate)}
	}
	for _, c := range r.Children {
		parties.Rows = append(parties.Rows, party(c.Name, c.Parties))
	}
	parties.Rows = append(parties.Rows, party("合计", r.Parties))
	partners := Section{Name: "联动单位", Header: []string{"联动单位", "本期移交", "按期反馈", "逾期反馈", "其中退回调解", "期末待反馈"}}
	for _, p := range r.Partners {
		partners.Rows = append(partners.Rows, []string{p.Name, strconv.Itoa(p.Referred), strconv.Itoa(p.OnTime), strconv.Itoa(p.Late),
			strconv.Itoa(p.Returned), strconv.Itoa(p.Waiting)})
	}
	sweeps := Section{Name: "矛盾排查", Header: []string{"项目", "数值"}, Rows: [][]string{
		{"已填报网格", strconv.Itoa(r.Sweeps.Filed)},
		{"排查发现纠纷", strconv.Itoa(r.Sweeps.DisputesFound)},
		{"未填报网格", strconv.Itoa(len(r.Sweeps.GridsMissing))},
	}}
	for _, g := range r.Sweeps.GridsMissing {
		sweeps.Rows = append(sweeps.Rows, []string{"未填报", g})
	}
	return append([]Section{sum, cats, srcs, kids, meds, parties, partners, sweeps, ledgerSection(r)}, Ministry(r)...)
}

// ledgerSection is the ledger's figures of the unit and of each child: the
// entries at the period's end by colour, listed, taken off, contacts and
// those on time, 专报 sent, and risks settled before they became disputes.
func ledgerSection(r *report.Report) Section {
	s := Section{Name: "重点人员台账", Header: []string{"单位", "期末红色", "期末橙色", "期末黄色", "期末蓝色", "本期列管", "本期销号",
		"本期走访", "其中按期", "重大纠纷专报", "排查化解未成纠纷"}}
	row := func(name string, l report.LedgerFigures) []string {
		out := []string{name}
		for _, c := range []string{"red", "orange", "yellow", "blue"} {
			out = append(out, strconv.Itoa(l.AtEnd[c]))
		}
		for _, n := range []int{l.Listed, l.Delisted, l.Reviews, l.OnTime, l.MajorReports, l.Prevented} {
			out = append(out, strconv.Itoa(n))
		}
		return out
	}
	for _, c := range r.Children {
		s.Rows = append(s.Rows, row(c.Name, c.Ledger))
	}
	s.Rows = append(s.Rows, row("合计", r.Ledger))
	return s
}

// MOJSheet is the name of the Ministry's table.
const MOJSheet = "人民调解工作统计表"

// MOJ lays out the Ministry of Justice's table (人民调解工作统计表): a row
// per child unit and a total row, in the Ministry's columns. Its 预防纠纷数
// counts the risks the sweeps found and settled: the disputes they found
// and agreed (Figures.Preventive) and the ledger's entries they found and
// took off before any dispute (LedgerFigures.Prevented).
func MOJ(r *report.Report) Section {
	t := Section{Name: MOJSheet, Header: []string{"单位", "调解纠纷数", "调解成功数", "调解成功率(%)", "预防纠纷数", "协议涉及金额(元)"}}
	t.Header = append(t.Header, engine.MOJSources...)
	t.Header = append(t.Header, engine.MOJCategories...)
	t.Header = append(t.Header, "防止民转刑(件)", "防止民转刑(人)", "防止群体性上访(件)", "防止群体性上访(人)",
		"防止群体性械斗(件)", "防止群体性械斗(人)", "防止自杀(件)", "防止自杀(人)", "排查次数", "排查发现纠纷数")
	row := func(name string, f *report.Figures, sw report.SweepFigures, l report.LedgerFigures) []string {
		out := []string{name, strconv.Itoa(f.Mediated), strconv.Itoa(f.Agreed), rate1(f.SuccessRate), strconv.Itoa(f.Preventive + l.Prevented),
			num(&f.AgreementAmount)}
		for _, s := range engine.MOJSources {
			out = append(out, strconv.Itoa(f.BySourceMOJ[s].Count))
		}
		for _, c := range engine.MOJCategories {
			out = append(out, strconv.Itoa(f.ByCategoryMOJ[c].Count))
		}
		p := f.Prevented
		for _, pc := range []report.PeopleCount{p.CivilToCriminal, p.GroupPetition, p.GroupFight, p.Suicide} {
			out = append(out, strconv.Itoa(pc.Cases), strconv.Itoa(pc.People))
		}
		return append(out, strconv.Itoa(sw.Filed), strconv.Itoa(sw.DisputesFound))
	}
	for _, c := range r.Children {
		t.Rows = append(t.Rows, row(c.Name, &c.Figures, c.Sweeps, c.Ledger))
	}
	t.Rows = append(t.Rows, row("合计", &r.Figures, r.Sweeps, r.Ledger))
	return t
}

// MOJCommitteesSheet and MOJOrganisationSheet name the Ministry's table by
// committee and its table of organisations.
const (
	MOJCommitteesSheet   = "人民调解工作统计表（按调解委员会）"
	MOJOrganisationSheet = "人民调解组织情况表"
)

// Ministry lays out the Ministry's tables: by place (MOJ), by committee
// and by kind of committee (MOJCommittees), and the organisations.
func Ministry(r *report.Report) []Section {
	return []Section{MOJ(r), MOJCommittees(r), MOJOrganisation(r)}
}

// MOJCommittees lays out a row per committee and then per kind of
// committee, of the figures that count cases by how their mediation ended
// (report.CommitteeFigures).
func MOJCommittees(r *report.Report) Section {
	t := Section{Name: MOJCommitteesSheet, Header: []string{"调解委员会", "类型", "调解纠纷数", "调解成功数", "调解不成数", "撤回数",
		"调解成功率(%)", "预防纠纷数", "协议涉及金额(元)", "书面协议", "口头协议", "防止民转刑(件)", "防止民转刑(人)",
		"防止群体性上访(件)", "防止群体性上访(人)", "防止群体性械斗(件)", "防止群体性械斗(人)", "防止自杀(件)", "防止自杀(人)",
		"当事人评价", "满意率(%)"}}
	row := func(name string, c report.CommitteeRow) []string {
		f := c.CommitteeFigures
		out := []string{name, engine.CommitteeKindLabel(c.Kind), strconv.Itoa(f.Mediated), strconv.Itoa(f.Agreed), strconv.Itoa(f.Failed),
			strconv.Itoa(f.Withdrawn), rate1(f.SuccessRate), strconv.Itoa(f.Preventive), num(&f.AgreementAmount),
			strconv.Itoa(f.AgreementsByKind.Written), strconv.Itoa(f.AgreementsByKind.Oral)}
		p := f.Prevented
		for _, pc := range []report.PeopleCount{p.CivilToCriminal, p.GroupPetition, p.GroupFight, p.Suicide} {
			out = append(out, strconv.Itoa(pc.Cases), strconv.Itoa(pc.People))
		}
		return append(out, strconv.Itoa(f.Ratings.Total()), rate1(f.Ratings.Rate))
	}
	for _, c := range r.Committees {
		t.Rows = append(t.Rows, row(c.Name, c))
	}
	for _, c := range r.CommitteeKinds {
		t.Rows = append(t.Rows, row(engine.CommitteeKindLabel(c.Kind)+"调解委员会合计", c))
	}
	return t
}

// MOJOrganisation lays out the committees by kind, their studios and the
// mediators 专职 and 兼职.
func MOJOrganisation(r *report.Report) Section {
	o := r.Organisation
	t := Section{Name: MOJOrganisationSheet, Header: []string{"项目", "数量"}}
	total := 0
	for _, k := range engine.CommitteeKinds {
		t.Rows = append(t.Rows, []string{k.Label + "人民调解委员会", strconv.Itoa(o.Committees[k.Key])})
		total += o.Committees[k.Key]
	}
	t.Rows = append(t.Rows, []string{"人民调解委员会合计", strconv.Itoa(total)}, []string{"个人调解工作室", strconv.Itoa(o.Studios)},
		[]string{"专职人民调解员", strconv.Itoa(o.FullTime)}, []string{"兼职人民调解员", strconv.Itoa(o.PartTime)},
		[]string{"人民调解员合计", strconv.Itoa(o.FullTime + o.PartTime)})
	return t
}

// rate1 shows a rate as a number of percent with one decimal, "—" when
// null.
func rate1(r *float64) string {
	if r == nil {
		return "—"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64)
}

// MOJCSV writes the Ministry's tables alone as CSV, one after another.
func MOJCSV(w io.Writer, r *report.Report) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for i, t := range Ministry(r) {
		if i > 0 {
			if err := cw.Write(nil); err != nil {
				return err
			}
		}
		if err := cw.WriteAll(safeRows(append([][]string{{title(r) + " · " + t.Name}, t.Header}, t.Rows...))); err != nil {
			return err
		}
	}
	return cw.Error()
}

// safeCell keeps a spreadsheet from reading a text cell as a formula: a
// text that starts with =, +, - or @ (a unit named "=HYPERLINK(...)")
// starts with the full-width sign instead, which reads the same to a
// person and is never a formula, and a leading tab or carriage return is
// dropped. Numbers, negative ones among them, stay as they are.
func safeCell(v string) string {
	v = strings.TrimLeft(v, "\t\r")
	if v == "" || !strings.ContainsRune("=+-@", rune(v[0])) {
		return v
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return v
	}
	return string(fullWidth[v[0]]) + v[1:]
}

// fullWidth are the full-width forms of the signs that start a formula.
var fullWidth = map[byte]rune{'=': '＝', '+': '＋', '-': '－', '@': '＠'}

func safeRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, len(row))
		for j, v := range row {
			out[i][j] = safeCell(v)
		}
	}
	return out
}

func sortedKeys(m map[string]report.Count) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func title(r *report.Report) string {
	return fmt.Sprintf("%s %s 矛盾纠纷调解统计", r.UnitName, r.Period)
}

// CSV writes the report's tables one after another, each under its name,
// with a byte-order mark so that spreadsheet programs read the Chinese.
func CSV(w io.Writer, r *report.Report, l engine.Lists) error {
	return sectionsCSV(w, title(r), Sections(r, l))
}

// sectionsCSV writes tables under a title as CSV.
func sectionsCSV(w io.Writer, title string, sections []Section) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{safeCell(title)}); err != nil {
		return err
	}
	for _, s := range sections {
		if err := cw.Write(nil); err != nil {
			return err
		}
		rows := append([][]string{{s.Name}, s.Header}, s.Rows...)
		if err := cw.WriteAll(safeRows(rows)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// XLSX writes the report as a workbook with one sheet per table. The
// Ministry's table prints on one landscape A4 page.
func XLSX(w io.Writer, r *report.Report, l engine.Lists) error {
	return sectionsXLSX(w, title(r), Sections(r, l))
}

// sectionsXLSX writes tables under a title as a workbook, a sheet each.
func sectionsXLSX(w io.Writer, title string, sections []Section) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sections {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
		rows := append([][]string{{title}, s.Header}, s.Rows...)
		for y, row := range rows {
			for x, v := range row {
				cell, err := excelize.CoordinatesToCellName(x+1, y+1)
				if err != nil {
					return err
				}
				var val any = safeCell(v)
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
		if s.Name == MOJSheet || s.Name == MOJCommitteesSheet {
			if err := fitOnePage(f, s.Name); err != nil {
				return err
			}
		}
	}
	_, err := f.WriteTo(w)
	return err
}

// fitOnePage sets a sheet to print landscape on one A4 page.
func fitOnePage(f *excelize.File, sheet string) error {
	landscape, a4, one, fit := "landscape", 9, 1, true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4,
		FitToWidth: &one, FitToHeight: &one}); err != nil {
		return err
	}
	return f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// Text writes the report as aligned text for a terminal.
func Text(w io.Writer, r *report.Report, l engine.Lists) error {
	return sectionsText(w, title(r), Sections(r, l))
}

// sectionsText writes tables under a title as aligned text.
func sectionsText(w io.Writer, title string, sections []Section) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, title)
	for _, s := range sections {
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

// AuditCSV writes audit rows as CSV, with a byte-order mark, every cell
// safe from being run as a formula (a failed login keeps the name typed,
// whatever it is).
func AuditCSV(w io.Writer, entries []*engine.AuditEntry, loc *time.Location) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	rows := [][]string{{"时间", "人员", "操作", "案件", "详情"}}
	for _, a := range entries {
		rows = append(rows, []string{a.At.In(loc).Format("2006-01-02 15:04:05"), a.ActorName, engine.AuditLabels[a.Action],
			a.CaseNumber, a.Detail})
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(safeRows(rows)); err != nil {
		return err
	}
	return cw.Error()
}
