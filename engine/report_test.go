package engine_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

func f64(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

// TestReportFixture checks every figure of a month of known histories,
// including cases on both sides of the month's local-midnight boundaries
// and units where a rate has no denominator.
func TestReportFixture(t *testing.T) {
	en := newEnv(t)
	if res := importFile(t, en.Engine, "../testdata/import/month.jsonl", false); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	r, err := en.Report(ctx, engine.System, "T", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]int{
		"registered":     {r.Registered, 9},
		"accepted":       {r.Accepted, 6},
		"rejected":       {r.Rejected, 1},
		"agreed":         {r.Agreed, 3},
		"failed":         {r.Failed, 1},
		"withdrawn":      {r.Withdrawn, 1},
		"referred":       {r.Referred, 1},
		"open_at_end":    {r.OpenAtEnd, 4},
		"overdue_at_end": {r.OverdueAtEnd, 3},
		"grid":           {r.AgreedByTier.Grid, 2},
		"village":        {r.AgreedByTier.Village, 0},
		"town":           {r.AgreedByTier.Town, 1},
		"manual":         {r.Escalations.Manual, 1},
		"automatic":      {r.Escalations.Automatic, 1},
		"people":         {r.PeopleInvolved, 23},
		"c2c cases":      {r.Prevented.CivilToCriminal.Cases, 1},
		"c2c people":     {r.Prevented.CivilToCriminal.People, 3},
		"group cases":    {r.Prevented.GroupIncident.Cases, 1},
		"group people":   {r.Prevented.GroupIncident.People, 12},
		"followups":      {r.Followups, 1},
		"邻里":             {r.ByCategory["邻里"].Count, 2},
		"当事人申请":          {r.BySource["当事人申请"].Count, 3},
		"sweeps missing": {len(r.Sweeps.GridsMissing), 4},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %d, want %d", name, got[0], got[1])
		}
	}
	if !near(r.SuccessRate, 0.6) || !near(r.GrassrootsRate, 2.0/3) || !near(r.ByCategory["邻里"].Share, 2.0/6) {
		t.Errorf("rates: success %v grassroots %v", f64(r.SuccessRate), f64(r.GrassrootsRate))
	}
	if !near(r.DaysToAgreement.Mean, 7) || !near(r.DaysToAgreement.Median, 6) || r.AgreementAmount != 21500 {
		t.Errorf("days %v/%v amount %v", f64(r.DaysToAgreement.Mean), f64(r.DaysToAgreement.Median), r.AgreementAmount)
	}
	if len(r.Children) != 3 {
		t.Fatalf("%d children", len(r.Children))
	}
	vb, vc := r.Children[1], r.Children[2]
	if vb.Code != "VB" || vb.Registered != 2 || vb.Agreed != 1 || !near(vb.SuccessRate, 1) || !near(vb.GrassrootsRate, 1) {
		t.Errorf("VB: %+v", vb)
	}
	if vc.Code != "VC" || vc.Registered != 0 || vc.SuccessRate != nil || vc.GrassrootsRate != nil || vc.DaysToAgreement.Mean != nil {
		t.Errorf("VC, with no cases, must have null rates: %+v", vc)
	}
	p := r.PreviousMonth
	if p.Registered != 1 || p.Accepted != 1 || p.Agreed != 0 || p.SuccessRate != nil || p.OpenAtEnd != 1 || p.OverdueAtEnd != 1 {
		t.Errorf("previous month: %+v", p)
	}
	y := r.SameMonthLastYear
	if y.Registered != 1 || y.Agreed != 1 || !near(y.SuccessRate, 1) || y.OpenAtEnd != 0 {
		t.Errorf("same month last year: %+v", y)
	}
	// November counts the agreement made half an hour after October ended.
	nov, err := en.Report(ctx, engine.System, "T", "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if nov.Agreed != 1 || nov.Registered != 1 {
		t.Errorf("November: agreed %d registered %d", nov.Agreed, nov.Registered)
	}
	for figure, want := range map[string]int{"overdue_at_end": 3, "agreed": 3, "agreed_town": 1, "category:邻里": 2,
		"source:门前调": 1, "prevented_group_incident": 1, "registered": 9} {
		cases, err := en.FigureCases(ctx, engine.System, "T", "2026-10", figure)
		if err != nil || len(cases) != want {
			t.Errorf("cases behind %s: %d, want %d (%v)", figure, len(cases), want, err)
		}
	}
	if _, err := en.FigureCases(ctx, engine.System, "T", "2026-10", "happiness"); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("an unknown figure: %v", err)
	}
	logged, err := en.ReportFromLog(ctx, engine.System, "T", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if !sameReport(r, logged) {
		t.Errorf("the report from the event log differs:\n%s\n%s", js(r), js(logged))
	}
	if _, err := en.Report(ctx, en.actors["intake@T2"], "T", "2026-10"); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("another town's report: %v", err)
	}
	if _, err := en.Report(ctx, engine.System, "T", "2026-13"); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a bad month: %v", err)
	}
}

func js(v any) string { b, _ := json.MarshalIndent(v, "", " "); return string(b) }

func sameReport(a, b *engine.Report) bool { return js(a) == js(b) }

// TestReportMatchesEventLog builds random histories through the engine,
// with real actors and the scheduler, and checks that the report from the
// case columns equals the report replayed from the raw event log, month by
// month.
func TestReportMatchesEventLog(t *testing.T) {
	en := newEnv(t)
	rng := rand.New(rand.NewPCG(3, 5))
	start := time.Date(2026, 1, 3, 1, 0, 0, 0, time.UTC)
	en.clock.now = start
	var cases []*engine.Case
	steps := 1500
	if testing.Short() {
		steps = 300
	}
	for i := range steps {
		en.clock.Advance(time.Duration(rng.IntN(20)) * time.Hour)
		if len(cases) < 10 || rng.IntN(6) == 0 {
			cases = append(cases, en.newCase(t))
			continue
		}
		if i%50 == 0 {
			if _, err := en.RunDeadlines(ctx, en.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		k := rng.IntN(len(cases))
		c, _ := en.db.FindCase(ctx, cases[k].ID)
		rows := workflow.From(c.State)
		if len(rows) == 0 {
			continue
		}
		tr := rows[rng.IntN(len(rows))]
		if _, err := en.Fire(ctx, en.actorFor(t, tr.Grants, c), c.ID, tr.Event, en.validInput(tr, c)); err != nil && engine.ErrorCode(err) != engine.ECONFLICT {
			t.Fatalf("%s: %v", tr.Event, err)
		}
	}
	months, mediatorRows := 0, 0
	for m := start; m.Before(en.clock.Now()); m = m.AddDate(0, 1, 0) {
		month := m.In(en.Location).Format("2006-01")
		for _, unit := range []string{"T1", "V1", "V2"} {
			a, err := en.Report(ctx, engine.System, unit, month)
			if err != nil {
				t.Fatal(err)
			}
			b, err := en.ReportFromLog(ctx, engine.System, unit, month)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(js(a), js(b)) {
				t.Fatalf("%s %s: columns and event log differ:\n%s\n%s", unit, month, js(a), js(b))
			}
			if unit == "T1" && a.Agreed+a.Accepted > 0 {
				months++
			}
			for _, m := range a.Mediators {
				if m.Workload > 0 {
					mediatorRows++
				}
			}
		}
	}
	if months < 3 || mediatorRows == 0 {
		t.Errorf("only %d months had any activity, %d mediator rows", months, mediatorRows)
	}
}
