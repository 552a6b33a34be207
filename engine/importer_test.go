package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

func importFile(t *testing.T, e *engine.Engine, path string, dry bool) *engine.ImportResult {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := e.Import(ctx, f, engine.ImportOptions{DryRun: dry})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestImportFixture(t *testing.T) {
	en := newEnv(t)
	res := importFile(t, en.Engine, "../testdata/import/town.jsonl", false)
	if len(res.Errors) > 0 || res.Units != 6 || res.Cases != 7 || res.Events != 15 {
		t.Fatalf("got %+v", res)
	}
	cases, total, err := en.Cases(ctx, engine.System, engine.CaseFilter{Limit: 100})
	if err != nil || total != 7 {
		t.Fatalf("%d cases, %v", total, err)
	}
	byState := map[workflow.State]int{}
	for _, c := range cases {
		byState[c.State]++
		en.checkInvariants(t, c.ID)
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
	c, err := en.db.FindCaseBy(ctx, "油调〔2026〕0002号")
	if err != nil {
		t.Fatal(err)
	}
	if c.AgreedTier != workflow.LevelTown || c.AgreementAmount != 2000000 || c.State != workflow.Fulfilled {
		t.Errorf("house-plot case: %+v", c)
	}

	again := importFile(t, en.Engine, "../testdata/import/town.jsonl", false)
	if again.Cases != 0 || again.Skipped != 7 || len(again.Errors) > 0 {
		t.Errorf("second import: %+v", again)
	}
	if _, total, _ := en.Cases(ctx, engine.System, engine.CaseFilter{}); total != 7 {
		t.Errorf("second import made %d cases", total)
	}
}

func TestImportRejectsBrokenHistories(t *testing.T) {
	for _, dry := range []bool{true, false} {
		en := newEnv(t)
		res := importFile(t, en.Engine, "../testdata/import/broken.jsonl", dry)
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
