// Package enginetest builds the engine and its rooms on a fresh real
// database with a small tree of two towns and one account per role and unit
// that the tests need. Only tests import it.
package enginetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/apply"
	"github.com/grassroots/mediation/engine/casefile"
	"github.com/grassroots/mediation/engine/importer"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/notify"
	"github.com/grassroots/mediation/engine/partner"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/engine/subsidy"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

// Env is an engine and its rooms on a fresh real database, with a small
// tree of two towns and one account per role and unit that the tests need.
type Env struct {
	*engine.Engine
	DB    *store.DB
	Clock *Clock
	Units map[string]*engine.Unit
	// Actors by "role@unit code", e.g. "mediator@G11".
	Actors map[string]engine.Actor
	// The rooms, on the same engine and database.
	Reports   *report.Service
	Accounts  *account.Service
	Notices   *notify.Service
	Files     *casefile.Service
	Partners  *partner.Service
	Imports   *importer.Service
	Scheduler *schedule.Service
	Parties   *apply.Service
	Queues    *queue.Service
	Ledger    *ledger.Service
	Registry  *registry.Service
	Subsidies *subsidy.Service
}

// Clock is the engine's clock in a test: it moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var ctx = context.Background()

// Fire fires ev as a person who has just read the case: with the version
// it has now, unless the test gives one.
func (en *Env) Fire(ctx context.Context, a engine.Actor, id int64, ev workflow.Event, in engine.Input) (*engine.Case, error) {
	in.Version = en.Seen(ctx, id, in.Version)
	return en.Engine.Fire(ctx, a, id, ev, in)
}

// Record records act as a person who has just read the case.
func (en *Env) Record(ctx context.Context, a engine.Actor, id int64, act workflow.Activity, in engine.Input) (*engine.Case, error) {
	in.Version = en.Seen(ctx, id, in.Version)
	return en.Engine.Record(ctx, a, id, act, in)
}

// Seen is the version a test's person saw: the one given, else the case's
// current one (any for a case that does not exist, which the engine then
// reports as missing).
func (en *Env) Seen(ctx context.Context, id int64, given int) int {
	if given != 0 {
		return given
	}
	if c, err := en.DB.FindCase(ctx, id); err == nil {
		return c.Version
	}
	return 1
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// ImportFile imports a ledger file through the engine, failing the test on
// an error of the file as a whole; the lines' errors are in the result.
func (en *Env) ImportFile(tb testing.TB, path string, dry bool) *importer.ImportResult {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := en.Imports.Import(ctx, f, importer.ImportOptions{DryRun: dry})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// Seeds adds each line of the seed file name, under the repository's
// testdata/fuzz, to the fuzz target f.
func Seeds(f *testing.F, name string) {
	f.Helper()
	dir, err := os.Getwd()
	if err != nil {
		f.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "testdata", "fuzz", name))
		if err == nil {
			for line := range strings.SplitSeq(string(b), "\n") {
				if line != "" {
					f.Add(line)
				}
			}
			return
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			f.Fatalf("no testdata/fuzz/%s above the test", name)
		}
		dir = parent
	}
}

// New builds the test tree and accounts on a fresh database.
func New(tb testing.TB) *Env {
	tb.Helper()
	return On(tb, storetest.Open(tb))
}

// TwoServers builds the environment on a fresh database through one
// connection pool and returns a second pool on the same database, as a
// second server would have; both close when the test ends.
func TwoServers(tb testing.TB) (*Env, *store.DB) {
	tb.Helper()
	dsn := storetest.DSN(tb)
	pools := make([]*store.DB, 2)
	for i := range pools {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		pools[i] = db
	}
	return On(tb, pools[0]), pools[1]
}

// On builds the test tree and accounts on db.
func On(tb testing.TB, db *store.DB) *Env {
	tb.Helper()
	e := engine.New(db)
	clk := &Clock{now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	e.Now = clk.Now
	en := &Env{Engine: e, DB: db, Clock: clk, Units: map[string]*engine.Unit{}, Actors: map[string]engine.Actor{},
		Reports: report.New(e, db), Accounts: account.New(e, db), Notices: notify.New(e, db),
		Files: casefile.New(e, db), Imports: importer.New(e, db),
		Partners: partner.New(e, db), Scheduler: schedule.New(e, db),
		Parties: apply.New(e, db), Queues: queue.New(e, db), Ledger: ledger.New(e, db),
		Registry: registry.New(e, db), Subsidies: subsidy.New(e, db)}
	e.Watchers = en.Ledger
	for _, u := range []struct{ code, name, level, parent, prefix, kind string }{
		{"T1", "油车港镇", "town", "", "油", ""},
		{"V1", "麟湖村", "village", "T1", "", ""},
		{"G11", "麟湖村第1网格", "grid", "V1", "", ""},
		{"G12", "麟湖村第2网格", "grid", "V1", "", ""},
		{"V2", "马厍村", "village", "T1", "", ""},
		{"G21", "马厍村第1网格", "grid", "V2", "", ""},
		{"T2", "新塍镇", "town", "", "新", ""},
		{"V3", "洛东村", "village", "T2", "", ""},
		{"G31", "洛东村第1网格", "grid", "V3", "", ""},
		{"P1", "油车港派出所", "partner", "T1", "", "派出所"},
		{"P2", "油车港人民法庭", "partner", "T1", "", "法庭"},
		{"P3", "新塍派出所", "partner", "T2", "", "派出所"},
	} {
		unit := &engine.Unit{Code: u.code, Name: u.name, Level: workflow.Level(u.level), CasePrefix: u.prefix, Kind: u.kind}
		if err := e.SaveUnit(ctx, unit, u.parent); err != nil {
			tb.Fatal(err)
		}
		en.Units[u.code] = unit
	}
	for _, a := range []struct {
		role workflow.Role
		unit string
	}{
		{workflow.RoleIntake, "T1"}, {workflow.RoleSupervisor, "T1"}, {workflow.RoleAdmin, "T1"},
		{workflow.RoleMediator, "T1"}, {workflow.RoleMediator, "V1"}, {workflow.RoleMediator, "G11"},
		{workflow.RoleMediator, "G12"}, {workflow.RoleMediator, "V2"},
		{workflow.RoleIntake, "T2"}, {workflow.RoleSupervisor, "T2"}, {workflow.RoleMediator, "T2"},
		{workflow.RolePartner, "P1"}, {workflow.RolePartner, "P2"}, {workflow.RolePartner, "P3"},
	} {
		key := string(a.role) + "@" + a.unit
		u := &engine.User{Name: key, Role: a.role, UnitID: en.Units[a.unit].ID, PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		en.Actors[key] = u.Actor()
	}
	return en
}

// NewCase registers a plain case at grid G11 through the intake desk.
func (en *Env) NewCase(tb testing.TB) *engine.Case {
	tb.Helper()
	c, err := en.OpenCase(ctx, en.Actors["intake@T1"], &engine.NewCase{
		Source: "当事人申请", Category: "邻里", LocationID: en.Units["G11"].ID, People: 2, Risk: engine.RiskGreen,
		Summary: "两户因排水沟堵塞发生争执。",
		Parties: []*engine.Party{
			{Side: engine.SideApplicant, Name: "张三", Phone: "13800000001", Consent: "yes"},
			{Side: engine.SideRespondent, Name: "李四", Consent: "yes"},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// ActorFor returns an actor that the row lets fire on c: its first grant.
func (en *Env) ActorFor(tb testing.TB, grants []workflow.Grant, c *engine.Case) engine.Actor {
	tb.Helper()
	if len(grants) == 0 {
		return engine.System
	}
	g := grants[0]
	switch {
	case g.Role == workflow.RoleMediator && g.Scope == workflow.AtHandlingUnit:
		for _, a := range en.Actors {
			if a.Role == workflow.RoleMediator && a.UnitID == c.HandlingUnitID {
				return a
			}
		}
		tb.Fatalf("no mediator at unit %d", c.HandlingUnitID)
	case g.Role == workflow.RoleMediator:
		return en.Actors["mediator@V1"]
	case g.Role == workflow.RoleParty:
		return engine.PartyActor(c, c.Parties[0])
	case g.Role == workflow.RolePartner:
		for _, a := range en.Actors {
			if a.Role == workflow.RolePartner && a.UnitID == c.PartnerUnitID {
				return a
			}
		}
		return en.Actors["partner@P1"]
	}
	return en.Actors[string(g.Role)+"@T1"]
}

// ValidInput returns data that satisfies every field a row requires for c.
func (en *Env) ValidInput(tr workflow.Transition, c *engine.Case) engine.Input {
	in := engine.Input{Version: c.Version}
	if tr.Target == workflow.ChosenUnit {
		in.Reason = "按当事人意愿分流"
	}
	for _, f := range tr.Requires {
		switch f {
		case workflow.FieldUnit:
			if tr.Target == workflow.ChildUnit {
				if c.HandlingUnitID == en.Units["T1"].ID {
					in.Unit = "V1"
				} else {
					in.Unit = "G11"
				}
			}
		case workflow.FieldReason:
			in.Reason = "双方分歧较大"
			if tr.Reasons != nil {
				in.Reason = tr.Reasons[0]
			}
		case workflow.FieldRoutes:
			in.Routes = []string{"诉讼"}
		case workflow.FieldPartner:
			in.Partner = "派出所"
		case workflow.FieldParty:
			in.Party = "张三"
		case workflow.FieldResult:
			in.Result = "已依法处理"
		case workflow.FieldConsent:
			in.Consent = true
		case workflow.FieldAgreement:
			in.Agreement = &engine.Agreement{Kind: engine.AgreementOral, Terms: "李四疏通水沟并赔偿200元。", Amount: 20000, OralConfirmed: true}
		case workflow.FieldMajor:
			in.Major = &engine.MajorReport{Measures: "镇综治中心已约谈双方。", Next: "三日内组织联合调解。"}
		case workflow.FieldVisit:
			in.Visit = &engine.FollowUp{Visited: "张三", Findings: "已履行，双方满意。"}
		case workflow.FieldRating:
			in.Rating = &engine.Rating{Value: "satisfied"}
		}
	}
	return in
}

// WrittenCase fills a case through the engine with every record a mediated
// and fulfilled case has: the notice of rights, a session, a written
// agreement, judicial confirmation applied and granted, a follow-up visit.
func (en *Env) WrittenCase(t *testing.T) *engine.Case {
	t.Helper()
	med := en.Actors["mediator@G11"]
	c := en.NewCase(t)
	for _, step := range []struct {
		event    workflow.Event
		activity workflow.Activity
		who      engine.Actor
		in       engine.Input
	}{
		{event: workflow.AcceptGrid, who: en.Actors["intake@T1"]},
		{activity: workflow.RightsNotice, who: med, in: engine.Input{Notice: &engine.Notice{To: "张三、李四"}}},
		{activity: workflow.LogSession, who: med, in: engine.Input{Session: &engine.Session{Place: "网格服务站",
			Participants: "张三、李四、网格长", Record: "双方陈述事实，调解员释法说理。"}}},
		{event: workflow.Agree, who: med, in: engine.Input{Agreement: &engine.Agreement{Kind: engine.AgreementWritten,
			Facts: "排水沟堵塞致张三家院子积水。", Terms: "李四三日内疏通水沟。\n李四赔偿张三200元。", Performance: "当面支付",
			Amount: 20000, Place: "网格服务站"}}},
		{activity: workflow.Confirm, who: med, in: engine.Input{Confirmation: &engine.Confirmation{Kind: engine.ConfirmApplied,
			Court: "秀洲区人民法院"}}},
		{activity: workflow.Confirm, who: med, in: engine.Input{Confirmation: &engine.Confirmation{Kind: engine.ConfirmConfirmed,
			Number: "（2026）浙0411民特12号"}}},
		{event: workflow.Fulfil, who: med, in: engine.Input{Visit: &engine.FollowUp{Visited: "张三", Findings: "已履行完毕。"}}},
	} {
		en.Clock.Advance(24 * time.Hour)
		var err error
		if step.event != "" {
			c, err = en.Fire(ctx, step.who, c.ID, step.event, step.in)
		} else {
			c, err = en.Record(ctx, step.who, c.ID, step.activity, step.in)
		}
		if err != nil {
			t.Fatalf("%s%s: %v", step.event, step.activity, err)
		}
	}
	return c
}

// PathTo lists events that bring a new case to each state.
var PathTo = map[workflow.State][]workflow.Event{
	workflow.Registered:    nil,
	workflow.Grid:          {workflow.AcceptGrid},
	workflow.Village:       {workflow.AcceptVillage},
	workflow.Town:          {workflow.AcceptTown},
	workflow.Referred:      {workflow.Refer},
	workflow.Agreed:        {workflow.AcceptGrid, workflow.Agree},
	workflow.Fulfilled:     {workflow.AcceptGrid, workflow.Agree, workflow.Fulfil},
	workflow.Failed:        {workflow.AcceptGrid, workflow.Fail},
	workflow.Withdrawn:     {workflow.Withdraw},
	workflow.Rejected:      {workflow.Reject},
	workflow.PartnerClosed: {workflow.Refer, workflow.PartnerClose},
	workflow.Unperformed:   {workflow.AcceptGrid, workflow.Agree, workflow.CloseUnperformed},
}

// CaseIn returns a new case brought to state s through the engine.
func (en *Env) CaseIn(tb testing.TB, s workflow.State) *engine.Case {
	tb.Helper()
	c := en.NewCase(tb)
	for _, ev := range PathTo[s] {
		tr, ok := workflow.Lookup(c.State, ev)
		if !ok {
			tb.Fatalf("path to %s: %s not allowed from %s", s, ev, c.State)
		}
		var err error
		if c, err = en.Fire(ctx, en.ActorFor(tb, tr.Grants, c), c.ID, ev, en.ValidInput(tr, c)); err != nil {
			tb.Fatalf("path to %s: %s: %v", s, ev, err)
		}
	}
	if c.State != s {
		tb.Fatalf("path to %s ended in %s", s, c.State)
	}
	return c
}

// Unchanged fails the test if the case moved from before.
func (en *Env) Unchanged(tb testing.TB, before *engine.Case, what string) {
	tb.Helper()
	after, err := en.DB.FindCase(ctx, before.ID)
	if err != nil {
		tb.Fatal(err)
	}
	evs, err := en.DB.Events(ctx, before.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if after.Version != before.Version || after.State != before.State || len(evs) != before.Version ||
		after.HandlingUnitID != before.HandlingUnitID {
		tb.Errorf("%s changed the case: state %s→%s, version %d→%d, %d events", what, before.State, after.State, before.Version, after.Version, len(evs))
	}
}
