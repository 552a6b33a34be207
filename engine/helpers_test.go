package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/workflow"
)

// env is an engine on a fresh real database, with a small tree of two towns
// and one account per role and unit that the tests need.
type env struct {
	*engine.Engine
	db    *store.DB
	clock *clock
	units map[string]*engine.Unit
	// actors by "role@unit code", e.g. "mediator@G11".
	actors map[string]engine.Actor
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var ctx = context.Background()

// Fire fires ev as a person who has just read the case: with the version
// it has now, unless the test gives one.
func (en *env) Fire(ctx context.Context, a engine.Actor, id int64, ev workflow.Event, in engine.Input) (*engine.Case, error) {
	in.Version = en.seen(ctx, id, in.Version)
	return en.Engine.Fire(ctx, a, id, ev, in)
}

// Record records act as a person who has just read the case.
func (en *env) Record(ctx context.Context, a engine.Actor, id int64, act workflow.Activity, in engine.Input) (*engine.Case, error) {
	in.Version = en.seen(ctx, id, in.Version)
	return en.Engine.Record(ctx, a, id, act, in)
}

// seen is the version a test's person saw: the one given, else the case's
// current one (any for a case that does not exist, which the engine then
// reports as missing).
func (en *env) seen(ctx context.Context, id int64, given int) int {
	if given != 0 {
		return given
	}
	if c, err := en.db.FindCase(ctx, id); err == nil {
		return c.Version
	}
	return 1
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvOn(tb, storetest.Open(tb))
}

// newEnvOn builds the test tree and accounts on db.
func newEnvOn(tb testing.TB, db *store.DB) *env {
	tb.Helper()
	e := engine.New(db)
	clk := &clock{now: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	e.Now = clk.Now
	en := &env{Engine: e, db: db, clock: clk, units: map[string]*engine.Unit{}, actors: map[string]engine.Actor{}}
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
		en.units[u.code] = unit
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
		u := &engine.User{Name: key, Role: a.role, UnitID: en.units[a.unit].ID, PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			tb.Fatal(err)
		}
		en.actors[key] = u.Actor()
	}
	return en
}

// newCase registers a plain case at grid G11 through the intake desk.
func (en *env) newCase(tb testing.TB) *engine.Case {
	tb.Helper()
	c, err := en.OpenCase(ctx, en.actors["intake@T1"], &engine.NewCase{
		Source: "当事人申请", Category: "邻里", LocationID: en.units["G11"].ID, People: 2, Risk: engine.RiskGreen,
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

// actorFor returns an actor that the row lets fire on c: its first grant.
func (en *env) actorFor(tb testing.TB, grants []workflow.Grant, c *engine.Case) engine.Actor {
	tb.Helper()
	if len(grants) == 0 {
		return engine.System
	}
	g := grants[0]
	switch {
	case g.Role == workflow.RoleMediator && g.Scope == workflow.AtHandlingUnit:
		for _, a := range en.actors {
			if a.Role == workflow.RoleMediator && a.UnitID == c.HandlingUnitID {
				return a
			}
		}
		tb.Fatalf("no mediator at unit %d", c.HandlingUnitID)
	case g.Role == workflow.RoleMediator:
		return en.actors["mediator@V1"]
	case g.Role == workflow.RolePartner:
		for _, a := range en.actors {
			if a.Role == workflow.RolePartner && a.UnitID == c.PartnerUnitID {
				return a
			}
		}
		return en.actors["partner@P1"]
	}
	return en.actors[string(g.Role)+"@T1"]
}

// validInput returns data that satisfies every field a row requires for c.
func (en *env) validInput(tr workflow.Transition, c *engine.Case) engine.Input {
	in := engine.Input{Version: c.Version}
	if tr.Target == workflow.ChosenUnit {
		in.Reason = "按当事人意愿分流"
	}
	for _, f := range tr.Requires {
		switch f {
		case workflow.FieldUnit:
			if tr.Target == workflow.ChildUnit {
				if c.HandlingUnitID == en.units["T1"].ID {
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
		case workflow.FieldVisit:
			in.Visit = &engine.FollowUp{Visited: "张三", Findings: "已履行，双方满意。"}
		}
	}
	return in
}

// pathTo lists events that bring a new case to each state.
var pathTo = map[workflow.State][]workflow.Event{
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

// caseIn returns a new case brought to state s through the engine.
func (en *env) caseIn(tb testing.TB, s workflow.State) *engine.Case {
	tb.Helper()
	c := en.newCase(tb)
	for _, ev := range pathTo[s] {
		tr, ok := workflow.Lookup(c.State, ev)
		if !ok {
			tb.Fatalf("path to %s: %s not allowed from %s", s, ev, c.State)
		}
		var err error
		if c, err = en.Fire(ctx, en.actorFor(tb, tr.Grants, c), c.ID, ev, en.validInput(tr, c)); err != nil {
			tb.Fatalf("path to %s: %s: %v", s, ev, err)
		}
	}
	if c.State != s {
		tb.Fatalf("path to %s ended in %s", s, c.State)
	}
	return c
}

// unchanged fails the test if the case moved from before.
func (en *env) unchanged(tb testing.TB, before *engine.Case, what string) {
	tb.Helper()
	after, err := en.db.FindCase(ctx, before.ID)
	if err != nil {
		tb.Fatal(err)
	}
	evs, err := en.db.Events(ctx, before.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if after.Version != before.Version || after.State != before.State || len(evs) != before.Version ||
		after.HandlingUnitID != before.HandlingUnitID {
		tb.Errorf("%s changed the case: state %s→%s, version %d→%d, %d events", what, before.State, after.State, before.Version, after.Version, len(evs))
	}
}
