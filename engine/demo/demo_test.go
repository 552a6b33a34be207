package demo_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/demo"
	"github.com/grassroots/mediation/engine/export"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/subsidy"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden file")

// TestBuild checks the demo town has what every page and report needs: all
// categories, sources and outcomes, escalations both manual and automatic,
// agreements at every tier, and open cases, some of them late.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	e := engine.New(db)
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	e.Now = func() time.Time { return now }
	led, reg := ledger.New(e, db), registry.New(e, db)
	rooms := demo.Rooms{Ledger: led, Registry: reg, Parties: apply.New(e, db)}
	res, err := demo.Build(ctx, e, rooms, 400, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 405 {
		t.Fatalf("got %+v", res)
	}
	tree, _ := e.Tree(ctx)
	grids := 0
	for _, u := range tree.Units() {
		if u.Level == workflow.LevelGrid {
			grids++
		}
	}
	if grids < 22 || grids > 28 {
		t.Errorf("%d grids, want about 24 in two towns", grids)
	}
	for _, a := range demo.Accounts {
		if _, err := account.New(e, db).Authenticate(ctx, a.Name, demo.Password); err != nil {
			t.Errorf("account %s: %v", a.Name, err)
		}
	}
	// The published password is kept nowhere in the database: its hash
	// alone, like every password's.
	for _, pool := range db.Pools() {
		var n int
		if err := pool.QueryRow("SELECT COUNT(*) FROM settings WHERE value LIKE '%" + demo.Password + "%'").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d settings hold the demo's password (%v)", n, err)
		}
		break
	}
	cases, total, err := e.Cases(ctx, engine.System, engine.CaseFilter{Limit: 500})
	if err != nil || total != 405 {
		t.Fatalf("%d cases: %v", total, err)
	}
	seen := map[string]bool{}
	overdue := 0
	entrusted, byCategory := 0, map[string]int{}
	for _, c := range cases {
		byCategory[c.Category]++
		if engine.DefaultLists.SourceMOJ(c.Source) == engine.MOJEntrusted {
			entrusted++
		}
		seen["category:"+c.Category] = true
		seen["source:"+c.Source] = true
		seen["state:"+string(c.State)] = true
		seen["tier:"+string(c.AgreedTier)] = true
		if c.Overdue(now) {
			overdue++
		}
		if c.State == workflow.Registered || c.State.Level() != "" {
			continue
		}
		evs, _ := db.Events(ctx, c.ID)
		for _, ev := range evs {
			if ev.Name == workflow.Escalate.Step() {
				seen["escalate:"+map[bool]string{true: "automatic", false: "manual"}[ev.Automatic]] = true
			}
			seen["event:"+string(ev.Name)] = true
		}
	}
	var want []string
	for _, c := range engine.DefaultLists.CategoryNames() {
		want = append(want, "category:"+c)
	}
	for _, s := range engine.DefaultLists.SourceNames() {
		want = append(want, "source:"+s)
	}
	for _, s := range workflow.States {
		want = append(want, "state:"+string(s))
	}
	want = append(want, "tier:grid", "tier:village", "tier:town", "escalate:manual", "escalate:automatic",
		"event:session", "event:hand_down", "event:return", "event:rights_notice", "event:archive", "event:close_unperformed")
	for _, w := range want {
		if !seen[w] {
			t.Errorf("the demo has no %s", w)
		}
	}
	// The mix looks like a town's: a few percent referred in by partner
	// bodies, and marriage and family and neighbours the largest
	// categories.
	if entrusted*100 > 10*len(cases) {
		t.Errorf("%d of %d cases referred in by partners, want a few percent", entrusted, len(cases))
	}
	for cat, n := range byCategory {
		if cat != "婚姻家庭" && cat != "邻里" && (n >= byCategory["婚姻家庭"] || n >= byCategory["邻里"]) {
			t.Errorf("%s has %d cases, as many as 婚姻家庭 (%d) or 邻里 (%d)", cat, n, byCategory["婚姻家庭"], byCategory["邻里"])
		}
	}
	if overdue == 0 {
		t.Error("the demo has no overdue case")
	}
	// The demo grid mediator finds work in their queue.
	var grid int64
	for _, u := range tree.Units() {
		if u.Name == demo.Accounts[1].Unit {
			grid = u.ID
		}
	}
	queue, _, _ := e.Cases(ctx, engine.System, engine.CaseFilter{Handling: []int64{grid}, States: []workflow.State{workflow.Grid}})
	if len(queue) < 2 {
		t.Errorf("the grid mediator's queue has %d cases", len(queue))
	}
	// Each town has its partner bodies, the police station of 油车港 finds
	// referrals in its liaison's queue, and the court follows disputes it
	// referred in.
	partners := 0
	for _, u := range tree.Units() {
		if u.Level == workflow.LevelPartner {
			partners++
		}
	}
	if partners != 2*len(engine.PartnerKinds) {
		t.Errorf("%d partner bodies, want %d", partners, 2*len(engine.PartnerKinds))
	}
	for _, name := range []string{"paichusuo", "fating"} {
		u, err := account.New(e, db).Authenticate(ctx, name, demo.Password)
		if err != nil {
			t.Fatal(err)
		}
		if _, n, err := e.Cases(ctx, u.Actor(), engine.CaseFilter{}); err != nil || n == 0 {
			t.Errorf("%s sees %d cases, %v", name, n, err)
		}
	}
	// October's report names the mediators who worked, and the county's
	// has a row for each of its two towns.
	r, err := report.New(e, db).Report(ctx, engine.System, "YCG", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, m := range r.Mediators {
		if m.Workload > 0 && m.Name != "" && m.Name != "系统" {
			named++
		}
	}
	if named < 3 {
		t.Errorf("October's mediator rows: %+v", r.Mediators)
	}
	county, err := report.New(e, db).Report(ctx, engine.System, "XZQ", "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if len(county.Children) != 2 || county.Children[0].Name != "新塍镇" || county.Children[1].Name != "油车港镇" ||
		county.Children[0].Registered == 0 || county.Registered != county.Children[0].Registered+county.Children[1].Registered {
		t.Errorf("the county's October: %d rows, %+v", len(county.Children), county.Children)
	}
	// The ledger: every kind in every colour, persons who are parties of
	// the cases, some overdue for review, one taken off.
	entries, listed, err := led.List(ctx, engine.System, ledger.Filter{Limit: 100}, "测试")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, en := range entries {
		kinds[string(en.Kind)+" "+string(en.Colour)]++
	}
	for _, k := range ledger.Kinds {
		for _, c := range ledger.Colours {
			if kinds[string(k)+" "+string(c)] == 0 {
				t.Errorf("no %s %s on the demo's ledger", c, k)
			}
		}
	}
	late, _, _ := led.List(ctx, engine.System, ledger.Filter{DueBy: &now, Limit: 100}, "测试")
	delisted, _, _ := led.List(ctx, engine.System, ledger.Filter{Delisted: true, Limit: 100}, "测试")
	if listed != 15 || len(late) != 5 || len(delisted) != 1 {
		t.Errorf("the demo's ledger: %d listed, %d overdue, %d delisted; want 15, 5, 1", listed, len(late), len(delisted))
	}
	i := slices.IndexFunc(entries, func(en *ledger.Entry) bool { return en.Kind == ledger.KindPerson })
	person, err := led.Show(ctx, engine.System, entries[i].ID)
	if err != nil || len(person.Cases) == 0 || len(person.Records) != 3 {
		t.Errorf("a listed person: %v, %d cases, %d records", err, len(person.Cases), len(person.Records))
	}
	// The registry: the named accounts' particulars, a cadre without an
	// account, this year's two trainings.
	duban, _ := db.FindUserByName(ctx, "duban")
	mediators, err := reg.Registry(ctx, duban.Actor(), now.In(e.Location).Year())
	if err != nil {
		t.Fatal(err)
	}
	hours := map[string]float64{}
	for _, m := range mediators {
		if m.ID != 0 {
			hours[m.Grade] += m.Hours()
		}
	}
	// The traffic committee's head, 一级, has no account and no training.
	if fmt.Sprint(hours) != "map[一级:0 三级:4 二级:7.5 四级:8]" {
		t.Errorf("the registry's hours by grade: %v", hours)
	}
	// The committees of 油车港镇 by their units' codes: the town's, the
	// traffic committee with its two members, 麟湖村's and its studio, and
	// the other villages' and communities'. The traffic committee mediated the road accidents the town
	// took, and archived files earned subsidies over the last quarter.
	committees, err := reg.Committees(ctx, duban.Actor())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range committees {
		names = append(names, fmt.Sprintf("%s%s(%d)", map[bool]string{true: "└", false: ""}[c.StudioOf != 0], c.Name, len(c.Members)))
	}
	if want := "油车港镇人民调解委员会(0) 油车港镇道路交通事故纠纷人民调解委员会(2) 麟湖村人民调解委员会(0) └睦麟+个人调解工作室(2) " +
		"陆家村人民调解委员会(0) 马厍村人民调解委员会(0) 胜丰村人民调解委员会(0) 油车港社区人民调解委员会(0) 永红村人民调解委员会(0) " +
		"正阳社区人民调解委员会(0)"; strings.Join(names, " ") != want {
		t.Errorf("the committees:\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	year, err := report.New(e, db).Report(ctx, engine.System, "YCG", "2026")
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(year.Committees, func(r report.CommitteeRow) bool { return r.Kind == engine.CommitteeTrade }); i < 0 ||
		year.Committees[i].Mediated == 0 || year.Organisation.Committees[engine.CommitteeTrade] != 1 || year.Organisation.Studios != 1 {
		t.Errorf("the year's committees: %+v, %+v", year.Committees, year.Organisation)
	}
	// The year's Ministry tables by committee and of organisations, as
	// golden text: the demo is built from a fixed seed and a fixed now.
	var tables bytes.Buffer
	for _, sec := range export.Ministry(year)[1:] {
		fmt.Fprintf(&tables, "%s\n%s\n", sec.Name, strings.Join(sec.Header, ","))
		for _, row := range sec.Rows {
			fmt.Fprintln(&tables, strings.Join(row, ","))
		}
	}
	golden := filepath.Join("..", "..", "testdata", "report", "demo-committees-2026.csv")
	if *update {
		if err := os.WriteFile(golden, tables.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(tables.Bytes(), want) {
		t.Errorf("the demo's tables by committee differ from %s (%v); run go test -tags sqlite_fts5 ./engine/demo -update and read the diff\n%s",
			golden, err, tables.String())
	}
	// Online: an application waits for the desk; the parties of the seven
	// agreements of the last 30 days rated them, one 不满意.
	month, err := report.New(e, db).Report(ctx, engine.System, "YCG", "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if p := month.Parties; p.Applied != 1 || p.Ratings.Total() != 7 || p.Ratings.Dissatisfied != 1 {
		t.Errorf("the month's parties: %+v", p)
	}
	sheet, err := subsidy.New(e, db).Sheet(ctx, duban.Actor(), "YCG", "2026Q3")
	if err != nil || sheet.Total.Cases < 10 || sheet.Total.Net <= 0 || len(sheet.ByCommittee) < 3 {
		t.Errorf("the quarter's subsidies: %v, %+v", err, sheet.Total)
	}
	if _, err := demo.Build(ctx, e, rooms, 10, 2, nil); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("second build: %v", err)
	}
}
