package report_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
	"github.com/grassroots/mediation/engine/report"
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
	if res := en.ImportFile(t, "../../testdata/import/month.jsonl", false); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	r, err := en.Reports.Report(ctx, engine.System, "T", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]int{
		"registered":     {r.Registered, 9},
		"accepted":       {r.Accepted, 6},
		"rejected":       {r.Rejected, 1},
		"agreed":         {r.Agreed, 3},
		"mediated":       {r.Mediated, 5},
		"preventive":     {r.Preventive, 1},
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
		"group cases":    {r.Prevented.GroupPetition.Cases, 1},
		"group people":   {r.Prevented.GroupPetition.People, 12},
		"followups":      {r.Followups, 1},
		"邻里":             {r.ByCategory["邻里"].Count, 2},
		"当事人申请":          {r.BySource["当事人申请"].Count, 3},
		"sweeps missing": {len(r.Sweeps.GridsMissing), 4},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %d, want %d", name, got[0], got[1])
		}
	}
	// The trend's month is the report's, by the cases of the month alone.
	trend, err := en.Reports.Trend(ctx, engine.System, "T", "2026-10", 3)
	if err != nil || len(trend) != 3 || trend[0].Month != "2026-08" || trend[1].Month != "2026-09" ||
		trend[2] != (report.TrendPoint{Month: "2026-10", Registered: 9, Accepted: 6, Agreed: 3}) {
		t.Errorf("trend %+v, %v", trend, err)
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
	p := r.PreviousPeriod
	if p.Registered != 1 || p.Accepted != 1 || p.Agreed != 0 || p.Mediated != 0 || p.SuccessRate != nil || p.OpenAtEnd != 1 || p.OverdueAtEnd != 1 {
		t.Errorf("previous month: %+v", p)
	}
	y := r.SamePeriodLastYear
	if y.Registered != 1 || y.Agreed != 1 || !near(y.SuccessRate, 1) || y.OpenAtEnd != 0 {
		t.Errorf("same month last year: %+v", y)
	}
	// November counts the agreement made half an hour after October ended.
	nov, err := en.Reports.Report(ctx, engine.System, "T", "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if nov.Agreed != 1 || nov.Registered != 1 {
		t.Errorf("November: agreed %d registered %d", nov.Agreed, nov.Registered)
	}
	for figure, want := range map[string]int{"overdue_at_end": 3, "agreed": 3, "agreed_town": 1, "category:邻里": 2,
		"source:门前调": 1, "prevented_group_petition": 1, "registered": 9} {
		cases, err := en.Reports.FigureCases(ctx, engine.System, "T", "2026-10", figure)
		if err != nil || len(cases) != want {
			t.Errorf("cases behind %s: %d, want %d (%v)", figure, len(cases), want, err)
		}
	}
	if _, err := en.Reports.FigureCases(ctx, engine.System, "T", "2026-10", "happiness"); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("an unknown figure: %v", err)
	}
	logged, err := en.Reports.ReportFromLog(ctx, engine.System, "T", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if !sameReport(r, logged) {
		t.Errorf("the report from the event log differs:\n%s\n%s", js(r), js(logged))
	}
	if _, err := en.Reports.Report(ctx, en.Actors["intake@T2"], "T", "2026-10"); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("another town's report: %v", err)
	}
	if _, err := en.Reports.Report(ctx, engine.System, "T", "2026-13"); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a bad month: %v", err)
	}
}

func js(v any) string { b, _ := json.MarshalIndent(v, "", " "); return string(b) }

func sameReport(a, b *report.Report) bool { return js(a) == js(b) }

// TestReportMatchesEventLog builds random histories through the engine,
// with real actors and the scheduler, and checks that the report from the
// case columns equals the report replayed from the raw event log, month by
// month.
func TestReportMatchesEventLog(t *testing.T) {
	en := newEnv(t)
	// The towns under a county: its report is read from the towns' counts
	// of their months, kept with each write.
	underCounty(t, en)
	rng := rand.New(rand.NewPCG(3, 5))
	start := time.Date(2026, 1, 3, 1, 0, 0, 0, time.UTC)
	en.Clock.Set(start)
	var cases []*engine.Case
	steps := 1500
	if testing.Short() {
		steps = 300
	}
	for i := range steps {
		en.Clock.Advance(time.Duration(rng.IntN(20)) * time.Hour)
		if len(cases) < 10 || rng.IntN(6) == 0 {
			cases = append(cases, en.NewCase(t))
			continue
		}
		if i%50 == 0 {
			if _, err := en.Scheduler.RunDeadlines(ctx, en.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		k := rng.IntN(len(cases))
		c, _ := en.DB.FindCase(ctx, cases[k].ID)
		rows := workflow.From(c.State)
		if rng.IntN(3) == 0 {
			// A record of the case file: the notice of rights, a session,
			// judicial confirmation or archiving, where they apply.
			r := fileRecords[rng.IntN(len(fileRecords))]
			if c.State == workflow.Agreed {
				r = fileRecords[2]
			}
			rule, _ := r.activity.Rule()
			if _, _, ok := workflow.LookupActivity(c.State, r.activity); ok && engine.OfferActivity(c, r.activity) {
				_, err := en.Record(ctx, en.ActorFor(t, rule.Grants, c), c.ID, r.activity, r.input)
				if code := engine.ErrorCode(err); code != "" && code != engine.ECONFLICT && code != engine.EINVALID {
					t.Fatalf("%s: %v", r.activity, err)
				}
			}
			continue
		}
		if len(rows) == 0 {
			continue
		}
		tr := rows[rng.IntN(len(rows))]
		in := en.ValidInput(tr, c)
		if tr.Event == workflow.Agree && rng.IntN(2) == 0 {
			in.Agreement = &engine.Agreement{Kind: engine.AgreementWritten, Terms: "李四疏通水沟。", Performance: "当面", Amount: 30000}
		}
		if _, err := en.Fire(ctx, en.ActorFor(t, tr.Grants, c), c.ID, tr.Event, in); err != nil && engine.ErrorCode(err) != engine.ECONFLICT {
			t.Fatalf("%s: %v", tr.Event, err)
		}
	}
	var periods []string
	for m := start; m.Before(en.Clock.Now()); m = m.AddDate(0, 1, 0) {
		periods = append(periods, m.In(en.Location).Format("2006-01"))
	}
	periods = append(periods, "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026")
	months, mediatorRows, confirmed, archived := 0, 0, 0, 0
	for _, month := range periods {
		for _, unit := range []string{"C", "T1", "V1", "V2"} {
			a, err := en.Reports.Report(ctx, engine.System, unit, month)
			if err != nil {
				t.Fatal(err)
			}
			b, err := en.Reports.ReportFromLog(ctx, engine.System, unit, month)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(js(a), js(b)) {
				t.Fatalf("%s %s: columns and event log differ:\n%s\n%s", unit, month, js(a), js(b))
			}
			if unit == "T1" && a.Agreed+a.Accepted > 0 {
				months++
			}
			if unit == "T1" {
				confirmed += a.Confirmations.Applied
				archived += a.Archived
			}
			for _, m := range a.Mediators {
				if m.Workload > 0 {
					mediatorRows++
				}
			}
		}
	}
	if months < 3 || mediatorRows == 0 || confirmed == 0 || archived == 0 {
		t.Errorf("only %d periods had any activity, %d mediator rows, %d confirmations, %d archived", months, mediatorRows, confirmed, archived)
	}
	// The months' counts kept with each write are those made again from
	// the cases and their events, month by month.
	towns := []int64{en.Units["T1"].ID, en.Units["T2"].ID}
	monthly := func() map[string][]report.TownCounts {
		out := map[string][]report.TownCounts{}
		for m := time.Date(2026, 1, 1, 0, 0, 0, 0, en.Location); m.Before(en.Clock.Now()); m = m.AddDate(0, 1, 0) {
			counts, ok, err := en.DB.TownCounts(ctx, towns, m, m.AddDate(0, 1, 0))
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", m, ok, err)
			}
			out[m.Format("2006-01")] = counts
			ends, ok, err := en.DB.EndCounts(ctx, towns, m.AddDate(0, 1, 0))
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", m, ok, err)
			}
			out[m.Format("2006-01")+" end"] = ends
		}
		return out
	}
	kept := monthly()
	if err := en.DB.RebuildCounts(ctx); err != nil {
		t.Fatal(err)
	}
	if made := monthly(); !reflect.DeepEqual(kept, made) || len(kept["2026-02"]) == 0 || len(kept["2026-02 end"]) == 0 {
		t.Errorf("the months' counts kept differ from those made again:\n%v\n%v", kept, made)
	}
}

// fileRecords are the records of the case file the random histories add.
var fileRecords = []struct {
	activity workflow.Activity
	input    engine.Input
}{
	{workflow.RightsNotice, engine.Input{Notice: &engine.Notice{To: "张三、李四"}}},
	{workflow.LogSession, engine.Input{Session: &engine.Session{Record: "双方陈述，调解员释法。"}}},
	{workflow.Confirm, engine.Input{Confirmation: &engine.Confirmation{Kind: engine.ConfirmApplied, Court: "秀洲区人民法院"}}},
	{workflow.Archive, engine.Input{}},
}

// underCounty puts both towns of the environment under a new county, C.
func underCounty(t *testing.T, en *enginetest.Env) *engine.Unit {
	t.Helper()
	county := &engine.Unit{Code: "C", Name: "秀洲区", Level: workflow.LevelCounty}
	if err := en.SaveUnit(ctx, county, ""); err != nil {
		t.Fatal(err)
	}
	for _, town := range []*engine.Unit{en.Units["T1"], en.Units["T2"]} {
		moved := *town
		if err := en.SaveUnit(ctx, &moved, "C"); err != nil {
			t.Fatal(err)
		}
	}
	return county
}

// TestCountyReport puts both towns under a county: its report has a row
// per town with each town's own figures, and its totals from the columns
// equal those from the log.
func TestCountyReport(t *testing.T) {
	en := newEnv(t)
	county := underCounty(t, en)
	for range 3 {
		en.CaseIn(t, workflow.Agreed)
	}
	other, err := en.OpenCase(ctx, en.Actors["intake@T2"], &engine.NewCase{Source: "网格排查", Category: "邻里", LocationID: en.Units["G31"].ID,
		People: 4, Risk: engine.RiskGreen, Summary: "邻里纠纷测试。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}}},
		engine.Step{Event: workflow.AcceptGrid, Input: engine.Input{Reason: "就近"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(other.Number, "新调〔2026〕") {
		t.Errorf("a case of the second town is numbered %s", other.Number)
	}
	sup := engine.Actor{Name: "区司法局", Role: workflow.RoleSupervisor, UnitID: county.ID}
	if _, err := en.FindCase(ctx, sup, other.ID); err != nil {
		t.Errorf("the county's supervisor cannot see a town's case: %v", err)
	}
	r, err := en.Reports.Report(ctx, sup, "C", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Children) != 2 || r.Children[0].Code != "T1" || r.Children[1].Code != "T2" ||
		r.Children[0].Accepted != 3 || r.Children[0].Agreed != 3 || r.Children[1].Accepted != 1 || r.Accepted != 4 ||
		r.BySourceMOJ["主动调解"].Count != 1 || r.BySourceMOJ["依申请调解"].Count != 3 || r.Mediated != 3 || !near(r.SuccessRate, 1) {
		t.Errorf("county report: %s", js(r))
	}
	logged, err := en.Reports.ReportFromLog(ctx, sup, "C", "2026")
	if err != nil {
		t.Fatal(err)
	}
	if yearly, _ := en.Reports.Report(ctx, sup, "C", "2026"); !sameReport(yearly, logged) {
		t.Errorf("the county's year from the columns and the log differ\n%s\n%s", js(yearly), js(logged))
	}
	if _, err := en.Reports.Report(ctx, en.Actors["supervisor@T1"], "C", "2026-03"); engine.ErrorCode(err) != engine.EFORBIDDEN {
		t.Errorf("a town's supervisor read the county: %v", err)
	}
}

// TestCountyEndByTown: at the end of March one case of each town is
// open, the first town's overdue, the second's not, and both are withdrawn
// in April. The county's March, read from the towns' counts and its cases
// open at the end, gives each town its own case and lateness.
func TestCountyEndByTown(t *testing.T) {
	en := newEnv(t)
	underCounty(t, en)
	en.Clock.Set(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	late := en.CaseIn(t, workflow.Grid)
	en.Clock.Set(time.Date(2026, 3, 31, 1, 0, 0, 0, time.UTC))
	onTime, err := en.OpenCase(ctx, en.Actors["intake@T2"], &engine.NewCase{Source: "网格排查", Category: "邻里", LocationID: en.Units["G31"].ID,
		People: 2, Risk: engine.RiskGreen, Summary: "邻里纠纷测试。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}}},
		engine.Step{Event: workflow.AcceptGrid, Input: engine.Input{Reason: "就近"}})
	if err != nil {
		t.Fatal(err)
	}
	en.Clock.Set(time.Date(2026, 4, 2, 1, 0, 0, 0, time.UTC))
	for _, c := range []*engine.Case{late, onTime} {
		if _, err := en.Fire(ctx, engine.System, c.ID, workflow.Withdraw, engine.Input{Reason: "当事人撤回申请", Party: c.Parties[0].Name}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := en.Reports.Report(ctx, engine.System, "C", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	type end struct{ open, overdue int }
	got := []end{{r.OpenAtEnd, r.OverdueAtEnd}}
	for _, child := range r.Children {
		got = append(got, end{child.OpenAtEnd, child.OverdueAtEnd})
	}
	if want := []end{{2, 1}, {1, 1}, {1, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("open and overdue at the end of March, county then towns: %v, want %v", got, want)
	}
}

// TestReferralsOfTheWholeTree: a county's court takes referrals from both
// its towns. A town's report counts its own alone; the county's, the one
// unit above every other (whose referrals are all its cases'), counts both.
// The figures are stated literally.
func TestReferralsOfTheWholeTree(t *testing.T) {
	en := newEnv(t)
	underCounty(t, en)
	if err := en.SaveUnit(ctx, &engine.Unit{Code: "PC", Name: "秀洲区人民法院", Level: workflow.LevelPartner, Kind: "法庭"}, "C"); err != nil {
		t.Fatal(err)
	}
	for _, at := range []struct{ town, grid string }{{"T1", "G11"}, {"T1", "G21"}, {"T2", "G31"}} {
		desk := en.Actors["intake@"+at.town]
		c, err := en.OpenCase(ctx, desk, &engine.NewCase{Source: "当事人申请", Category: "邻里", LocationID: en.Units[at.grid].ID,
			People: 2, Risk: engine.RiskGreen, Summary: "邻里纠纷测试。", Parties: []*engine.Party{{Side: engine.SideApplicant, Name: "甲"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := en.Fire(ctx, desk, c.ID, workflow.Refer, engine.Input{Partner: "PC", Reason: "移交"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		unit string
		want []report.PartnerRow
	}{
		{"T1", []report.PartnerRow{{Code: "PC", Name: "秀洲区人民法院", Kind: "法庭", Referred: 2, Waiting: 2}}},
		{"T2", []report.PartnerRow{{Code: "PC", Name: "秀洲区人民法院", Kind: "法庭", Referred: 1, Waiting: 1}}},
		{"C", []report.PartnerRow{{Code: "PC", Name: "秀洲区人民法院", Kind: "法庭", Referred: 3, Waiting: 3}}},
	} {
		r, err := en.Reports.Report(ctx, engine.System, tc.unit, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r.Partners, tc.want) {
			t.Errorf("%s: partners\n got %+v\nwant %+v", tc.unit, r.Partners, tc.want)
		}
	}
}

// TestReportCountsTheCaseFile: the month's report counts the applications
// for judicial confirmation, the confirmations, the files archived and the
// agreements closed as not performed, from the columns and from the log
// alike.
func TestReportCountsTheCaseFile(t *testing.T) {
	en := newEnv(t)
	med := en.Actors["mediator@G11"]
	c := en.WrittenCase(t)
	if _, err := en.Record(ctx, med, c.ID, workflow.Archive, engine.Input{}); err != nil {
		t.Fatal(err)
	}
	u := en.CaseIn(t, workflow.Agreed)
	if _, err := en.Fire(ctx, med, u.ID, workflow.CloseUnperformed, engine.Input{Routes: []string{"申请强制执行"},
		Visit: &engine.FollowUp{Visited: "张三", Findings: "经督促仍未履行。"}}); err != nil {
		t.Fatal(err)
	}
	r, err := en.Reports.Report(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]int{
		"applied":     {r.Confirmations.Applied, 1},
		"confirmed":   {r.Confirmations.Confirmed, 1},
		"archived":    {r.Archived, 1},
		"unperformed": {r.Unperformed, 1},
		"followups":   {r.Followups, 2},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %d, want %d", name, got[0], got[1])
		}
	}
	logged, err := en.Reports.ReportFromLog(ctx, engine.System, "T1", "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if !sameReport(r, logged) {
		t.Errorf("the report from the event log differs:\n%s\n%s", js(r), js(logged))
	}
	for figure, want := range map[string]int{"archived": 1, "unperformed": 1} {
		if cases, err := en.Reports.FigureCases(ctx, engine.System, "T1", "2026-03", figure); err != nil || len(cases) != want {
			t.Errorf("cases behind %s: %d (%v)", figure, len(cases), err)
		}
	}
}

// TestSuccessRateOneCohort is the month that read 133%: cases accepted in
// one month and settled in the next. 调解纠纷数 counts the cases whose
// mediation ended in the month (first agree, fail or withdraw in it), and
// the success rate divides the agreements by it, so it stays at or below
// 100% whatever was accepted when.
func TestSuccessRateOneCohort(t *testing.T) {
	en := newEnv(t)
	loc := en.Location
	set := func(day int, hour int) { en.Clock.Set(time.Date(2026, 9, day, hour, 0, 0, 0, loc)) }
	// September: four cases accepted at the grid; one agreed at once.
	set(10, 9)
	var sept []*engine.Case
	for range 4 {
		sept = append(sept, en.CaseIn(t, workflow.Grid))
	}
	med := en.Actors["mediator@G11"]
	agree := func(c *engine.Case) *engine.Case {
		t.Helper()
		tr, _ := workflow.Lookup(c.State, workflow.Agree)
		c, err := en.Fire(ctx, med, c.ID, workflow.Agree, en.ValidInput(tr, c))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	early := agree(sept[0])
	// October: the other three agreed; the one agreed in September is not
	// performed, mediated again at the town and ends there; one new case
	// is accepted and fails.
	en.Clock.Set(time.Date(2026, 10, 5, 9, 0, 0, 0, loc))
	for _, c := range sept[1:] {
		agree(c)
	}
	early, err := en.Fire(ctx, med, early.ID, workflow.Remediate, engine.Input{Reason: "协议未履行", Consent: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := en.Fire(ctx, en.Actors["mediator@T1"], early.ID, workflow.Fail, engine.Input{Reason: "双方分歧较大", Routes: []string{"诉讼"}}); err != nil {
		t.Fatal(err)
	}
	en.CaseIn(t, workflow.Failed)
	oct, err := en.Reports.Report(ctx, engine.System, "T1", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]int{
		"accepted": {oct.Accepted, 1}, // the case that failed
		"agreed":   {oct.Agreed, 3},   // September's three
		"failed":   {oct.Failed, 2},   // the remediated one and the new one
		"mediated": {oct.Mediated, 4}, // three agreed, the new one failed; the remediated one ended its first mediation in September
	} {
		if got[0] != got[1] {
			t.Errorf("October %s = %d, want %d", name, got[0], got[1])
		}
	}
	if !near(oct.SuccessRate, 0.75) {
		t.Errorf("October's success rate %v, want 0.75 (3 of 4); agreed/accepted would be 300%%", f64(oct.SuccessRate))
	}
	sep, err := en.Reports.Report(ctx, engine.System, "T1", "2026-09")
	if err != nil {
		t.Fatal(err)
	}
	if sep.Accepted != 4 || sep.Agreed != 1 || sep.Mediated != 1 || !near(sep.SuccessRate, 1) {
		t.Errorf("September: accepted %d agreed %d mediated %d rate %v", sep.Accepted, sep.Agreed, sep.Mediated, f64(sep.SuccessRate))
	}
	logged, err := en.Reports.ReportFromLog(ctx, engine.System, "T1", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if !sameReport(oct, logged) {
		t.Errorf("the report from the event log differs:\n%s\n%s", js(oct), js(logged))
	}
}

// TestSweepsByEveryLevel: grids, villages and towns sweep their ground
// once a month has ended; the town's report counts every sweep of its
// subtree and names the grids that filed none, which every grid must. A
// month filed twice is refused, saying what was filed, unless corrected.
func TestSweepsByEveryLevel(t *testing.T) {
	en := newEnv(t)
	month, day := en.Reports.LastMonth(), en.Reports.LastMonth()+"-15"
	current := en.Clock.Now().In(en.Location)
	err := en.Reports.FileSweep(ctx, en.Actors["mediator@G11"], &report.Sweep{Month: current.Format("2006-01"), SweptOn: current.Format(time.DateOnly)}, false)
	if want := current.Format("2006-01") + "尚未结束：一个月的排查在月底后填报，现在可以填报" + month + "。"; engine.ErrorFields(err)["month"] != want {
		t.Errorf("a sweep of this month: %v, want %s", err, want)
	}
	for _, tc := range []struct {
		who   string
		found int
	}{{"mediator@G11", 2}, {"mediator@V1", 1}, {"mediator@T1", 3}} {
		if err := en.Reports.FileSweep(ctx, en.Actors[tc.who], &report.Sweep{Month: month, SweptOn: day, Households: 10, DisputesFound: tc.found}, false); err != nil {
			t.Fatalf("%s: %v", tc.who, err)
		}
	}
	err = en.Reports.FileSweep(ctx, en.Actors["intake@T1"], &report.Sweep{Month: month, SweptOn: day}, false)
	if want := "排查由网格、村（社区）和镇（街道）的调解员为本单位填报。"; engine.ErrorMessage(err) != want {
		t.Errorf("the desk's sweep: %v, want %s", err, want)
	}
	err = en.Reports.FileSweep(ctx, en.Actors["mediator@V1"], &report.Sweep{Month: month, SweptOn: day}, false)
	if msg := engine.ErrorMessage(err); engine.ErrorCode(err) != engine.ECONFLICT || !strings.HasPrefix(msg, "本单位"+month+"的排查已于") ||
		!strings.HasSuffix(msg, "填报（走访10户，发现纠纷1件）。如需更正，请在下方“已填报”中点“更正”。") {
		t.Errorf("a second sweep: %v", err)
	}
	if err := en.Reports.FileSweep(ctx, en.Actors["mediator@V1"], &report.Sweep{Month: month, SweptOn: day, Households: 12, DisputesFound: 4}, true); err != nil {
		t.Fatalf("a correction: %v", err)
	}
	r, err := en.Reports.Report(ctx, engine.System, "T1", month)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sweeps.Filed != 3 || r.Sweeps.DisputesFound != 9 ||
		!slices.Equal(r.Sweeps.GridsMissing, []string{"油车港镇 / 麟湖村 / 麟湖村第2网格", "油车港镇 / 马厍村 / 马厍村第1网格"}) {
		t.Errorf("sweeps %+v", r.Sweeps)
	}
	filed, err := en.Reports.FiledSweeps(ctx, en.Actors["mediator@V1"])
	if err != nil || len(filed) != 1 || filed[0].Households != 12 || filed[0].DisputesFound != 4 {
		t.Errorf("the village's filings: %v %v", filed, err)
	}
	// The quarter counts both months of the grid that swept the month
	// before too.
	if err := en.Reports.FileSweep(ctx, en.Actors["mediator@G11"], &report.Sweep{Month: "2026-01", SweptOn: "2026-01-20", Households: 8, DisputesFound: 5}, false); err != nil {
		t.Fatal(err)
	}
	q, err := en.Reports.Report(ctx, engine.System, "T1", "2026Q1")
	if err != nil {
		t.Fatal(err)
	}
	if q.Sweeps.Filed != 4 || q.Sweeps.DisputesFound != 14 || len(q.Sweeps.GridsMissing) != 2 || q.Children[0].Sweeps.Filed != 3 || q.Children[0].Sweeps.DisputesFound != 11 {
		t.Errorf("the quarter's sweeps %+v, the first village's %+v", q.Sweeps, q.Children[0].Sweeps)
	}
}

// TestEndChanges states what a case's moves change in the counts of the
// cases open and overdue at the months' ends, a deadline at a month's very
// start counting at the end of the month before.
func TestEndChanges(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) *time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	grid := func(due string) *engine.Case { return &engine.Case{State: workflow.Grid, DueAt: at(due)} }
	open, overdue := report.EndCount(report.EndOpen), report.EndCount(report.EndOverdue)
	for _, c := range []struct {
		name          string
		before, after *engine.Case
		at            string
		want          map[string]report.Counts
	}{
		{"registered, due at February's start", nil, grid("2026-02-01 00:00"), "2026-01-10 10:00",
			map[string]report.Counts{"2026-01": {open: 1, overdue: 1}}},
		{"registered, due on February's first morning", nil, grid("2026-02-01 08:00"), "2026-01-10 10:00",
			map[string]report.Counts{"2026-01": {open: 1}, "2026-02": {overdue: 1}}},
		{"registered already late", nil, grid("2026-01-05 08:00"), "2026-01-10 10:00",
			map[string]report.Counts{"2026-01": {open: 1, overdue: 1}}},
		{"agreed before its deadline", grid("2026-03-05 17:00"), &engine.Case{State: workflow.Agreed}, "2026-02-20 09:00",
			map[string]report.Counts{"2026-02": {open: -1}, "2026-03": {overdue: -1}}},
		{"agreed late", grid("2026-02-03 17:00"), &engine.Case{State: workflow.Agreed}, "2026-02-20 09:00",
			map[string]report.Counts{"2026-02": {open: -1, overdue: -1}}},
		{"escalated late, due again next month", grid("2026-02-03 17:00"),
			&engine.Case{State: workflow.Village, DueAt: at("2026-03-02 17:00")}, "2026-02-25 09:00",
			map[string]report.Counts{"2026-02": {overdue: -1}, "2026-03": {overdue: 1}}},
		{"escalated late, due again the same month", grid("2026-02-03 17:00"),
			&engine.Case{State: workflow.Village, DueAt: at("2026-02-17 17:00")}, "2026-02-10 09:00",
			map[string]report.Counts{}},
		{"suspended", grid("2026-03-05 17:00"), &engine.Case{State: workflow.Grid, DueAt: at("2026-03-05 17:00"),
			SuspendedAt: at("2026-02-20 09:00")}, "2026-02-20 09:00",
			map[string]report.Counts{"2026-03": {overdue: -1}}},
		{"a note on a late case", grid("2026-02-03 17:00"), grid("2026-02-03 17:00"), "2026-04-01 09:00",
			map[string]report.Counts{}},
	} {
		got := report.EndChanges(c.before, c.after, *at(c.at), loc)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
