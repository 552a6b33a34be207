package engine

import (
	"slices"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Policy holds one town's deadlines (DESIGN §4), in days.
type Policy struct {
	Registered int // intake review
	Grid       int
	Village    int
	Town       int
	Overall    int // the whole mediation, from the first acceptance
	Referred   int // partner feedback
	FollowUp   int // 回访, after the agreement's performance date
	// OnOverdue says what the deadline scheduler does when a state's own
	// deadline passes: ActionEscalate (grid and village only) or
	// ActionSupervise. The overall deadline is always supervised.
	OnOverdue map[workflow.State]string
	// WorkingDays counts the days on the engine's Calendar, skipping weekends
	// and holidays and counting make-up working days (调休).
	WorkingDays bool
}

// What the scheduler does with an overdue case.
const (
	ActionEscalate  = "escalate"  // move it up a tier, reason 超期自动上报
	ActionSupervise = "supervise" // flag it for supervisors (超期提醒)
)

// DefaultPolicy is DESIGN §4's defaults.
var DefaultPolicy = Policy{Registered: 2, Grid: 3, Village: 7, Town: 20, Overall: 30, Referred: 15, FollowUp: 15,
	OnOverdue: map[workflow.State]string{workflow.Grid: ActionEscalate, workflow.Village: ActionEscalate}}

// StateDays returns the days a case may stay in s before its deadline, or 0
// when s has no deadline of its own.
func (p Policy) StateDays(s workflow.State) int {
	switch s {
	case workflow.Registered:
		return p.Registered
	case workflow.Grid:
		return p.Grid
	case workflow.Village:
		return p.Village
	case workflow.Town:
		return p.Town
	case workflow.Referred:
		return p.Referred
	}
	return 0
}

// Action returns what happens when the deadline of state s passes.
func (p Policy) Action(s workflow.State) string {
	if a := p.OnOverdue[s]; a == ActionEscalate && (s == workflow.Grid || s == workflow.Village) {
		return a
	}
	return ActionSupervise
}

// Validate checks a policy read from a configuration file.
func (p Policy) Validate() error {
	for name, d := range map[string]int{"registered": p.Registered, "grid": p.Grid, "village": p.Village, "town": p.Town,
		"overall": p.Overall, "referred": p.Referred, "followup": p.FollowUp} {
		if d < 1 || d > 365 {
			return Invalid(name, "期限“%s”须在1到365天之间，而不是%d。", name, d)
		}
	}
	for s, a := range p.OnOverdue {
		if a != ActionEscalate && a != ActionSupervise {
			return Invalid("on_overdue", "超期处理方式须为 escalate 或 supervise，而不是“%s”。", a)
		}
		if a == ActionEscalate && s != workflow.Grid && s != workflow.Village {
			return Invalid("on_overdue", "只有网格和村(社区)的案件可超期自动上报，“%s”不行。", s)
		}
	}
	return nil
}

// Calendar knows which days are working days: Monday to Friday, less the
// public holidays, plus the weekend days made working days (调休). Dates are
// "2006-01-02" in the towns' time zone.
type Calendar struct {
	Holidays map[string]bool
	Workdays map[string]bool
}

// Working reports whether the day of t, in loc, is a working day.
func (c Calendar) Working(t time.Time, loc *time.Location) bool {
	d := t.In(loc).Format(time.DateOnly)
	switch {
	case c.Workdays[d]:
		return true
	case c.Holidays[d]:
		return false
	}
	wd := t.In(loc).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// PolicyOf returns the policy of the town a unit belongs to.
func (e *Engine) PolicyOf(t *Tree, unitID int64) Policy {
	if town := t.Town(unitID); town != nil {
		if p, ok := e.TownPolicies[town.Code]; ok {
			return p
		}
	}
	return e.Policy
}

// due returns the deadline days after from: calendar days of 24 hours, or,
// under a working-day policy, the same clock time on the days-th working day
// after from.
func (e *Engine) due(p Policy, from time.Time, days int) *time.Time {
	if !p.WorkingDays {
		d := from.Add(time.Duration(days) * 24 * time.Hour)
		return &d
	}
	local := from.In(e.Location)
	for n := 0; n < days; {
		local = local.AddDate(0, 0, 1)
		if e.Calendar.Working(local, e.Location) {
			n++
		}
	}
	d := local.UTC()
	return &d
}

// RoutingPolicy holds the thresholds of the routing suggestion (分流,
// DESIGN §4). Amounts are in fen.
type RoutingPolicy struct {
	TownPeople        int
	TownAmount        int64
	TownLabourWorkers int
	VillageAmount     int64
	VillagePeople     int
	VillageCategories []string
}

// DefaultRouting is DESIGN §4's thresholds.
var DefaultRouting = RoutingPolicy{
	TownPeople:        10,
	TownAmount:        100_000_00,
	TownLabourWorkers: 5,
	VillageAmount:     10_000_00,
	VillagePeople:     3,
	VillageCategories: []string{"房屋宅基地", "山林土地", "征地拆迁", "合同", "生产经营", "劳动争议", "环境污染", "医疗"},
}

// Facts are what the intake desk knows when it routes a dispute.
type Facts struct {
	Category     string
	Amount       int64 // fen
	People       int
	Risk         Risk
	Flags        []string
	CrossVillage bool
}

// Route is a routing suggestion: the level and every reason for it.
type Route struct {
	Level   workflow.Level
	Reasons []string
}

// Suggest returns the level a dispute should go to and why. The first level
// with any reason wins, from the town down.
func (p RoutingPolicy) Suggest(f Facts) Route {
	has := func(flag string) bool { return slices.Contains(f.Flags, flag) }
	var town []string
	if f.Risk == RiskRed {
		town = append(town, "风险等级为红色")
	}
	if f.People >= p.TownPeople {
		town = append(town, "涉及"+itoa(f.People)+"人（≥"+itoa(p.TownPeople)+"人）")
	}
	if f.Amount >= p.TownAmount {
		town = append(town, "涉及金额"+Yuan(f.Amount)+"元（≥"+Yuan(p.TownAmount)+"元）")
	}
	if f.Category == "劳动争议" && f.People >= p.TownLabourWorkers {
		town = append(town, "劳动争议涉及"+itoa(f.People)+"名劳动者（≥"+itoa(p.TownLabourWorkers)+"人）")
	}
	if has(FlagDeath) {
		town = append(town, "涉及死亡")
	}
	if has(FlagCivilToCriminal) {
		town = append(town, "有民转刑倾向")
	}
	if has(FlagGroupPetition) {
		town = append(town, "有群体性上访倾向")
	}
	if has(FlagGroupFight) {
		town = append(town, "有群体性械斗倾向")
	}
	if f.CrossVillage {
		town = append(town, "当事人分属不同村(社区)")
	}
	if len(town) > 0 {
		return Route{workflow.LevelTown, town}
	}
	var village []string
	if f.Amount >= p.VillageAmount {
		village = append(village, "涉及金额"+Yuan(f.Amount)+"元（≥"+Yuan(p.VillageAmount)+"元）")
	}
	if f.People >= p.VillagePeople {
		village = append(village, "涉及"+itoa(f.People)+"人（≥"+itoa(p.VillagePeople)+"人）")
	}
	if f.Risk == RiskYellow {
		village = append(village, "风险等级为黄色")
	}
	if slices.Contains(p.VillageCategories, f.Category) {
		village = append(village, "纠纷类型为"+f.Category)
	}
	if len(village) > 0 {
		return Route{workflow.LevelVillage, village}
	}
	return Route{workflow.LevelGrid, []string{"简单纠纷，就地化解"}}
}
