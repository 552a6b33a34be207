package engine

import (
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Policy holds the deadlines of DESIGN §4, in days.
type Policy struct {
	Registered int // intake review
	Grid       int
	Village    int
	Town       int
	Overall    int // the whole mediation, from the first acceptance
	Referred   int // partner feedback
	FollowUp   int // 回访, after the agreement's performance date
}

// DefaultPolicy is DESIGN §4's defaults.
var DefaultPolicy = Policy{Registered: 2, Grid: 3, Village: 7, Town: 20, Overall: 30, Referred: 15, FollowUp: 15}

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

func addDays(t time.Time, days int) *time.Time {
	d := t.Add(time.Duration(days) * 24 * time.Hour)
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
	has := func(flag string) bool { return workflow.Contains(f.Flags, flag) }
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
	if has(FlagGroupIncident) {
		town = append(town, "有群体性倾向")
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
	if workflow.Contains(p.VillageCategories, f.Category) {
		village = append(village, "纠纷类型为"+f.Category)
	}
	if len(village) > 0 {
		return Route{workflow.LevelVillage, village}
	}
	return Route{workflow.LevelGrid, []string{"简单纠纷，就地化解"}}
}
