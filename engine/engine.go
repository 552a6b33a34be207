// Package engine is the case core of the mediation system: its types
// (cases, parties, agreements, units, users, events), its one error type,
// and the use cases every capability builds on: open a case, fire an event
// or record an activity through the workflow table, route, compute
// deadlines, list and queue cases, mask parties and audit who saw them. It
// imports neither the web framework nor the ORM; persistence comes in
// through the Store interface.
//
// Each other capability is a room: a package under engine/ (report,
// casefile, account, notify, partner, importer, schedule, apply) with a
// narrow Store interface of its own and a Service over the engine. The
// rooms import the engine, never the other way round, and the store
// implements every room's interface.
package engine

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Engine runs the use cases. Set its fields before first use.
type Engine struct {
	Store Store
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Location is the towns' time zone: case numbers take their year, and
	// reports their months, from it.
	Location *time.Location
	// Policy is the towns' deadlines as configured; TownPolicies, by town
	// code, overrides it for some. The console's deadlines, when saved, go
	// over it (see TownsPolicy).
	Policy       Policy
	TownPolicies map[string]Policy
	Calendar     Calendar
	Routing      RoutingPolicy
	// Lists are the categories, sources and flags cases are registered
	// with (DESIGN §5), as configured; the console adds to them (see
	// CurrentLists).
	Lists Lists
	// console holds what the administrator saved on the console over the
	// configuration. It is swapped whole while requests read it, so that
	// a saved change takes effect at once.
	console atomic.Pointer[ConsoleRules]
	// AuditRetention is how long the audit trail keeps its rows; 0 keeps
	// them for good.
	AuditRetention time.Duration
	// Retention is how long the cases keep what they hold.
	Retention Retention
	// Subsidies is the 以案定补 schedule a case's archiving earns by, nil
	// for none.
	Subsidies SubsidySchedule
	// Deliver sends the users' notifications on through the webhook as
	// well; NotifyParties tells the parties with a phone on file of their
	// case's registration, acceptance and agreement (sent only).
	Deliver       bool
	NotifyParties bool
	// WebhookHosts are the hosts, by name, a partner body's webhook may
	// name although they are on this machine or the private network (see
	// InternalHost); the configuration's notify.allow_hosts.
	WebhookHosts []string
	// MaxAttachment bounds each attachment, MaxCaseAttachments all of a
	// case's together, in bytes.
	MaxAttachment      int64
	MaxCaseAttachments int64
	// Watchers, when set, names the owners the ledger gives the parties of
	// a new case, who are told of it.
	Watchers Watchers
	// Observer, when set, is told what the engine did, for metrics.
	Observer Observer

	// unmasked are the audit rows of unmasked views not written yet (see
	// FlushAudit).
	auditMu  sync.Mutex
	unmasked []*AuditEntry

	treeMu sync.Mutex
	tree   *Tree
}

// Observer is told of each event or activity the engine wrote, for metrics.
type Observer interface {
	Changed(name workflow.Step)
}

// DefaultLocation is the time zone of deadlines, numbers and report
// periods unless configured: China Standard Time.
func DefaultLocation() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// New returns an engine on s with the default clock, time zone and policies.
func New(s Store) *Engine {
	return &Engine{Store: s, Now: time.Now, Location: DefaultLocation(), Policy: DefaultPolicy(), Calendar: NationalCalendar(), Routing: DefaultRouting, Lists: DefaultLists,
		MaxAttachment: DefaultMaxAttachment, MaxCaseAttachments: DefaultMaxCaseAttachs, Subsidies: DefaultSubsidies()}
}

// ConsoleRules are the deadlines and lists the console saved, over the
// configuration's: Policy nil keeps the configured deadlines; Lists are the
// configured lists with the console's additions.
type ConsoleRules struct {
	Policy *Policy
	Lists  Lists
}

// SetConsole puts the console's rules over the configuration from now on.
func (e *Engine) SetConsole(r ConsoleRules) { e.console.Store(&r) }

// TownsPolicy returns the towns' deadlines now: the console's, or the
// configured ones.
func (e *Engine) TownsPolicy() Policy {
	if r := e.console.Load(); r != nil && r.Policy != nil {
		return *r.Policy
	}
	return e.Policy
}

// CurrentLists returns the categories, sources and flags now: the
// configured ones with the console's additions.
func (e *Engine) CurrentLists() Lists {
	if r := e.console.Load(); r != nil {
		return r.Lists
	}
	return e.Lists
}

// Tree returns the unit tree, loading it on first use.
func (e *Engine) Tree(ctx context.Context) (*Tree, error) {
	e.treeMu.Lock()
	defer e.treeMu.Unlock()
	if e.tree != nil {
		return e.tree, nil
	}
	units, err := e.Store.Units(ctx)
	if err != nil {
		return nil, err
	}
	committees, err := e.Store.Committees(ctx)
	if err != nil {
		return nil, err
	}
	t := NewTree(units)
	t.withCommittees(committees)
	e.tree = t
	return e.tree, nil
}

// TreeWith returns the tree, reloading it once if it lacks one of ids: another
// server may have added units since this one loaded them.
func (e *Engine) TreeWith(ctx context.Context, ids ...int64) (*Tree, error) {
	return e.treeHaving(ctx, ids, func(t *Tree, id int64) bool { return t.Unit(id) != nil })
}

// TreeWithCommittees returns the tree, reloading it once if it lacks one
// of the committees ids names: another server may have added it since
// this one loaded them.
func (e *Engine) TreeWithCommittees(ctx context.Context, ids ...int64) (*Tree, error) {
	return e.treeHaving(ctx, ids, func(t *Tree, id int64) bool { return t.Committee(id) != nil })
}

// treeHaving returns the tree, reloading it once if has is false for one
// of ids (0 standing for none).
func (e *Engine) treeHaving(ctx context.Context, ids []int64, has func(*Tree, int64) bool) (*Tree, error) {
	t, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if id != 0 && !has(t, id) {
			e.ForgetTree()
			return e.Tree(ctx)
		}
	}
	return t, nil
}

// ForgetTree drops the unit tree, to be loaded again on next use: after a
// ChangeCase of the units.
func (e *Engine) ForgetTree() {
	e.treeMu.Lock()
	e.tree = nil
	e.treeMu.Unlock()
}

// SaveUnit creates or updates a unit, given its parent's code ("" for a root).
func (e *Engine) SaveUnit(ctx context.Context, u *Unit, parentCode string) error {
	if err := CheckText(u); err != nil {
		return err
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	if err := t.Place(u, parentCode); err != nil {
		return err
	}
	if err := e.checkWebhook(u.Webhook); err != nil {
		return err
	}
	if err := e.staysInTown(ctx, t, u); err != nil {
		return err
	}
	defer e.ForgetTree()
	return e.Store.SaveUnit(ctx, u)
}

// staysInTown refuses to move a village or a grid whose cases lie there
// into another town. A case keeps the town it was registered in: its
// number, and the months' counts the reports above a town read, are that
// town's; moved, its place would say one town and its counts another.
func (e *Engine) staysInTown(ctx context.Context, t *Tree, u *Unit) error {
	old := t.ByCode(u.Code)
	if old == nil || (u.Level != workflow.LevelVillage && u.Level != workflow.LevelGrid) {
		return nil
	}
	from, to := t.Town(old.ID), t.Town(u.ParentID)
	if from == nil || to == nil || from.ID == to.ID {
		return nil
	}
	_, n, err := e.Store.Cases(ctx, CaseFilter{Units: t.Subtree(old.ID), WholeTowns: true, Limit: 1, CountUpTo: 1})
	if err != nil || n == 0 {
		return err
	}
	return Invalid("parent", "“%s”已有案件，不能移到%s：案件按登记时所在的镇(街道)编号和统计。", old.Name, to.Name)
}

// position says how actor stands relative to c.
func position(t *Tree, a Actor, c *Case) workflow.Position {
	switch a.Role {
	case workflow.RolePartner:
		return workflow.Position{Role: a.Role, AtPartner: atPartner(a, c)}
	case workflow.RoleParty:
		// A party's application is planned on a case not yet numbered (ID
		// 0), which its applicant may attach photos to.
		return workflow.Position{Role: a.Role, OwnCase: a.Case == c.ID}
	}
	return workflow.Position{
		Role:           a.Role,
		AtHandlingUnit: a.UnitID != 0 && a.UnitID == c.HandlingUnitID,
		InSubtree:      a.UnitID != 0 && (t.Contains(a.UnitID, c.HandlingUnitID) || t.Contains(a.UnitID, c.LocationUnitID)),
	}
}

// registers reports whether a member of staff may register disputes: the
// desk and supervisors anywhere in their subtree, mediators in their own
// unit. A partner's liaison refers disputes in instead (see OpenReferral).
func registers(r workflow.Role) bool {
	return r != workflow.RolePartner && workflow.May(workflow.FeatureRegister, r, "")
}

// Abilities are what a user may start from the menu, as FeatureTable says.
type Abilities struct {
	Register  bool // open a new dispute at the desk
	Doorstep  bool // 门前调: register and settle on the spot, a grid mediator
	Supervise bool // 督办: the overdue list of the subtree
	Report    bool // the monthly report of the subtree
	Sweep     bool // file the grid's monthly dispute sweep
	Audit     bool // read the audit trail
	Admin     bool // keep the units and accounts
	// Ledger reads the key persons' ledger and records contacts;
	// LedgerReview takes entries off it and presses overdue reviews.
	Ledger, LedgerReview bool
	// Assess opens the weekly 研判 of a town or a county; Registry keeps
	// the registry of mediators, committees and trainings; Subsidy lists
	// and adjusts 以案定补.
	Assess, Registry, Subsidy bool
}

// Abilities returns what the actor may start from the menu.
func (e *Engine) Abilities(ctx context.Context, a Actor) Abilities {
	level := e.level(ctx, a)
	may := func(f workflow.Feature) bool { return workflow.May(f, a.Role, level) }
	return Abilities{
		Register:  may(workflow.FeatureRegister),
		Doorstep:  may(workflow.FeatureDoorstep),
		Supervise: may(workflow.FeatureOverdue),
		Report:    may(workflow.FeatureReport),
		Sweep:     may(workflow.FeatureSweep),
		Audit:     may(workflow.FeatureAudit),
		Admin:     may(workflow.FeatureConsole),
		Ledger:    may(workflow.FeatureLedger), LedgerReview: may(workflow.FeatureLedgerReview), Assess: may(workflow.FeatureAssess),
		Registry: may(workflow.FeatureRegistry), Subsidy: may(workflow.FeatureSubsidy),
	}
}

// May refuses the actor a feature that FeatureTable does not give them.
func (e *Engine) May(ctx context.Context, a Actor, f workflow.Feature) error {
	if !workflow.May(f, a.Role, e.level(ctx, a)) {
		return Errorf(EFORBIDDEN, "%s", f.Refusal())
	}
	return nil
}

// level is the level of the actor's unit, "" when it is unknown.
func (e *Engine) level(ctx context.Context, a Actor) workflow.Level {
	t, err := e.TreeWith(ctx, a.UnitID)
	if err != nil {
		return ""
	}
	if u := t.Unit(a.UnitID); u != nil {
		return u.Level
	}
	return ""
}

// NoCase answers for a case that does not exist and for one outside the
// actor's subtree alike, so that nobody learns which ids exist.
func NoCase() error { return Errorf(ENOTFOUND, "案件不存在，或不在您单位的辖区内。") }

// CanSee reports whether the actor sees the case: it lies in their subtree,
// or, for a partner's liaison, it waits on their body or came from it.
func CanSee(t *Tree, a Actor, c *Case) bool {
	switch a.Role {
	case workflow.RolePartner:
		return partnerSees(a, c)
	case workflow.RoleParty:
		return position(t, a, c).OwnCase
	}
	return a.Role == workflow.RoleSystem || position(t, a, c).InSubtree
}

// at returns when an actor's step happens: now, or, for a replayed history
// or the scheduler, the time the input gives.
// When is the time a step of the actor's happens: the time given, for a
// history being replayed or the system's; now, for anyone else.
func (e *Engine) When(a Actor, given time.Time) time.Time { return e.at(a, given) }

func (e *Engine) at(a Actor, given time.Time) time.Time {
	if a.backdates() && !given.IsZero() {
		return given.UTC()
	}
	return e.Now().UTC()
}

// FindCase returns a case the actor may see. Returns ENOTFOUND if there is
// no such case, and EFORBIDDEN if it lies outside the actor's subtree.
func (e *Engine) FindCase(ctx context.Context, a Actor, id int64) (*Case, error) {
	c, err := e.Store.FindCase(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := e.TreeWith(ctx, c.HandlingUnitID, c.LocationUnitID, a.UnitID)
	if err != nil {
		return nil, err
	}
	if CanSee(t, a, c) {
		return c, nil
	}
	if a.Role == workflow.RolePartner {
		// A partner's liaison still reads a case referred to their body
		// before.
		if ok, err := e.Store.ReferredTo(ctx, c.ID, a.UnitID); err != nil || ok {
			return c, err
		}
	}
	return nil, NoCase()
}

// Cases lists the cases the actor may see that match f.
func (e *Engine) Cases(ctx context.Context, a Actor, f CaseFilter) ([]*Case, int, error) {
	if err := CheckText(&f); err != nil {
		return nil, 0, err
	}
	switch a.Role {
	case workflow.RoleSystem:
	case workflow.RolePartner:
		if a.UnitID == 0 {
			return nil, 0, nil
		}
		f.Units, f.Partner = nil, a.UnitID
	default:
		t, err := e.TreeWith(ctx, a.UnitID)
		if err != nil {
			return nil, 0, err
		}
		f.Units = t.Subtree(a.UnitID)
		if len(f.Units) == 0 {
			return nil, 0, nil
		}
		f.WholeTowns = t.Unit(a.UnitID).Level.Rank() >= workflow.LevelTown.Rank()
		f.TownUnits = f.Units
		if town := t.Town(a.UnitID); town != nil && !f.WholeTowns {
			f.TownUnits = t.Subtree(town.ID)
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	return e.Store.Cases(ctx, f)
}

// Allowed lists the transitions and activities actor may start on c now:
// the buttons of the case page.
func (e *Engine) Allowed(ctx context.Context, a Actor, c *Case) ([]workflow.Transition, []workflow.ActivityRule, error) {
	t, err := e.TreeWith(ctx, c.HandlingUnitID, c.LocationUnitID, a.UnitID)
	if err != nil {
		return nil, nil, err
	}
	pos := position(t, a, c)
	var trs []workflow.Transition
	for _, tr := range workflow.From(c.State) {
		if workflow.Permits(tr.Grants, pos) {
			trs = append(trs, tr)
		}
	}
	var acts []workflow.ActivityRule
	for _, r := range workflow.Activities {
		if _, _, ok := workflow.LookupActivity(c.State, r.Activity); ok && workflow.Permits(r.Grants, pos) && OfferActivity(c, r.Activity) {
			acts = append(acts, r)
		}
	}
	return trs, acts, nil
}

// NewCase is what the intake desk (or a grid mediator at the gate) registers.
type NewCase struct {
	Source       string
	Category     string
	LocationID   int64 // the grid where the dispute arose
	Amount       int64 // fen
	People       int
	Risk         Risk
	Flags        []string
	CrossVillage bool
	Summary      string
	Requests     string
	Parties      []*Party
	// At backdates the registration of a replayed history (see Replaying).
	At        time.Time
	ImportKey string
	// ExternalID is a partner system's own id for a dispute it refers in.
	ExternalID string
	// Sender is the partner body referring the dispute in (see
	// partner.Service.OpenReferral): its case may be located at its town.
	Sender int64
}

// Validate checks a new case against the unit tree and the lists, every
// field at once.
func (n *NewCase) Validate(t *Tree, l Lists) error {
	var v FieldErrors
	if !slices.Contains(l.SourceNames(), n.Source) {
		v.Add("source", "请选择案件来源。")
	}
	if !slices.Contains(l.CategoryNames(), n.Category) {
		v.Add("category", "请选择纠纷类型（%d类之一）。", len(l.Categories))
	}
	switch loc := t.Unit(n.LocationID); {
	case loc == nil:
		v.Add("location", "请选择纠纷发生地所在网格。")
	case n.Sender != 0 && loc.Level == workflow.LevelTown:
		// A partner rarely knows the grid: the desk sets it on acceptance.
	case loc.Level != workflow.LevelGrid:
		v.Add("location", "纠纷发生地必须是网格，“%s”是%s。", loc.Name, loc.Level.Label())
	case loc.ClosedAt != nil:
		v.Add("location", "“%s”已撤销，请选择现在的网格。", loc.Name)
	}
	if !FenInRange(n.Amount) {
		v.Add("amount", "涉及金额应在0至100亿元之间。")
	}
	if n.People < 1 || n.People > 100000 {
		v.Add("people", "涉及人数须在1到100000之间。")
	}
	if !n.Risk.Valid() {
		v.Add("risk", "请选择风险等级（绿、黄、红）。")
	}
	n.Summary = strings.TrimSpace(n.Summary)
	switch l := len([]rune(n.Summary)); {
	case l < 5:
		v.Add("summary", "请填写纠纷简要情况（至少5个字）。")
	case l > 5000:
		v.Add("summary", "纠纷简要情况不能超过5000字。")
	}
	if len([]rune(n.Requests)) > 5000 {
		v.Add("requests", "申请事项不能超过5000字。")
	}
	for i, f := range n.Flags {
		k, ok := l.FlagKey(f)
		if !ok {
			v.Add("flags", "未知的风险标记“%s”。", f)
			continue
		}
		n.Flags[i] = k
	}
	if len(n.Parties) > MaxParties {
		v.Add("parties", "一件纠纷最多登记%d位当事人（现有%d位）；人数众多的群体性纠纷，请登记代表人，并在“涉及人数”中填写总人数。", MaxParties, len(n.Parties))
		return v.Err()
	}
	applicant := false
	for i, p := range n.Parties {
		p.check(i, &v)
		applicant = applicant || p.Side == SideApplicant
	}
	if !applicant {
		v.Add("parties", "请至少登记一位申请方当事人。")
	}
	return v.Err()
}

// MaxParties is how many parties one case names at most: a dispute of
// many (a 群体性纠纷) names its representatives and counts the people.
const MaxParties = 100

// Step is an event or an activity done right after a case is registered,
// in the same transaction: the desk's acceptance, or a grid mediator's whole
// doorstep mediation (门前调).
type Step struct {
	Event    workflow.Event
	Activity workflow.Activity
	Input    Input
	// By, when set, says who did the step, given the case as it stood
	// before it; by default the one who registered the case did.
	By func(*Case) Actor
}

// OpenCase registers a new dispute and runs steps on it, all in one
// transaction: if any step is refused, nothing is saved. Intake staff and
// supervisors may register a dispute anywhere in their subtree; a mediator,
// only inside their own unit (门前调). The case number is issued in the same
// transaction and never reused.
func (e *Engine) OpenCase(ctx context.Context, a Actor, n *NewCase, steps ...Step) (*Case, error) {
	t, err := e.TreeWith(ctx, n.LocationID, a.UnitID)
	if err != nil {
		return nil, err
	}
	reg, err := e.Plan(ctx, t, a, n, steps)
	if err != nil {
		return nil, err
	}
	if err := e.Store.CreateCases(ctx, reg); err != nil {
		return nil, err
	}
	if e.Observer != nil {
		e.Observer.Changed(reg.First.Name)
		for _, ch := range reg.History {
			e.Observer.Changed(ch.Event.Name)
		}
	}
	return reg.last(), nil
}

// last returns the case as its registration leaves it.
func (r *Registration) last() *Case {
	if n := len(r.History); n > 0 {
		return r.History[n-1].Case
	}
	return r.Case
}

// Opening is one case of a bulk load: the dispute and what followed.
type Opening struct {
	Case  *NewCase
	Steps []Step
}

// OpenCases registers many cases with their histories in one transaction,
// all or none: for loading data in bulk (benchmarks, migrations).
func (e *Engine) OpenCases(ctx context.Context, a Actor, items []Opening) error {
	t, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	regs := make([]*Registration, len(items))
	for i, it := range items {
		if regs[i], err = e.Plan(ctx, t, a, it.Case, it.Steps); err != nil {
			return fmt.Errorf("case %d: %w", i+1, err)
		}
	}
	return e.Store.CreateCases(ctx, regs...)
}

// Plan builds a new case and runs steps on it in memory, returning all there
// is to write.
func (e *Engine) Plan(ctx context.Context, t *Tree, a Actor, n *NewCase, steps []Step) (*Registration, error) {
	if err := CheckText(n); err != nil {
		return nil, err
	}
	if err := e.checkDates(&Input{At: n.At}); err != nil {
		return nil, err
	}
	for _, s := range steps {
		if err := CheckText(&s.Input); err != nil {
			return nil, err
		}
		if err := e.checkDates(&s.Input); err != nil {
			return nil, err
		}
	}
	c, first, format, err := e.prepareCase(t, a, n)
	if err != nil {
		return nil, err
	}
	pl := &plan{first: first}
	ctx = context.WithValue(ctx, planKey{}, pl)
	cur := c
	for i, s := range steps {
		by := a
		if s.By != nil {
			by = s.By(cur)
		}
		var ch *Change
		if s.Event != "" {
			ch, err = e.Decide(ctx, t, by, cur, s.Event, s.Input)
		} else {
			ch, err = e.DecideActivity(ctx, t, by, cur, s.Activity, s.Input)
		}
		if err != nil {
			return nil, &StepError{i, err}
		}
		e.Notices(t, by, cur, ch)
		pl.history = append(pl.history, ch)
		cur = ch.Case
	}
	reg := &Registration{Case: c, Number: format, First: first, History: pl.history}
	if err := e.announce(ctx, a, reg); err != nil {
		return nil, err
	}
	return reg, nil
}

// records is what the workflow's checks read of a case's earlier records:
// the store's, or the plan's so far while a history is planned (see Plan),
// which nothing has written yet.
type records interface {
	Events(ctx context.Context, caseID int64) ([]*Event, error)
	Agreements(ctx context.Context, caseID int64) ([]*Agreement, error)
	Sessions(ctx context.Context, caseID int64) ([]*Session, error)
	Confirmations(ctx context.Context, caseID int64) ([]*Confirmation, error)
}

type planKey struct{}

// plan is a history being planned: its first event and the changes so far.
// Its records have no ids yet: the store gives a confirmation without an
// agreement id the latest agreement of its case.
type plan struct {
	first   *Event
	history []*Change
}

func (e *Engine) records(ctx context.Context) records {
	if p, ok := ctx.Value(planKey{}).(*plan); ok {
		return p
	}
	return e.Store
}

func (p *plan) Events(context.Context, int64) ([]*Event, error) {
	out := []*Event{p.first}
	for _, ch := range p.history {
		out = append(out, ch.Event)
	}
	return out, nil
}

func (p *plan) Agreements(context.Context, int64) ([]*Agreement, error) {
	return planned(p.history, func(ch *Change) *Agreement { return ch.Agreement }), nil
}

func (p *plan) Sessions(context.Context, int64) ([]*Session, error) {
	return planned(p.history, func(ch *Change) *Session { return ch.Session }), nil
}

func (p *plan) Confirmations(context.Context, int64) ([]*Confirmation, error) {
	return planned(p.history, func(ch *Change) *Confirmation { return ch.Confirmation }), nil
}

// planned collects one kind of record from the changes of a plan.
func planned[T any](history []*Change, of func(*Change) *T) []*T {
	var out []*T
	for _, ch := range history {
		if r := of(ch); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// StepError says which step of a plan was refused; the engine's error
// helpers see through it to the reason.
type StepError struct {
	Index int // from 0
	Err   error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %d: %v", e.Index+1, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// Suggest returns the routing suggestion for a new dispute's facts.
func (e *Engine) Suggest(f Facts) Route { return e.Routing.Suggest(f) }

// prepareCase checks a new case and builds it with its first event and the
// format of its number, in memory.
func (e *Engine) prepareCase(t *Tree, a Actor, n *NewCase) (*Case, *Event, func(int) string, error) {
	if a.Role == workflow.RolePartner && (n.Sender == 0 || n.Sender != a.UnitID) {
		return nil, nil, nil, Errorf(EFORBIDDEN, "联动单位移送纠纷须经移送入口。")
	}
	if err := n.Validate(t, e.CurrentLists()); err != nil {
		return nil, nil, nil, err
	}
	handling := t.Town(n.LocationID)
	switch {
	case a.Role == workflow.RoleSystem, a.Role == workflow.RolePartner:
	case a.Role == workflow.RoleParty:
		// A party's own application (人民调解法 Art. 17) waits for the
		// desk of the town where the dispute arose.
		if n.Source != SourceApplication {
			return nil, nil, nil, Errorf(EFORBIDDEN, "当事人只能申请调解。")
		}
	case registers(a.Role):
		if !t.Contains(a.UnitID, n.LocationID) {
			return nil, nil, nil, Errorf(EFORBIDDEN, "您只能登记本单位辖区内的纠纷。")
		}
		if a.Role == workflow.RoleMediator {
			handling = t.Unit(a.UnitID)
		}
	default:
		return nil, nil, nil, Errorf(EFORBIDDEN, "%s不能登记案件。", a.Role.Label())
	}
	town := t.Town(n.LocationID)
	if town == nil || handling == nil {
		return nil, nil, nil, Invalid("location", "纠纷发生地不属于任何镇(街道)。")
	}
	at := e.at(a, n.At)
	code, err := publicCode()
	if err != nil {
		return nil, nil, nil, err
	}
	p := e.PolicyOf(t, n.LocationID)
	due := e.due(p, at, p.StateDays(workflow.Registered))
	// A grave dispute is taken up within hours, not days (DESIGN §10).
	if h := p.ResponseHours[ResponseRisk(n.Risk, n.Flags)]; h > 0 && at.Add(time.Duration(h)*time.Hour).Before(*due) {
		respond := at.Add(time.Duration(h) * time.Hour)
		due = &respond
	}
	c := &Case{
		TownID: town.ID, Year: at.In(e.Location).Year(), Code: code,
		State: workflow.Registered, Version: 1,
		LocationUnitID: n.LocationID, HandlingUnitID: handling.ID,
		Source: n.Source, Category: n.Category, Amount: n.Amount, People: n.People,
		Risk: n.Risk, Flags: n.Flags, CrossVillage: n.CrossVillage, Summary: n.Summary, Requests: n.Requests,
		OpenedAt: at, LastEventAt: at, MovedAt: &at, TierStartedAt: &at, DueAt: due,
		CreatedBy: a.UserID, ImportKey: n.ImportKey, Parties: n.Parties,
		SenderUnitID: n.Sender, ExternalID: n.ExternalID,
	}
	first := &Event{Seq: 1, Name: workflow.Opened, To: workflow.Registered, UnitID: handling.ID,
		ActorID: a.UserID, ActorName: a.Name, Role: a.Role, At: at,
		Data: EventData{Source: n.Source, Category: n.Category}, DueAt: c.DueAt}
	format := func(seq int) string {
		return fmt.Sprintf("%s调〔%d〕%04d号", town.CasePrefix, c.Year, seq)
	}
	return c, first, format, nil
}

// publicCode returns a random code that a party can read out on the phone:
// no 0/O or 1/I to confuse.
func publicCode() (string, error) {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// Agreements returns the agreements of a case the actor may see.
func (e *Engine) Agreements(ctx context.Context, a Actor, id int64) ([]*Agreement, error) {
	c, err := e.FindCase(ctx, a, id)
	if err != nil {
		return nil, err
	}
	ags, err := e.Store.Agreements(ctx, id)
	if err != nil || a.Role != workflow.RolePartner {
		return ags, err
	}
	return SharedWith(a, c, ags), nil
}

// Mediators returns the mediators of a unit, for assigning cases.
func (e *Engine) Mediators(ctx context.Context, unitID int64) ([]*User, error) {
	users, err := e.Store.Users(ctx, []int64{unitID})
	if err != nil {
		return nil, err
	}
	var out []*User
	for _, u := range users {
		if u.Role == workflow.RoleMediator {
			out = append(out, u)
		}
	}
	return out, nil
}

// Retention is how long the cases keep what they hold (README, Retention).
// A case taken into mediation has a file (卷宗), an archive the committee
// keeps for the period its cover states; its appraisal and destruction
// when that period ends are an archivist's decision, not the system's. A
// case closed without being taken into mediation has no file: its parties'
// particulars and its attachments are kept only as long as UnfiledYears
// says (个人信息保护法 Art. 19, 47).
type Retention struct {
	// File is the retention (保管期限) each file's cover states: 永久, 长期,
	// 短期 or a number of years such as 30年; "" states 长期.
	File string
	// UnfiledYears is how many years after closing a case never taken into
	// mediation keeps its parties' particulars and attachments; 0 keeps
	// them for good.
	UnfiledYears int
}

// FileRetention returns the retention a file's cover states.
func (r Retention) FileRetention() string {
	if r.File == "" {
		return "长期"
	}
	return r.File
}
