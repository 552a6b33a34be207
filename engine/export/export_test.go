package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/engine/importer"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "update golden files")

// fixtureReport is the report of the fixture month.
func fixtureReport(t *testing.T) *report.Report { return fixture(t, "T", "2026-10") }

// fixture is the fixture's report of a unit and a period.
func fixture(t *testing.T, unit, period string) *report.Report {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	e := engine.New(db)
	f, err := os.Open("../../testdata/import/month.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if res, err := importer.New(e, db).Import(ctx, f, importer.ImportOptions{}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%v %v", err, res.Errors)
	}
	r, err := report.New(e, db).Report(ctx, engine.System, unit, period)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "report", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -tags sqlite_fts5 ./engine/export -update and read the diff\n%s", name, got)
	}
}

// TestGolden compares the JSON and CSV of the fixture's month, quarter and
// year of its town, and the month of its county, with testdata/report.
func TestGolden(t *testing.T) {
	for _, tc := range []struct{ unit, period, name string }{
		{"T", "2026-10", "2026-10"}, {"T", "2026Q4", "2026Q4"}, {"T", "2026", "2026"}, {"C", "2026-10", "county-2026-10"},
	} {
		r := fixture(t, tc.unit, tc.period)
		js, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name+".json", append(js, '\n'))
		var csv bytes.Buffer
		if err := export.CSV(&csv, r, engine.DefaultLists); err != nil {
			t.Fatal(err)
		}
		golden(t, tc.name+".csv", csv.Bytes())
	}
}

// TestMOJTable checks the Ministry's table cell by cell: its header and
// the total row of the fixture's month.
func TestMOJTable(t *testing.T) {
	tab := export.MOJ(fixtureReport(t))
	header := []string{"单位", "调解纠纷数", "调解成功数", "调解成功率(%)", "预防纠纷数", "协议涉及金额(元)", "主动调解", "依申请调解", "委托移送调解",
		"婚姻家庭", "邻里", "房屋宅基地", "合同", "生产经营", "损害赔偿", "山林土地", "征地拆迁", "环境污染", "劳动争议", "消费", "医疗",
		"道路交通事故", "物业", "其他", "防止民转刑(件)", "防止民转刑(人)", "防止群体性上访(件)", "防止群体性上访(人)",
		"防止群体性械斗(件)", "防止群体性械斗(人)", "防止自杀(件)", "防止自杀(人)", "排查次数", "排查发现纠纷数"}
	// 调解纠纷数: the five cases whose mediation ended in October (three
	// agreed, one failed, one withdrawn); 预防纠纷数: the one the sweep
	// found (网格排查) and agreed.
	total := []string{"合计", "5", "3", "60.0", "1", "21500", "2", "3", "1",
		"1", "2", "1", "1", "0", "0", "0", "0", "0", "1", "0", "0", "0", "0", "0",
		"1", "3", "1", "12", "0", "0", "0", "0", "0", "0"}
	if strings.Join(tab.Header, "|") != strings.Join(header, "|") {
		t.Errorf("header\n got %v\nwant %v", tab.Header, header)
	}
	if len(tab.Rows) != 4 {
		t.Fatalf("%d rows, want a row per village and the total", len(tab.Rows))
	}
	got := tab.Rows[3]
	for i := range header {
		if got[i] != total[i] {
			t.Errorf("total, %s: %q, want %q", header[i], got[i], total[i])
		}
	}
	var csv bytes.Buffer
	if err := export.MOJCSV(&csv, fixtureReport(t)); err != nil || !strings.Contains(csv.String(), strings.Join(total, ",")) {
		t.Errorf("the Ministry's CSV: %v\n%s", err, csv.String())
	}
}

// TestMOJByCommittee checks the Ministry's rows by committee and kind, and
// the organisations, of the fixture's month. Its five mediations ended in
// October: at 甲村's grids an oral agreement of 1000 yuan (Sept. 25), a
// failure and a withdrawal; at 乙社区 an oral agreement of 500 yuan on a
// group petition of 12; and the case 甲村 took and escalated, agreed for
// 20000 yuan in writing by the town's trade committee the history names,
// found by a sweep and with a 民转刑 risk of 3 people. The town's own
// committee ended none; 丙村 none.
func TestMOJByCommittee(t *testing.T) {
	r := fixtureReport(t)
	want := [][]string{
		{"测试镇不动产纠纷人民调解委员会", "行业性专业性", "1", "1", "0", "0", "100.0", "1", "20000", "1", "0", "1", "3", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"测试镇人民调解委员会", "乡镇(街道)", "0", "0", "0", "0", "—", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"甲村人民调解委员会", "村(居)", "3", "1", "1", "1", "33.3", "0", "1000", "0", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"乙社区人民调解委员会", "村(居)", "1", "1", "0", "0", "100.0", "0", "500", "0", "1", "0", "0", "1", "12", "0", "0", "0", "0", "0", "—"},
		{"丙村人民调解委员会", "村(居)", "0", "0", "0", "0", "—", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"村(居)调解委员会合计", "村(居)", "4", "2", "1", "1", "50.0", "0", "1500", "0", "2", "0", "0", "1", "12", "0", "0", "0", "0", "0", "—"},
		{"乡镇(街道)调解委员会合计", "乡镇(街道)", "0", "0", "0", "0", "—", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"企事业单位调解委员会合计", "企事业单位", "0", "0", "0", "0", "—", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"行业性专业性调解委员会合计", "行业性专业性", "1", "1", "0", "0", "100.0", "1", "20000", "1", "0", "1", "3", "0", "0", "0", "0", "0", "0", "0", "—"},
		{"其他调解委员会合计", "其他", "0", "0", "0", "0", "—", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "—"},
	}
	if got := export.MOJCommittees(r).Rows; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("rows by committee\n got %q\nwant %q", got, want)
	}
	// Three villages, the town, its trade committee; 甲村's studio; 赵一
	// 专职, 钱二 兼职 (the fixture has no accounts).
	org := [][]string{{"村(居)人民调解委员会", "3"}, {"乡镇(街道)人民调解委员会", "1"}, {"企事业单位人民调解委员会", "0"},
		{"行业性专业性人民调解委员会", "1"}, {"其他人民调解委员会", "0"}, {"人民调解委员会合计", "5"}, {"个人调解工作室", "1"},
		{"专职人民调解员", "1"}, {"兼职人民调解员", "1"}, {"人民调解员合计", "2"}}
	if got := export.MOJOrganisation(r).Rows; !slices.EqualFunc(got, org, slices.Equal) {
		t.Errorf("organisations\n got %q\nwant %q", got, org)
	}
}

// TestXLSX reads the workbook back: the same figures as the CSV.
func TestXLSX(t *testing.T) {
	r := fixtureReport(t)
	var buf bytes.Buffer
	if err := export.XLSX(&buf, r, engine.DefaultLists); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "汇总,纠纷类型,案件来源,下级单位,调解员,网上申请和服务评价,联动单位,矛盾排查,重点人员台账,人民调解工作统计表,"+
		"人民调解工作统计表（按调解委员会）,人民调解组织情况表" {
		t.Fatalf("sheets: %v", got)
	}
	rows, err := f.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	want := export.Sections(r, engine.DefaultLists)[0].Rows
	for i, row := range want {
		if got := rows[i+2]; got[0] != row[0] || got[1] != row[1] {
			t.Errorf("row %d: %v, want %v", i, got, row)
		}
	}
	for _, sheet := range []string{export.MOJSheet, export.MOJCommitteesSheet} {
		layout, err := f.GetPageLayout(sheet)
		if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.Size == nil || *layout.Size != 9 ||
			layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 1 {
			t.Errorf("%s does not print on one landscape A4 page: %+v, %v", sheet, layout, err)
		}
	}
	byCommittee, err := f.GetRows(export.MOJCommitteesSheet)
	if err != nil || len(byCommittee) < 3 || strings.Join(byCommittee[2][:4], ",") != "测试镇不动产纠纷人民调解委员会,行业性专业性,1,1" {
		t.Errorf("the sheet by committee: %v %v", byCommittee, err)
	}
	var text bytes.Buffer
	if err := export.Text(&text, r, engine.DefaultLists); err != nil || !strings.Contains(text.String(), "调解成功率(%)") {
		t.Errorf("text: %v", err)
	}
}

// TestFormulaNeutralised checks that text a spreadsheet would run as a
// formula, here a unit's name, starts with the full-width sign in the CSV
// exports and the workbook, with no apostrophe anywhere; that every cell
// that starts like a formula is a number; and that the workbook types the
// figures, the changes among them, as numbers.
func TestFormulaNeutralised(t *testing.T) {
	r := fixtureReport(t)
	const name = `=HYPERLINK("http://example.com","点我")`
	const shown = `＝HYPERLINK("http://example.com","点我")`
	r.Children[0].Name = name
	var csvOut, moj, book bytes.Buffer
	if err := export.CSV(&csvOut, r, engine.DefaultLists); err != nil {
		t.Fatal(err)
	}
	if err := export.MOJCSV(&moj, r); err != nil {
		t.Fatal(err)
	}
	for what, b := range map[string][]byte{"CSV": csvOut.Bytes(), "MOJ CSV": moj.Bytes()} {
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, row := range rows {
			for _, v := range row {
				found = found || v == shown
				checkCell(t, what, v)
			}
		}
		if !found {
			t.Errorf("%s lacks the unit as %s", what, shown)
		}
	}
	if !strings.Contains(csvOut.String(), "调解成功率(%),60,—,—,—,100,-40,—\n") {
		t.Error("CSV: a negative number lost its sign")
	}
	if err := export.XLSX(&book, r, engine.DefaultLists); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := false
	for _, sheet := range f.GetSheetList() {
		rows, _ := f.GetRows(sheet)
		for _, row := range rows {
			for _, v := range row {
				found = found || v == shown
				checkCell(t, sheet, v)
			}
		}
	}
	if !found {
		t.Error("the workbook lacks the unit")
	}
	// 受理件数 of the fixture's month against its month before and its
	// year before: each figure and change in a cell of its own, a number.
	rows, _ := f.GetRows("汇总")
	if got := strings.Join(rows[1], ","); got != "指标,本期,上期,环比增减,环比增减(%),去年同期,同比增减,同比增减(%)" {
		t.Errorf("the summary's columns: %s", got)
	}
	for col := 'B'; col <= 'H'; col++ {
		cell := fmt.Sprintf("%c4", col)
		v, _ := f.GetCellValue("汇总", cell)
		typ, _ := f.GetCellType("汇总", cell)
		if _, err := strconv.ParseFloat(v, 64); err == nil && (typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString) {
			t.Errorf("汇总!%s holds the number %s as text", cell, v)
		}
	}
}

// checkCell fails for a cell a spreadsheet would show with a stray
// apostrophe or run as a formula.
func checkCell(t *testing.T, where, v string) {
	t.Helper()
	if strings.HasPrefix(v, "'") {
		t.Errorf("%s: a cell starts with an apostrophe: %q", where, v)
	}
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Errorf("%s: a cell a spreadsheet would run as a formula: %q", where, v)
		}
	}
}
