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
)

// States lists every state in the order the UI and reports show them.
var States = []State{Registered, Grid, Village, Town, Referred, Agreed, Fulfilled, Failed, Withdrawn, Rejected, PartnerClosed}

var stateLabels = map[State]string{
	Registered:    "已登记·待受理",
	Grid:          "网格调解中",
	Village:       "村(社区)调解中",
	Town:          "镇(街道)调解中",
	Referred:      "已移交·待反馈",
	Agreed:        "已达成协议·履行中",
	Fulfilled:     "履行完毕·结案",
	Failed:        "调解终止",
	Withdrawn:     "当事人撤回",
	Rejected:      "不予受理",
	PartnerClosed: "移交办结",
}

// Label returns the state's Chinese name.
func (s State) Label() string {
	if l, ok := stateLabels[s]; ok {
		return l
	}
	return string(s)
}

// Valid reports whether s is one of the declared states.
func (s State) Valid() bool {
	_, ok := stateLabels[s]
	return ok
}

// Terminal reports whether no event leaves s.
func (s State) Terminal() bool {
	switch s {
	case Fulfilled, Failed, Withdrawn, Rejected, PartnerClosed:
		return true
	}
	return false
}

// Open reports whether the case still waits on mediators or partners: the
// states that count as open in the monthly report.
func (s State) Open() bool {
	switch s {
	case Registered, Grid, Village, Town, Referred:
		return true
	}
	return false
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
// community (村/社区) above grid (网格). A county may sit above towns for
// read-only roll-ups.
type Level string

// The unit levels, from the bottom up.
const (
	LevelGrid    Level = "grid"
	LevelVillage Level = "village"
	LevelTown    Level = "town"
	LevelCounty  Level = "county"
)

var levelLabels = map[Level]string{LevelGrid: "网格", LevelVillage: "村(社区)", LevelTown: "镇(街道)", LevelCounty: "县(区)"}

// Label returns the level's Chinese name.
func (l Level) Label() string { return levelLabels[l] }

// Valid reports whether l is a declared level.
func (l Level) Valid() bool { _, ok := levelLabels[l]; return ok }

// Rank orders levels from grid (1) to county (4), so that a parent always
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
	}
	return 0
}

// TierState returns the mediation state for a level: the inverse of State.Level.
func (l Level) TierState() State {
	switch l {
	case LevelGrid:
		return Grid
	case LevelVillage:
		return Village
	case LevelTown:
		return Town
	}
	return ""
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
	RoleSystem     Role = "system"
)

var roleLabels = map[Role]string{
	RoleIntake:     "接待员",
	RoleMediator:   "调解员",
	RoleSupervisor: "督办",
	RoleAdmin:      "系统管理员",
	RoleSystem:     "系统",
}

// Roles lists the roles a person may hold.
var Roles = []Role{RoleIntake, RoleMediator, RoleSupervisor, RoleAdmin}

// Label returns the role's Chinese name.
func (r Role) Label() string { return roleLabels[r] }

// Valid reports whether r is a role a person may hold.
func (r Role) Valid() bool { return r != RoleSystem && roleLabels[r] != "" }
