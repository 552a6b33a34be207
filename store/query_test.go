package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

// town is a small world for the store's queries: two towns, cases in known
// states, opened at t0 and moved an hour later.
type town struct {
	db    *store.DB
	e     *engine.Engine
	tree  *engine.Tree
	t0    time.Time
	cases map[string]*engine.Case
}

const (
	zhangID    = "330411196505120011"
	zhangPhone = "13800000001"
)

func newTown(t *testing.T) *town {
	t.Helper()
	db := storetest.Open(t)
	e := engine.New(db)
	w := &town{db: db, e: e, t0: time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC), cases: map[string]*engine.Case{}}
	e.Now = func() time.Time { return w.t0.Add(4 * 24 * time.Hour) }
	for _, u := range []struct{ code, level, parent, prefix string }{
		{"A", "town", "", "甲"}, {"A1", "village", "A", ""}, {"A11", "grid", "A1", ""}, {"A12", "grid", "A1", ""},
		{"A2", "village", "A", ""}, {"A21", "grid", "A2", ""},
		{"B", "town", "", "乙"}, {"B1", "village", "B", ""}, {"B11", "grid", "B1", ""},
		{"AP", "partner", "A", ""},
	} {
		kind := map[bool]string{true: "派出所"}[u.level == "partner"]
		if err := e.SaveUnit(ctx, &engine.Unit{Code: u.code, Name: u.code + "名", Level: workflow.Level(u.level), CasePrefix: u.prefix, Kind: kind}, u.parent); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if w.tree, err = e.Tree(ctx); err != nil {
		t.Fatal(err)
	}
	hour := w.t0.Add(time.Hour)
	step := func(ev workflow.Event, in engine.Input) engine.Step {
		in.At = hour
		return engine.Step{Event: ev, Input: in}
	}
	for _, c := range []struct {
		key, grid, category, source string
		party                       engine.Party
		steps                       []engine.Step
	}{
		{"reg", "A11", "邻里", "当事人申请", engine.Party{Name: "张三", IDNumber: zhangID, Phone: zhangPhone}, nil},
		{"grid", "A12", "合同", "网格排查", engine.Party{Name: "王五", Phone: "13900000002"},
			[]engine.Step{step(workflow.AcceptGrid, engine.Input{})}},
		{"village", "A21", "邻里", "当事人申请", engine.Party{Name: "赵六"}, []engine.Step{step(workflow.AcceptVillage, engine.Input{})}},
		{"agreed", "A11", "邻里", "当事人申请", engine.Party{Name: "张三丰"}, []engine.Step{step(workflow.AcceptGrid, engine.Input{}),
			step(workflow.Agree, engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementOral, Terms: "赔偿500元", Amount: 50000, OralConfirmed: true}})}},
		{"failed", "A11", "邻里", "当事人申请", engine.Party{Name: "张三", IDNumber: zhangID}, []engine.Step{step(workflow.AcceptGrid, engine.Input{}),
			step(workflow.Fail, engine.Input{Reason: "分歧过大", Routes: []string{"诉讼"}})}},
		{"other", "B11", "邻里", "当事人申请", engine.Party{Name: "张三", Phone: zhangPhone}, []engine.Step{step(workflow.AcceptTown, engine.Input{})}},
	} {
		p := c.party
		p.Side = engine.SideApplicant
		k, err := e.OpenCase(ctx, engine.System, &engine.NewCase{Source: c.source, Category: c.category,
			LocationID: w.tree.ByCode(c.grid).ID, People: 2, Risk: engine.RiskGreen, Summary: "测试用的纠纷。", At: w.t0,
			Parties: []*engine.Party{&p, {Side: engine.SideRespondent, Name: "对方" + c.key}}}, c.steps...)
		if err != nil {
			t.Fatalf("%s: %v", c.key, err)
		}
		w.cases[c.key] = k
	}
	return w
}

// keys names the cases by their keys in the fixture, in the order given.
func (w *town) keys(cases []*engine.Case) []string {
	var out []string
	for _, c := range cases {
		for k, v := range w.cases {
			if v.ID == c.ID {
				out = append(out, k)
			}
		}
	}
	return out
}

func (w *town) ids(keys ...string) []int64 {
	var out []int64
	for _, k := range keys {
		out = append(out, w.cases[k].ID)
	}
	return out
}

func (w *town) subtree(code string) []int64 { return w.tree.Subtree(w.tree.ByCode(code).ID) }

// TestCaseFilters runs every filter of CaseFilter over the fixture. Cases
// come soonest due first: reg (due day 2), grid (day 3), village (day 7),
// agreed (回访 day 15), other (day 20), failed (closed, no deadline).
func TestCaseFilters(t *testing.T) {
	w := newTown(t)
	now := w.e.Now()
	later := w.t0.Add(time.Hour)
	for _, tc := range []struct {
		name  string
		f     engine.CaseFilter
		want  []string
		total int
	}{
		{"everything", engine.CaseFilter{}, []string{"reg", "grid", "village", "agreed", "other", "failed"}, 6},
		{"first page", engine.CaseFilter{Limit: 2}, []string{"reg", "grid"}, 6},
		{"last page", engine.CaseFilter{Limit: 2, Offset: 4}, []string{"other", "failed"}, 6},
		{"town A", engine.CaseFilter{Units: w.subtree("A")}, []string{"reg", "grid", "village", "agreed", "failed"}, 5},
		{"village A2", engine.CaseFilter{Units: w.subtree("A2")}, []string{"village"}, 1},
		{"no units", engine.CaseFilter{Units: []int64{}}, nil, 0},
		{"ids", engine.CaseFilter{IDs: w.ids("other", "reg")}, []string{"reg", "other"}, 2},
		{"handled at A11", engine.CaseFilter{Handling: []int64{w.tree.ByCode("A11").ID}}, []string{"agreed", "failed"}, 2},
		{"handled at A11, in town A's subtree", engine.CaseFilter{Handling: []int64{w.tree.ByCode("A11").ID}, Units: w.subtree("A")},
			[]string{"agreed", "failed"}, 2},
		{"handled at A11, outside village A2's subtree", engine.CaseFilter{Handling: []int64{w.tree.ByCode("A11").ID}, Units: w.subtree("A2")},
			nil, 0},
		{"states", engine.CaseFilter{States: []workflow.State{workflow.Agreed, workflow.Failed}}, []string{"agreed", "failed"}, 2},
		{"category", engine.CaseFilter{Category: "合同"}, []string{"grid"}, 1},
		{"source", engine.CaseFilter{Source: "网格排查"}, []string{"grid"}, 1},
		{"overdue", engine.CaseFilter{OverdueAt: &now}, []string{"reg", "grid"}, 2},
		{"number", engine.CaseFilter{Number: "〔2026〕0002"}, []string{"grid"}, 1},
		{"code", engine.CaseFilter{Number: w.cases["village"].Code}, []string{"village"}, 1},
		{"party", engine.CaseFilter{Text: "张三"}, []string{"reg", "agreed", "other", "failed"}, 4},
		{"party in town A", engine.CaseFilter{Text: "张三", Units: w.subtree("A")}, []string{"reg", "agreed", "failed"}, 3},
		{"pressed, before any 督办", engine.CaseFilter{Pressed: true}, nil, 0},
		{"registered since the fixture's start", engine.CaseFilter{OpenedSince: &w.t0}, []string{"reg", "grid", "village", "agreed", "other", "failed"}, 6},
		{"registered since an hour later", engine.CaseFilter{OpenedSince: &later}, nil, 0},
		{"registered by a clerk (the fixture's were imported)", engine.CaseFilter{CreatedBy: 1}, nil, 0},
		{"town A, whole", engine.CaseFilter{Units: w.subtree("A"), WholeTowns: true}, []string{"reg", "grid", "village", "agreed", "failed"}, 5},
		{"counted up to 3", engine.CaseFilter{Limit: 2, CountUpTo: 3}, []string{"reg", "grid"}, 3},
		{"counted up to 3, fewer found", engine.CaseFilter{Category: "合同", CountUpTo: 3}, []string{"grid"}, 1},
		{"counted up to 3, a later page", engine.CaseFilter{Limit: 2, Offset: 2, CountUpTo: 3}, []string{"village", "agreed"}, 3},
		{"a number's tail through the text index", engine.CaseFilter{Number: "0003号"}, []string{"village"}, 1},
		{"a number's tail in town B", engine.CaseFilter{Number: "0001号", Units: w.subtree("B")}, []string{"other"}, 1},
		{"a number's tail in town B, among its own", engine.CaseFilter{Number: "0001号", Units: w.subtree("B"), WholeTowns: true,
			TownUnits: w.subtree("B")}, []string{"other"}, 1},
		{"a number's tail in village A2, among its town's", engine.CaseFilter{Number: "0003号", Units: w.subtree("A2"),
			TownUnits: w.subtree("A")}, []string{"village"}, 1},
		{"another village's number, among their town's", engine.CaseFilter{Number: "0003号", Units: w.subtree("A1"),
			TownUnits: w.subtree("A")}, nil, 0},
	} {
		if tc.f.Limit == 0 {
			tc.f.Limit = 50
		}
		got, total, err := w.db.Cases(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if keys := w.keys(got); !slices.Equal(keys, tc.want) || total != tc.total {
			t.Errorf("%s: got %v (total %d), want %v (total %d)", tc.name, keys, total, tc.want, tc.total)
		}
		for _, c := range got {
			if len(c.Parties) != 2 {
				t.Errorf("%s: case %s has %d parties", tc.name, c.Number, len(c.Parties))
			}
		}
	}
}

// TestTextSearch finds parties by part of their names and cases by part of
// their summaries: three characters or more through the text index, fewer
// by reading the cases in scope, always within the caller's subtree. A
// party added later is found too.
func TestTextSearch(t *testing.T) {
	w := newTown(t)
	sup := engine.Actor{Name: "督办员", Role: workflow.RoleSupervisor, UnitID: w.tree.ByCode("A").ID}
	if _, err := w.e.Record(ctx, sup, w.cases["grid"].ID, workflow.AddParty, engine.Input{Version: w.version(t, "grid"),
		NewParty: &engine.Party{Side: engine.SideRespondent, Name: "欧阳娜娜"}}); err != nil {
		t.Fatal(err)
	}
	everywhere, townA := []int64(nil), w.subtree("A")
	for _, tc := range []struct {
		name  string
		q     string
		units []int64
		want  []string
	}{
		{"a whole name of three characters", "张三丰", townA, []string{"agreed"}},
		{"three characters inside a name", "方oth", everywhere, []string{"other"}},
		{"three characters inside a name, outside the scope", "方oth", townA, nil},
		{"a one-character surname", "张", townA, []string{"reg", "agreed", "failed"}},
		{"a one-character surname everywhere", "张", everywhere, []string{"reg", "agreed", "other", "failed"}},
		{"two characters", "三丰", townA, []string{"agreed"}},
		{"a party added after registration", "欧阳娜", townA, []string{"grid"}},
		{"two characters of a party added after registration", "阳娜", townA, []string{"grid"}},
		{"a line break is within no name", "丰\n", everywhere, nil},
		{"part of the summary", "试用的纠", townA, []string{"reg", "grid", "village", "agreed", "failed"}},
		{"upper case finds lower case", "方OTH", everywhere, []string{"other"}},
		{"upper case finds lower case in a town", "方AGR", townA, []string{"agreed"}},
		{"a wildcard is taken literally", "%", everywhere, nil},
		{"an underscore is taken literally", "张_丰", everywhere, nil},
		{"a quote is taken literally", `张"三`, everywhere, nil},
		{"nobody", "诸葛亮", everywhere, nil},
	} {
		// A scope of whole towns may look the summaries up among its own
		// cases (PostgreSQL): the same are found.
		filters := []engine.CaseFilter{{Text: tc.q, Units: tc.units, Limit: 50}}
		if tc.units != nil {
			filters = append(filters, engine.CaseFilter{Text: tc.q, Units: tc.units, WholeTowns: true, TownUnits: tc.units, Limit: 50})
		}
		for _, f := range filters {
			got, total, err := w.db.Cases(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if keys := w.keys(got); !slices.Equal(keys, tc.want) || total != len(tc.want) {
				t.Errorf("%s (towns %v): %q found %v (total %d), want %v", tc.name, f.TownUnits, tc.q, keys, total, tc.want)
			}
		}
	}
}

// TestSearchPages pages through a search tested case by case (one
// character), counted as the list page counts: up to the page's end and one
// more, and all of them on a page past the last.
func TestSearchPages(t *testing.T) {
	w := newTown(t)
	for _, tc := range []struct {
		offset int
		want   []string
		total  int
	}{
		{0, []string{"reg"}, 2},
		{1, []string{"agreed"}, 3},
		{2, []string{"failed"}, 3},
		{3, nil, 3},
		{7, nil, 3},
	} {
		got, total, err := w.db.Cases(ctx, engine.CaseFilter{Text: "张", Units: w.subtree("A"), Limit: 1, Offset: tc.offset, CountUpTo: 1001})
		if err != nil {
			t.Fatal(err)
		}
		if keys := w.keys(got); !slices.Equal(keys, tc.want) || total != tc.total {
			t.Errorf("offset %d: got %v (total %d), want %v (total %d)", tc.offset, keys, total, tc.want, tc.total)
		}
	}
}

// version is the version of the town's case with key now, as a person
// acting on it would have seen it.
func (w *town) version(t *testing.T, key string) int {
	t.Helper()
	c, err := w.db.FindCase(ctx, w.cases[key].ID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Version
}

// TestPressedAndLatestEvents presses a case twice: the filter finds it and
// the latest 督办 is the second; a transition starts a new tier clock and
// ends the press.
func TestPressedAndLatestEvents(t *testing.T) {
	w := newTown(t)
	sup := engine.Actor{UserID: 0, Name: "督办员", Role: workflow.RoleSupervisor, UnitID: w.tree.ByCode("A").ID}
	for _, note := range []string{"请尽快调处", "再次督办"} {
		if _, err := w.e.Record(ctx, sup, w.cases["grid"].ID, workflow.Supervise, engine.Input{Version: w.version(t, "grid"), Note: note}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := w.db.Cases(ctx, engine.CaseFilter{Pressed: true, Limit: 10})
	if err != nil || !slices.Equal(w.keys(got), []string{"grid"}) {
		t.Fatalf("pressed: %v, %v", w.keys(got), err)
	}
	last, err := w.db.LatestEvents(ctx, w.ids("grid", "reg"), string(workflow.Supervise))
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 1 || last[w.cases["grid"].ID].Data.Note != "再次督办" || last[w.cases["grid"].ID].ActorName != "督办员" {
		t.Errorf("latest 督办: %+v", last)
	}
	later := w.e.Now().Add(time.Hour)
	w.e.Now = func() time.Time { return later }
	if _, err := w.e.Fire(ctx, sup, w.cases["grid"].ID, workflow.Escalate, engine.Input{Version: w.version(t, "grid"), Reason: "调解不成"}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := w.db.Cases(ctx, engine.CaseFilter{Pressed: true, Limit: 10}); len(got) != 0 {
		t.Errorf("a case pressed before its tier clock restarted is still pressed: %v", w.keys(got))
	}
}

// TestDueCases checks what the deadline scheduler is given, by location
// (A11, A12, A21) and then registration, and that a flagged deadline is not
// given again.
func TestDueCases(t *testing.T) {
	w := newTown(t)
	for _, tc := range []struct {
		name string
		at   time.Time
		want []string
	}{
		{"before any deadline", w.t0.Add(24 * time.Hour), nil},
		{"the desk's 2 days passed", w.t0.Add(2*24*time.Hour + time.Minute), []string{"reg"}},
		{"the grid's 3 days passed", w.t0.Add(4 * 24 * time.Hour), []string{"reg", "grid"}},
		{"the 回访 is due too", w.t0.Add(16 * 24 * time.Hour), []string{"reg", "agreed", "grid", "village"}},
	} {
		ids, err := w.db.DueCases(ctx, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if want := w.ids(tc.want...); !slices.Equal(ids, want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids, tc.want)
		}
	}
	at := w.t0.Add(4 * 24 * time.Hour)
	if _, err := w.e.Record(ctx, engine.System, w.cases["reg"].ID, workflow.FlagOverdue, engine.Input{At: at}); err != nil {
		t.Fatal(err)
	}
	ids, err := w.db.DueCases(ctx, at)
	if err != nil || !slices.Equal(ids, w.ids("grid")) {
		t.Errorf("after flagging reg: %v, %v", ids, err)
	}
}

// TestDuplicateSearch finds open cases by ID number, phone and names in a
// village; closed cases never count.
func TestDuplicateSearch(t *testing.T) {
	w := newTown(t)
	for _, tc := range []struct {
		name               string
		ids, phones, names []string
		units              []int64
		want               []string
	}{
		{"ID number: the closed case is left out", []string{zhangID}, nil, nil, nil, []string{"reg"}},
		{"phone, across towns", nil, []string{zhangPhone}, nil, nil, []string{"other", "reg"}},
		{"name in the village", nil, nil, []string{"王五"}, w.subtree("A1"), []string{"grid"}},
		{"name in another village", nil, nil, []string{"王五"}, w.subtree("A2"), nil},
		{"a name needs a village", nil, nil, []string{"王五"}, nil, nil},
		{"nothing to look for", nil, nil, nil, nil, nil},
	} {
		got, err := w.db.Duplicates(ctx, tc.ids, tc.phones, tc.names, tc.units)
		if err != nil {
			t.Fatal(err)
		}
		if keys := w.keys(got); !slices.Equal(keys, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, keys, tc.want)
		}
	}
}

// TestRecordsReadBack reads back what cases wrote: numbers and codes,
// timelines, agreements, referrals and the import key.
func TestRecordsReadBack(t *testing.T) {
	w := newTown(t)
	for _, by := range []string{w.cases["agreed"].Number, w.cases["agreed"].Code} {
		c, err := w.db.FindCaseBy(ctx, by)
		if err != nil || c.ID != w.cases["agreed"].ID || len(c.Parties) != 2 || c.Parties[0].Name != "张三丰" {
			t.Errorf("find by %s: %+v, %v", by, c, err)
		}
	}
	if _, err := w.db.FindCaseBy(ctx, "没有这个"); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("unknown number: %v", err)
	}
	if _, err := w.db.FindCase(ctx, 999999); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
	evs, err := w.db.Events(ctx, w.cases["agreed"].ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ev := range evs {
		names = append(names, string(ev.Name))
	}
	if want := []string{"open", "accept_grid", "agree"}; !slices.Equal(names, want) || evs[2].Data.AgreementKind != "oral" {
		t.Errorf("timeline %v, want %v; agree data %v", names, want, evs[2].Data)
	}
	ags, err := w.db.Agreements(ctx, w.cases["agreed"].ID)
	if err != nil || len(ags) != 1 || ags[0].Terms != "赔偿500元" || ags[0].Amount != 50000 || ags[0].Copies != 0 || ags[0].Tier != workflow.LevelGrid {
		t.Errorf("agreements: %+v, %v", ags, err)
	}
	sup := engine.Actor{Name: "督办员", Role: workflow.RoleSupervisor, UnitID: w.tree.ByCode("A").ID}
	if _, err := w.e.Fire(ctx, sup, w.cases["village"].ID, workflow.Refer, engine.Input{Version: w.version(t, "village"), Partner: "派出所", Reason: "有民转刑风险"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.Fire(ctx, engine.Actor{Name: "接待员", Role: workflow.RoleIntake, UnitID: w.tree.ByCode("A").ID},
		w.cases["village"].ID, workflow.PartnerClose, engine.Input{Version: w.version(t, "village"), Result: "已治安调解"}); err != nil {
		t.Fatal(err)
	}
	refs, err := w.db.Referrals(ctx, w.cases["village"].ID)
	if err != nil || len(refs) != 1 || refs[0].Partner != "AP名" || refs[0].PartnerUnitID != w.tree.ByCode("AP").ID ||
		refs[0].Result != "已治安调解" || refs[0].ResolvedAt == nil || refs[0].EventID == 0 {
		t.Errorf("referrals: %+v, %v", refs[0], err)
	}
	if ok, err := w.db.ReferredTo(ctx, w.cases["village"].ID, w.tree.ByCode("AP").ID); !ok || err != nil {
		t.Errorf("referred to its partner: %v, %v", ok, err)
	}
	if ok, _ := w.db.ReferredTo(ctx, w.cases["village"].ID, w.tree.ByCode("A").ID); ok {
		t.Error("referred to the town")
	}
	if seen, err := w.db.ImportedCase(ctx, "no such key"); seen || err != nil {
		t.Errorf("import key: %v, %v", seen, err)
	}
}

// TestLostRace hands the store a change decided on a version the case has
// left: nothing is written and the writer is told.
func TestLostRace(t *testing.T) {
	w := newTown(t)
	id := w.cases["grid"].ID
	_, err := w.db.Transition(ctx, id, func(c *engine.Case) (*engine.Change, error) {
		n := *c
		n.Version = c.Version + 1
		return &engine.Change{Case: &n, Version: c.Version - 1,
			Event: &engine.Event{Seq: n.Version, Name: workflow.AddNote.Step(), To: c.State, UnitID: c.HandlingUnitID, ActorName: "某人",
				Role: workflow.RoleMediator, At: w.e.Now()}}, nil
	})
	if engine.ErrorCode(err) != engine.ECONFLICT {
		t.Fatalf("stale version: %v", err)
	}
	boom := errors.New("boom")
	if _, err := w.db.Transition(ctx, id, func(*engine.Case) (*engine.Change, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("decide's error: %v", err)
	}
	if c, _ := w.db.FindCase(ctx, id); c.Version != w.cases["grid"].Version {
		t.Errorf("version moved to %d", c.Version)
	}
}

// TestUsersUnitsAndSettings covers the simple reads and writes.
func TestUsersUnitsAndSettings(t *testing.T) {
	w := newTown(t)
	a1 := w.tree.ByCode("A1")
	u := &engine.User{Name: "med", DisplayName: "调解员甲", Role: workflow.RoleMediator, UnitID: a1.ID}
	if err := w.e.CreateUser(ctx, u, "password123"); err != nil {
		t.Fatal(err)
	}
	if err := w.e.CreateUser(ctx, &engine.User{Name: "med", Role: workflow.RoleMediator, UnitID: a1.ID}, "password123"); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Errorf("a taken name: %v", err)
	}
	if got, err := w.db.FindUserByName(ctx, "med"); err != nil || got.ID != u.ID || got.DisplayName != "调解员甲" {
		t.Errorf("by name: %+v, %v", got, err)
	}
	if _, err := w.db.FindUser(ctx, 424242); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("unknown user: %v", err)
	}
	if us, err := w.db.Users(ctx, []int64{a1.ID}); err != nil || len(us) != 1 {
		t.Errorf("users of A1: %v, %v", us, err)
	}
	if err := w.db.SetPasswordHash(ctx, 424242, "x", false); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("password of an unknown user: %v", err)
	}
	renamed := &engine.Unit{Code: "A1", Name: "新名字", Level: workflow.LevelVillage}
	if err := w.e.SaveUnit(ctx, renamed, "A"); err != nil || renamed.ID != a1.ID {
		t.Fatalf("rename: %v (id %d, was %d)", err, renamed.ID, a1.ID)
	}
	units, err := w.db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range units {
		if x.Code == "A1" && x.Name != "新名字" {
			t.Errorf("A1 is named %s", x.Name)
		}
	}
	if err := w.db.SetSetting(ctx, "k", "three"); err != nil {
		t.Fatal(err)
	}
	if v, _ := w.db.Setting(ctx, "k"); v != "three" {
		t.Errorf("setting %q", v)
	}
	if v, err := w.db.Setting(ctx, "unset"); v != "" || err != nil {
		t.Errorf("unset setting: %q, %v", v, err)
	}
}

// TestAuditTrail writes audit rows and reads them back, by the actors'
// units and by case, newest first.
func TestAuditTrail(t *testing.T) {
	w := newTown(t)
	a11, b11 := w.tree.ByCode("A11").ID, w.tree.ByCode("B11").ID
	at := w.e.Now()
	if err := w.db.AddAudit(ctx,
		&engine.AuditEntry{At: at, ActorName: "甲", UnitID: a11, Action: engine.AuditUnmask, CaseID: w.cases["agreed"].ID, Detail: "/cases/1"},
		&engine.AuditEntry{At: at.Add(time.Second), ActorName: "乙", UnitID: b11, Action: engine.AuditUnmask, CaseID: w.cases["other"].ID},
	); err != nil {
		t.Fatal(err)
	}
	all, err := w.db.AuditEntries(ctx, nil, engine.AuditFilter{Limit: 10})
	if err != nil || len(all) != 2 || all[0].ActorName != "乙" || all[1].CaseNumber != w.cases["agreed"].Number || all[1].Detail != "/cases/1" {
		t.Fatalf("all: %+v, %v", all, err)
	}
	mine, _ := w.db.AuditEntries(ctx, w.subtree("A"), engine.AuditFilter{Limit: 10})
	one, _ := w.db.AuditEntries(ctx, nil, engine.AuditFilter{CaseID: w.cases["other"].ID, Limit: 10})
	if len(mine) != 1 || mine[0].ActorName != "甲" || len(one) != 1 || one[0].ActorName != "乙" {
		t.Errorf("town A: %+v; case other: %+v", mine, one)
	}
	if err := w.db.AddAudit(ctx, &engine.AuditEntry{At: at.Add(time.Hour), ActorName: "丙", Action: engine.AuditLoginFailed}); err != nil {
		t.Fatal(err)
	}
	failed, _ := w.db.AuditEntries(ctx, nil, engine.AuditFilter{Action: engine.AuditLoginFailed, Limit: 10})
	early, _ := w.db.AuditEntries(ctx, nil, engine.AuditFilter{From: at, To: at.Add(time.Second), Limit: 10})
	if len(failed) != 1 || failed[0].ActorName != "丙" || len(early) != 1 || early[0].ActorName != "甲" {
		t.Errorf("by action: %+v; by time: %+v", failed, early)
	}
	if err := w.db.PruneAudit(ctx, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if kept, _ := w.db.AuditEntries(ctx, nil, engine.AuditFilter{Limit: 10}); len(kept) != 1 || kept[0].ActorName != "丙" {
		t.Errorf("after pruning: %+v", kept)
	}
}

// TestSweeps keeps one sweep a month a grid: filing it again replaces it,
// as a correction does.
func TestSweeps(t *testing.T) {
	w := newTown(t)
	grid := w.tree.ByCode("A11").ID
	s := &report.Sweep{UnitID: grid, Month: "2026-10", SweptOn: "2026-10-03", Households: 40, DisputesFound: 2, FiledAt: w.e.Now()}
	if err := w.db.SaveSweep(ctx, s); err != nil || s.ID == 0 {
		t.Fatalf("file: %v", err)
	}
	if err := w.db.SaveSweep(ctx, &report.Sweep{UnitID: grid, Month: "2026-10", SweptOn: "2026-10-09", Households: 45, DisputesFound: 3, FiledAt: w.e.Now()}); err != nil {
		t.Errorf("a correction: %v", err)
	}
	got, err := w.db.Sweeps(ctx, w.subtree("A"), []string{"2026-10"})
	if err != nil || len(got) != 1 || got[0].SweptOn != "2026-10-09" || got[0].Households != 45 || got[0].DisputesFound != 3 {
		t.Errorf("sweeps: %+v, %v", got, err)
	}
}

// TestStatementCacheBound fires reports and case lists over scopes of every
// size from 1 to 60 units: a report's lists are one parameter, a case
// list's scope a power of two of them, so once every statement has run the
// statements cached grow only by the case lists' six other powers of two
// (1, 2, 4, 16, 32 and 64 besides town A's 8), a count and a page each, and
// the parties of a page of one case (read as one case's), and never pass
// the bound. On PostgreSQL none is cached here.
func TestStatementCacheBound(t *testing.T) {
	w := newTown(t)
	start, end := w.t0, w.t0.AddDate(0, 1, 0)
	all := w.tree.Subtree(w.tree.ByCode("A").ID)
	report := func(n int) {
		units := make([]int64, n)
		for i := range units {
			units[i] = all[i%len(all)] + int64(i/len(all))*1000
		}
		if _, err := w.db.ReportFacts(ctx, units, start, end); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.ReportPeriod(ctx, units, start, end, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.db.Cases(ctx, engine.CaseFilter{Units: units, Limit: n}); err != nil {
			t.Fatal(err)
		}
	}
	report(len(all))
	after := w.db.CachedStatements()
	for n := 1; n <= 60; n++ {
		report(n)
	}
	want := after + 13
	if w.db.Postgres() {
		want = 0 // its driver caches the statements itself
	}
	if got := w.db.CachedStatements(); got != want || got > store.StatementCacheSize {
		t.Errorf("cached statements: %d after the first report, %d after 60 more (bound %d)", after, got, store.StatementCacheSize)
	}
}

// TestNoNamesInSQL reads the store's sources: no state, event or activity
// of the workflow table is written into its SQL; the lists come from the
// table as parameters.
func TestNoNamesInSQL(t *testing.T) {
	var names []string
	for _, s := range workflow.States {
		names = append(names, string(s))
	}
	for _, e := range workflow.Events() {
		names = append(names, string(e))
	}
	for _, a := range workflow.Activities {
		names = append(names, string(a.Activity))
	}
	for _, r := range workflow.Roles {
		names = append(names, string(r))
	}
	literal := regexp.MustCompile(`'(` + strings.Join(names, "|") + `)'`)
	files, _ := filepath.Glob("*.go")
	migrations, _ := filepath.Glob("migrations/*.sql")
	for _, f := range append(files, migrations...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := literal.Find(b); m != nil {
			t.Errorf("%s writes %s into SQL", f, m)
		}
	}
}

// TestSessionRefreshes checks what a session's refresh writes: nothing when
// only its expiry moves by less than a minute (every page view refreshes
// the session of an idle timeout), the new expiry when it moves more, and
// the new data and user at once; that a refresh never creates a session
// (one ended stays ended); and that an expired session is not found and is
// pruned.
func TestSessionRefreshes(t *testing.T) {
	w := newTown(t)
	now := time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	s := &account.WebSession{Hash: "h1", Data: []byte("anonymous"), Expiry: now.Add(2 * time.Hour)}
	if err := w.db.SaveSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := w.db.FindSession(ctx, "h1", now); ok {
		t.Fatal("a refresh created a session")
	}
	if err := w.db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := w.db.CreateSession(ctx, s); err == nil {
		t.Error("a token stored twice")
	}
	expiry := func() time.Time {
		t.Helper()
		got, err := w.db.SessionExpiry(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	u := &engine.User{Name: "m", DisplayName: "调解员", Role: workflow.RoleMediator, UnitID: w.tree.ByCode("A11").ID, PasswordHash: "x"}
	if err := w.db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name   string
		data   string
		user   int64
		expiry time.Time
		want   time.Time
	}{
		{"thirty seconds later", "anonymous", 0, now.Add(2*time.Hour + 30*time.Second), now.Add(2 * time.Hour)},
		{"two minutes later", "anonymous", 0, now.Add(2*time.Hour + 2*time.Minute), now.Add(2*time.Hour + 2*time.Minute)},
		{"logged in ten seconds later", "user 1", u.ID, now.Add(2*time.Hour + 2*time.Minute + 10*time.Second), now.Add(2*time.Hour + 2*time.Minute + 10*time.Second)},
	} {
		if err := w.db.SaveSession(ctx, &account.WebSession{Hash: "h1", UserID: step.user, Data: []byte(step.data), Expiry: step.expiry}); err != nil {
			t.Fatal(err)
		}
		if got := expiry(); !got.Equal(step.want) {
			t.Errorf("%s: expiry %s, want %s", step.name, got, step.want)
		}
	}
	if data, ok, err := w.db.FindSession(ctx, "h1", now.Add(time.Hour)); err != nil || !ok || string(data) != "user 1" {
		t.Errorf("a live session: %q %v %v", data, ok, err)
	}
	if err := w.db.DeleteSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := w.db.SaveSession(ctx, &account.WebSession{Hash: "h1", UserID: u.ID, Data: []byte("user 1, later"), Expiry: now.Add(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := w.db.FindSession(ctx, "h1", now); ok {
		t.Error("a refresh brought an ended session back")
	}
	if err := w.db.CreateSession(ctx, &account.WebSession{Hash: "h1", UserID: u.ID, Data: []byte("user 1"), Expiry: now.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := w.db.FindSession(ctx, "h1", now.Add(3*time.Hour)); ok {
		t.Error("an expired session was found")
	}
	if err := w.db.PruneSessions(ctx, now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := w.db.FindSession(ctx, "h1", now); ok {
		t.Error("a pruned session was found")
	}
}
