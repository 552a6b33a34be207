package importer_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/importer"
	"github.com/grassroots/mediation/workflow"
)

var ctx = context.Background()

func TestImportFixture(t *testing.T) {
	en := enginetest.New(t)
	res := en.ImportFile(t, "../../testdata/import/town.jsonl", false)
	// The six units of the file, and the town's 派出所, which the history's
	// referral names by a word.
	if len(res.Errors) > 0 || res.Units != 7 || res.Cases != 7 || res.Events != 15 {
		t.Fatalf("got %+v", res)
	}
	tree, err := en.Tree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pcs := tree.ByCode("YCG-PCS")
	if pcs == nil || pcs.Name != "油车港镇派出所" || pcs.Kind != "派出所" || pcs.Level != workflow.LevelPartner || tree.Unit(pcs.ParentID).Code != "YCG" {
		t.Fatalf("the referral's partner: %+v", pcs)
	}
	referred, _, err := en.Cases(ctx, engine.System, engine.CaseFilter{States: []workflow.State{workflow.PartnerClosed}})
	if err != nil || len(referred) != 1 {
		t.Fatalf("%d referred cases, %v", len(referred), err)
	}
	refs, err := en.DB.Referrals(ctx, referred[0].ID)
	if err != nil || len(refs) != 1 || refs[0].PartnerUnitID != pcs.ID || refs[0].Partner != "油车港镇派出所" {
		t.Fatalf("referrals %+v, %v", refs, err)
	}
	cases, total, err := en.Cases(ctx, engine.System, engine.CaseFilter{Limit: 100})
	if err != nil || total != 7 {
		t.Fatalf("%d cases, %v", total, err)
	}
	byState := map[workflow.State]int{}
	for _, c := range cases {
		byState[c.State]++
		en.CheckInvariants(t, c.ID)
		if !strings.HasPrefix(c.Number, "油调〔2026〕") {
			t.Errorf("number %s", c.Number)
		}
	}
	want := map[workflow.State]int{workflow.Agreed: 1, workflow.Fulfilled: 1, workflow.PartnerClosed: 1,
		workflow.Failed: 1, workflow.Rejected: 1, workflow.Withdrawn: 1, workflow.Town: 1}
	for s, n := range want {
		if byState[s] != n {
			t.Errorf("%s: %d cases, want %d", s, byState[s], n)
		}
	}
	// The house-plot case was agreed at the town after two escalations.
	c, err := en.DB.FindCaseBy(ctx, "油调〔2026〕0002号")
	if err != nil {
		t.Fatal(err)
	}
	if c.AgreedTier != workflow.LevelTown || c.AgreementAmount != 2000000 || c.State != workflow.Fulfilled {
		t.Errorf("house-plot case: %+v", c)
	}

	again := en.ImportFile(t, "../../testdata/import/town.jsonl", false)
	if again.Cases != 0 || again.Skipped != 7 || len(again.Errors) > 0 {
		t.Errorf("second import: %+v", again)
	}
	if _, total, _ := en.Cases(ctx, engine.System, engine.CaseFilter{}); total != 7 {
		t.Errorf("second import made %d cases", total)
	}
}

func TestImportRejectsBrokenHistories(t *testing.T) {
	for _, dry := range []bool{true, false} {
		en := enginetest.New(t)
		res := en.ImportFile(t, "../../testdata/import/broken.jsonl", dry)
		if res.Cases != 2 || len(res.Errors) != 2 {
			t.Fatalf("dry=%v: %+v", dry, res)
		}
		for i, want := range []struct {
			line int
			text string
		}{{5, "不能执行“达成协议”"}, {6, "原因须为以下之一"}} {
			le := res.Errors[i]
			if le.Line != want.line || !strings.Contains(le.Error(), want.text) {
				t.Errorf("dry=%v: error %d is %q, want line %d with %q", dry, i, le.Error(), want.line, want.text)
			}
		}
		_, total, _ := en.Cases(ctx, engine.System, engine.CaseFilter{})
		if wantTotal := map[bool]int{true: 0, false: 2}[dry]; total != wantTotal {
			t.Errorf("dry=%v: %d cases stored, want %d", dry, total, wantTotal)
		}
	}
}

// reserialise writes every line of an import file again as another program
// would: its fields in another order, with spaces, and its times in UTC.
func reserialise(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatal(err)
		}
		if at, ok := v["opened_at"].(string); ok {
			tm, _ := time.Parse(time.RFC3339, at)
			v["opened_at"] = tm.UTC().Format(time.RFC3339Nano)
		}
		pretty, _ := json.MarshalIndent(v, "", " ")
		out.WriteString(strings.ReplaceAll(string(pretty), "\n", " ") + "\n")
	}
	return out.String()
}

// TestImportIsSafeToRepeat imports the fixture, then the same cases written
// out by another program with a byte-order mark: nothing is added. A case
// with an external id is known by it. A line of 17 MB is reported with its
// number and skipped, and the lines around it load.
func TestImportIsSafeToRepeat(t *testing.T) {
	en := enginetest.New(t)
	en.ImportFile(t, "../../testdata/import/town.jsonl", false)
	again := "\ufeff" + reserialise(t, "../../testdata/import/town.jsonl")
	if strings.Contains(again, `{"type":"case","source"`) {
		t.Fatal("the file was not written out differently")
	}
	res, err := en.Imports.Import(ctx, strings.NewReader(again), importer.ImportOptions{})
	if err != nil || len(res.Errors) > 0 || res.Cases != 0 || res.Skipped != 7 || res.Units != 6 {
		t.Fatalf("the same cases again: %+v %v", res, err)
	}

	lines := strings.Split(strings.TrimSpace(reserialise(t, "../../testdata/import/town.jsonl")), "\n")
	withID := func(line, id, summary string) string {
		var v map[string]any
		json.Unmarshal([]byte(line), &v)
		v["external_id"], v["summary"] = id, summary
		b, _ := json.Marshal(v)
		return string(b)
	}
	first := lines[6]
	file := strings.Join([]string{
		withID(first, "HX-2026-001", "第一次导入时的案情摘要，写得比较简短。"),
		`{"type":"case","summary":"` + strings.Repeat("长", 6<<20) + `"}`,
		withID(first, "HX-2026-001", "同一件案件，后来的系统把摘要改写了。"),
		withID(first, "HX-2026-002", "另一件案件，只是内容相同。"),
	}, "\n")
	res, err = en.Imports.Import(ctx, strings.NewReader(file), importer.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 4 || res.Cases != 2 || res.Skipped != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 2 ||
		!strings.Contains(res.Errors[0].Error(), "超过 16 MB") {
		t.Fatalf("ids and a long line: %+v", res)
	}
}

// TestImportKeyOfEarlierVersions: a case is known by the key of its content
// that earlier versions stored, so that the same case written out again
// with other spacing is skipped after an upgrade too. The key is the one
// the version before partner bodies computed for this line.
func TestImportKeyOfEarlierVersions(t *testing.T) {
	en := enginetest.New(t)
	line := `{ "type": "case", "source": "当事人申请", "category": "邻里", "location": "G11", "opened_at": "2026-10-05T10:00:00+08:00",
		"people": 2, "risk": "green", "summary": "两户因排水沟堵塞发生争执。", "parties": [{"side": "applicant", "name": "张三"}],
		"events": [{"event": "accept_grid", "at": "2026-10-05T11:00:00+08:00"}] }`
	res, err := en.Imports.Import(ctx, strings.NewReader(strings.ReplaceAll(line, "\n", " ")), importer.ImportOptions{})
	if err != nil || res.Cases != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	if seen, err := en.DB.ImportedCase(ctx, "c:6a44908491e9553bde0367ee71e1354d"); !seen || err != nil {
		t.Errorf("the case is not known by its earlier key: %v", err)
	}
}

// FuzzImportLine checks an import of any text, dry: it never fails as a
// whole, counts every line once, and every error names a line that exists
// and says in words what is wrong.
func FuzzImportLine(f *testing.F) {
	enginetest.Seeds(f, "import.jsonl")
	en := enginetest.New(f)
	en.ImportFile(f, "../../testdata/import/town.jsonl", false)
	f.Fuzz(func(t *testing.T, text string) {
		res, err := en.Imports.Import(ctx, strings.NewReader(text), importer.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatalf("the import failed whole: %v", err)
		}
		if want := strings.Count(strings.TrimSuffix(text, "\n"), "\n") + 1; text != "" && res.Lines != want {
			t.Fatalf("%d lines counted, want %d", res.Lines, want)
		}
		if res.Units+res.Cases+res.Skipped+len(res.Errors) > res.Lines {
			t.Fatalf("more outcomes than lines: %+v", res)
		}
		for _, le := range res.Errors {
			if le.Line < 1 || le.Line > res.Lines || engine.ErrorMessage(le.Err) == "" {
				t.Fatalf("an error without its line or message: %+v", le)
			}
		}
	})
}

// TestImportConfirmationAndArchive: a history with judicial confirmation
// after its agreement, sessions and the notice, archived at its end,
// imports whole, each record read back where it belongs.
func TestImportConfirmationAndArchive(t *testing.T) {
	en := enginetest.New(t)
	line := `{"type":"case","source":"当事人申请","category":"邻里","location":"G11","opened_at":"2026-10-05T10:00:00+08:00",` +
		`"people":2,"risk":"green","parties":[{"side":"applicant","name":"张三","phone":"13800000001"},{"side":"respondent","name":"李四"}],"summary":"排水沟堵塞。","events":[` +
		`{"event":"accept_grid","at":"2026-10-05T11:00:00+08:00","unit":"G11"},` +
		`{"event":"rights_notice","at":"2026-10-05T12:00:00+08:00","notice":{"to":"张三、李四"}},` +
		`{"event":"session","at":"2026-10-06T10:00:00+08:00","session":{"record":"双方陈述事实。"}},` +
		`{"event":"agree","at":"2026-10-06T11:00:00+08:00","agreement":{"kind":"written","terms":"李四疏通水沟。","performance":"当面"}},` +
		`{"event":"confirm","at":"2026-10-09T10:00:00+08:00","confirmation":{"kind":"applied","court":"秀洲区人民法院"}},` +
		`{"event":"confirm","at":"2026-10-20T10:00:00+08:00","confirmation":{"kind":"confirmed","number":"（2026）浙0411民特9号"}},` +
		`{"event":"fulfil","at":"2026-10-25T10:00:00+08:00","visit":{"visited":"张三","findings":"已疏通。"}},` +
		`{"event":"archive","at":"2026-10-30T10:00:00+08:00"}]}`
	res, err := en.Imports.Import(ctx, strings.NewReader(line+"\n"), importer.ImportOptions{})
	if err != nil || len(res.Errors) > 0 || res.Cases != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	cases, _, err := en.Cases(ctx, engine.System, engine.CaseFilter{Limit: 10})
	if err != nil || len(cases) != 1 {
		t.Fatalf("%d cases, %v", len(cases), err)
	}
	c := cases[0]
	ags, _ := en.DB.Agreements(ctx, c.ID)
	xs, _ := en.DB.Confirmations(ctx, c.ID)
	if len(ags) != 1 || len(xs) != 2 || xs[0].AgreementID != ags[0].ID || xs[1].AgreementID != ags[0].ID ||
		xs[1].Court != "秀洲区人民法院" || xs[1].Number != "（2026）浙0411民特9号" {
		t.Errorf("agreements %+v, confirmations %+v", ags, xs)
	}
	if c.State != workflow.Fulfilled || c.ArchiveNo != "（2026）油麟人调字第1号" {
		t.Errorf("the case: %s, file %q", c.State, c.ArchiveNo)
	}
	en.CheckInvariants(t, c.ID)
}
