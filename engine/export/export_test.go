package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "update golden files")

// fixtureReport is the report of the fixture month.
func fixtureReport(t *testing.T) *engine.Report {
	t.Helper()
	ctx := context.Background()
	e := engine.New(storetest.Open(t))
	f, err := os.Open("../../testdata/import/month.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if res, err := e.Import(ctx, f, engine.ImportOptions{}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%v %v", err, res.Errors)
	}
	r, err := e.Report(ctx, engine.System, "T", "2026-10")
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
		t.Errorf("%s differs from the golden file; run go test ./engine/export -update and read the diff\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	r := fixtureReport(t)
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "2026-10.json", append(js, '\n'))
	var csv bytes.Buffer
	if err := export.CSV(&csv, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "2026-10.csv", csv.Bytes())
}

// TestXLSX reads the workbook back: the same figures as the CSV.
func TestXLSX(t *testing.T) {
	r := fixtureReport(t)
	var buf bytes.Buffer
	if err := export.XLSX(&buf, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "汇总,纠纷类型,案件来源,下级单位,调解员,矛盾排查" {
		t.Fatalf("sheets: %v", got)
	}
	rows, err := f.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	want := export.Sections(r)[0].Rows
	for i, row := range want {
		if got := rows[i+2]; got[0] != row[0] || got[1] != row[1] {
			t.Errorf("row %d: %v, want %v", i, got, row)
		}
	}
	var text bytes.Buffer
	if err := export.Text(&text, r); err != nil || !strings.Contains(text.String(), "调解成功率(%)") {
		t.Errorf("text: %v", err)
	}
}
