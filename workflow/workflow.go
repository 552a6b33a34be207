// Package workflow declares the three-tier mediation workflow as one table of
// data: the states, the events between them, who may fire each event and what
// data each requires. Everything else (the looplab/fsm machine, the buttons a
// user sees, the permission check, the API and the state diagram) is derived
// from the table, so a rule is written exactly once.
//
// The package imports nothing of the project.
package workflow

// State is where a case stands. The three mediation tiers are states, so moving
// a case between levels is a transition like any other.
type State string

// The states of DESIGN §4.
const (
	Registered    State = "registered"
	Grid          State = "grid"
	Village       State = "village"
	Town          State = "town"
	Referred      State = "referred"
	Agreed        State = "agreed"
	Fulfilled     State = "fulfilled"
	Failed        State = "failed"
	Withdrawn     State = "withdrawn"
	Rejected      State = "rejected"
	PartnerClosed State = "partner_closed"
	Unperformed   State = "unperformed"
)

// Kind says what a state means for a case: where it waits and whether it is
// still open.
type Kind int

const (
	// KindIntake: waiting on the desk's decision.
	KindIntake Kind = iota + 1
	// KindTier: being mediated at one of the three levels.
	KindTier
	// KindPartner: waiting on a partner body's feedback.
	KindPartner
	// KindAgreed: an agreement in force, waiting on performance and 回访.
	KindAgreed
	// KindClosed: nothing more happens to the case.
	KindClosed
)

// StateDef declares one state: its Chinese name, its kind and its deadline
// policy (DESIGN §4).
type StateDef struct {
	State State
	Label string
	Kind  Kind
	// Days is the default of the state's own deadline, in days, which a
	// town's configuration may change; 0 for a state without one. Each
	// state starts a fresh clock; the agreed state's runs from the
	// agreement's performance date to the follow-up visit (回访).
	Days int
	// Deadline names the state's own deadline.
	Deadline string
	// Escalates says that when the state's deadline passes the scheduler
	// moves the case up a tier (超期自动上报) by default, and that a town
	// may choose it; for the other states it only flags the case.
	Escalates bool
}

// OverallDays is the default of the whole mediation's deadline, from the
// first acceptance (一般在一个月内调结); longer only with both parties'
// recorded consent.
const OverallDays = 30

// StateTable declares the states of DESIGN §4 in the order the UI and the
// reports show them. Whether a state is open, active or terminal is read
// from its kind here and from the transitions of Table, nowhere else; its
// deadline's defaults, from its Days and Escalates.
var StateTable = []StateDef{
	{State: Registered, Label: "已登记·待受理", Kind: KindIntake, Days: 2, Deadline: "受理审查期限"},
	{State: Grid, Label: "网格调解中", Kind: KindTier, Days: 3, Deadline: "网格调解期限", Escalates: true},
	{State: Village, Label: "村(社区)调解中", Kind: KindTier, Days: 7, Deadline: "村(社区)调解期限", Escalates: true},
	{State: Town, Label: "镇(街道)调解中", Kind: KindTier, Days: 20, Deadline: "镇(街道)调解期限"},
	{State: Referred, Label: "已移交·待反馈", Kind: KindPartner, Days: 15, Deadline: "移交反馈期限"},
	{State: Agreed, Label: "已达成协议·履行中", Kind: KindAgreed, Days: 15, Deadline: "回访期限"},
	{State: Fulfilled, Label: "履行完毕·结案", Kind: KindClosed},
	{State: Failed, Label: "调解终止", Kind: KindClosed},
	{State: Withdrawn, Label: "当事人撤回", Kind: KindClosed},
	{State: Rejected, Label: "不予受理", Kind: KindClosed},
	{State: PartnerClosed, Label: "移交办结", Kind: KindClosed},
	{State: Unperformed, Label: "未履行·告知诉讼", Kind: KindClosed},
}

// DeadlineStates lists the states with a deadline of their own, in table
// order.
func DeadlineStates() []State { return statesWhere(func(d StateDef) bool { return d.Days > 0 }) }

// Def returns the state's declaration, false for an undeclared state.
func (s State) Def() (StateDef, bool) { return s.def() }

// States lists every state in table order.
var States = statesWhere(func(StateDef) bool { return true })

func statesWhere(keep func(StateDef) bool) []State {
	var out []State
	for _, d := range StateTable {
		if keep(d) {
			out = append(out, d.State)
		}
	}
	return out
}

// stateIndex and leaves are StateTable and Table indexed once: states are
// asked of for every case of every report.
var (
	stateIndex = func() map[State]StateDef {
		m := map[State]StateDef{}
		for _, d := range StateTable {
			m[d.State] = d
		}
		return m
	}()
	leaves = func() map[State]bool {
		m := map[State]bool{}
		for _, t := range Table {
			for _, s := range t.From {
				m[s] = true
			}
		}
		return m
	}()
)

func (s State) def() (StateDef, bool) {
	d, ok := stateIndex[s]
	return d, ok
}

// Label returns the state's Chinese name.
func (s State) Label() string {
	if d, ok := s.def(); ok {
		return d.Label
	}
	return string(s)
}

// Valid reports whether s is one of the declared states.
func (s State) Valid() bool {
	_, ok := s.def()
	return ok
}

// Kind returns the state's kind, 0 for an undeclared state.
func (s State) Kind() Kind {
	d, _ := s.def()
	return d.Kind
}

// Terminal reports whether no event of Table leaves s.
func (s State) Terminal() bool { return s.Valid() && !leaves[s] }

// Open reports whether the case still waits on the desk, mediators or a
// partner: the states that count as open in the report (DESIGN §6).
func (s State) Open() bool {
	k := s.Kind()
	return k == KindIntake || k == KindTier || k == KindPartner
}

// Active reports whether the case is at the desk or being mediated: parties
// may be added and mediators assigned.
func (s State) Active() bool {
	k := s.Kind()
	return k == KindIntake || k == KindTier
}

// OpenStates lists the open states, in table order.
func OpenStates() []State { return statesWhere(func(d StateDef) bool { return d.State.Open() }) }

// ActiveStates lists the active states, in table order.
func ActiveStates() []State { return statesWhere(func(d StateDef) bool { return d.State.Active() }) }

// ClosedStates lists the states in which nothing more happens to a case.
func ClosedStates() []State {
	return statesWhere(func(d StateDef) bool { return d.Kind == KindClosed })
}

// TierStates lists the three mediation tiers, from the grid up.
func TierStates() []State { return statesWhere(func(d StateDef) bool { return d.Kind == KindTier }) }

// WorkStates lists the states a handling unit's queue holds: the open ones
// and agreements waiting for their 回访.
func WorkStates() []State {
	return statesWhere(func(d StateDef) bool { return d.State.Open() || d.Kind == KindAgreed })
}

// Level returns the tier a mediation state stands for, or "" for the states
// that are not tiers.
func (s State) Level() Level {
	switch s {
	case Grid:
		return LevelGrid
	case Village:
		return LevelVillage
	case Town:
		return LevelTown
	}
	return ""
}

// Level is a unit's place in the tree: town (镇/街道) above village or
// community (村/社区) above grid (网格). A county may sit above towns, a city
// above counties and a province above cities, for read-only roll-ups.
type Level string

// The unit levels, from the bottom up.
const (
	LevelGrid     Level = "grid"
	LevelVillage  Level = "village"
	LevelTown     Level = "town"
	LevelCounty   Level = "county"
	LevelCity     Level = "city"
	LevelProvince Level = "province"
	// LevelPartner is a partner body (派出所, 法庭, 信访办, …) attached to a
	// town or a county: it handles no mediation, and cases are referred to
	// it.
	LevelPartner Level = "partner"
)

var levelLabels = map[Level]string{LevelGrid: "网格", LevelVillage: "村(社区)", LevelTown: "镇(街道)", LevelCounty: "县(区)",
	LevelCity: "市", LevelProvince: "省", LevelPartner: "联动单位"}

// Label returns the level's Chinese name.
func (l Level) Label() string { return levelLabels[l] }

// Valid reports whether l is a declared level.
func (l Level) Valid() bool { _, ok := levelLabels[l]; return ok }

// Rank orders levels from grid (1) to province (6), so that a parent always
// ranks above its children.
func (l Level) Rank() int {
	switch l {
	case LevelGrid:
		return 1
	case LevelVillage:
		return 2
	case LevelTown:
		return 3
	case LevelCounty:
		return 4
	case LevelCity:
		return 5
	case LevelProvince:
		return 6
	}
	return 0
}

// Role is what a user does in the system (DESIGN §1).
type Role string

// The roles. RoleSystem is the actor of automatic escalation, import and the
// demo builder; it is never given to a person.
const (
	RoleIntake     Role = "intake"
	RoleMediator   Role = "mediator"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	// RolePartner is the liaison of a partner body: it sees only the cases
	// referred to its body and those it sent in.
	RolePartner Role = "partner"
	RoleSystem  Role = "system"
	// RoleParty is a party acting without an account, having proved a
	// case by its code and a phone on it (or applying online): it is never
	// an account's role.
	RoleParty Role = "party"
)

var roleLabels = map[Role]string{
	RoleIntake:     "接待员",
	RoleMediator:   "调解员",
	RoleSupervisor: "督办",
	RoleAdmin:      "系统管理员",
	RolePartner:    "联动单位联络员",
	RoleSystem:     "系统",
	RoleParty:      "当事人",
}

// Roles lists the roles a person may hold.
var Roles = []Role{RoleIntake, RoleMediator, RoleSupervisor, RoleAdmin, RolePartner}

// Label returns the role's Chinese name.
func (r Role) Label() string { return roleLabels[r] }

// Valid reports whether r is a role a person may hold.
func (r Role) Valid() bool { return r != RoleSystem && r != RoleParty && roleLabels[r] != "" }
