package engine

import (
	_ "embed"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Policy holds one town's deadlines (DESIGN §4), in days: each state's own
// and the whole mediation's. Its defaults are the workflow table's (see
// DefaultPolicy()).
type Policy struct {
	// Days is the deadline of each state that has one of its own
	// (workflow.DeadlineStates); the agreed state's runs from the
	// agreement's performance date to the follow-up visit.
	Days map[workflow.State]int
	// Overall is the whole mediation's, from the first acceptance.
	Overall int
	// OnOverdue says what the deadline scheduler does when a state's own
	// deadline passes: ActionEscalate (for the states the table lets
	// escalate) or ActionSupervise. The overall deadline is always
	// supervised.
	OnOverdue map[workflow.State]string
	// WorkingDays counts the days on the engine's Calendar, skipping weekends
	// and holidays and counting make-up working days (调休).
	WorkingDays bool
	// ResponseHours is how many hours a dispute of a risk (as
	// Case.ResponseRisk grades it) may wait to be taken up: a registered
	// case's deadline is this when it comes sooner than the registered
	// state's days. A risk without hours waits the days.
	ResponseHours map[Risk]int
}

// What the scheduler does with an overdue case.
const (
	ActionEscalate  = "escalate"  // move it up a tier, reason 超期自动上报
	ActionSupervise = "supervise" // flag it for supervisors (超期提醒)
)

// DefaultPolicy returns the workflow table's deadlines, in maps of its own.
func DefaultPolicy() Policy {
	p := Policy{Days: map[workflow.State]int{}, Overall: workflow.OverallDays, OnOverdue: map[workflow.State]string{},
		ResponseHours: map[Risk]int{RiskRed: 2, RiskYellow: 24}}
	for _, d := range workflow.StateTable {
		if d.Days > 0 {
			p.Days[d.State] = d.Days
		}
		if d.Escalates {
			p.OnOverdue[d.State] = ActionEscalate
		}
	}
	return p
}

// Clone returns a copy of p whose maps the caller may change.
func (p Policy) Clone() Policy {
	p.Days, p.OnOverdue, p.ResponseHours = maps.Clone(p.Days), maps.Clone(p.OnOverdue), maps.Clone(p.ResponseHours)
	return p
}

// StateDays returns the days a case may stay in s before its deadline, or 0
// when s has no deadline of its own.
func (p Policy) StateDays(s workflow.State) int { return p.Days[s] }

// Action returns what happens when the deadline of state s passes.
func (p Policy) Action(s workflow.State) string {
	if d, _ := s.Def(); d.Escalates && p.OnOverdue[s] == ActionEscalate {
		return ActionEscalate
	}
	return ActionSupervise
}

// Validate checks a policy read from a configuration file or the console.
func (p Policy) Validate() error {
	for _, s := range workflow.DeadlineStates() {
		d, _ := s.Def()
		if n := p.Days[s]; n < 1 || n > 365 {
			return Invalid(string(s), "%s须在1到365天之间，而不是%d。", d.Deadline, n)
		}
	}
	if p.Overall < 1 || p.Overall > 365 {
		return Invalid("overall", "调解总期限须在1到365天之间，而不是%d。", p.Overall)
	}
	for r, h := range p.ResponseHours {
		if !r.Valid() || h < 1 || h > 72 {
			return Invalid("response_hours", "响应时限须按风险等级（red、yellow、green）设为1到72小时，而不是“%s”%d小时。", r, h)
		}
	}
	for s, a := range p.OnOverdue {
		if a != ActionEscalate && a != ActionSupervise {
			return Invalid("on_overdue", "超期处理方式须为 escalate 或 supervise，而不是“%s”。", a)
		}
		if d, _ := s.Def(); a == ActionEscalate && !d.Escalates {
			return Invalid("on_overdue", "只有网格和村(社区)的案件可超期自动上报，“%s”不行。", s)
		}
	}
	return nil
}

// MarshalJSON writes the policy as the configuration file does: {"grid":
// 3, …, "overall": 30, "on_overdue": {…}, "working_days": false,
// "response_hours": {"red": 2, "yellow": 24}}.
func (p Policy) MarshalJSON() ([]byte, error) {
	m := map[string]any{"overall": p.Overall, "on_overdue": p.OnOverdue, "working_days": p.WorkingDays, "response_hours": p.ResponseHours}
	for s, n := range p.Days {
		m[string(s)] = n
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the keys that a configuration file or the console's
// settings give over p as it is, so that a file overrides only what it
// names. A state's days go under its name; "followup" is the agreed
// state's, and the console of earlier versions wrote the keys capitalised
// ("Grid", "OnOverdue", "WorkingDays").
func (p *Policy) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	p.Days = maps.Clone(p.Days)
	if p.Days == nil {
		p.Days = map[workflow.State]int{}
	}
	for k, v := range m {
		key := strings.ToLower(strings.ReplaceAll(k, "_", ""))
		var err error
		switch key {
		case "overall":
			err = json.Unmarshal(v, &p.Overall)
		case "workingdays":
			err = json.Unmarshal(v, &p.WorkingDays)
		case "onoverdue":
			p.OnOverdue = nil
			err = json.Unmarshal(v, &p.OnOverdue)
		case "responsehours":
			p.ResponseHours = nil
			err = json.Unmarshal(v, &p.ResponseHours)
		default:
			s := workflow.State(key)
			if key == "followup" {
				s = workflow.Agreed
			}
			if d, ok := s.Def(); !ok || d.Days == 0 {
				return Invalid(k, "期限设置中没有“%s”这一项。", k)
			}
			var n int
			err = json.Unmarshal(v, &n)
			p.Days[s] = n
		}
		if err != nil {
			return Invalid(k, "期限设置“%s”的值无效。", k)
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
	// CourtCloses is when courts stop business on a working day, after
	// midnight: a period that ends with an application to a court (司法
	// 确认) ends then, not at 24:00 (民法典 Art. 203(2)).
	CourtCloses time.Duration
}

// DefaultCourtCloses is when courts' filing desks (立案窗口) close.
const DefaultCourtCloses = 17 * time.Hour

// holidays is the State Council's national holidays and make-up working
// days (调休), a year a record, each with the notice it comes from.
//
//go:embed holidays.json
var holidays []byte

// NationalCalendar returns the national holidays and make-up working days
// of the years the project ships (holidays.json), in maps of its own: the
// calendar in force unless a configuration adds local days to it.
func NationalCalendar() Calendar {
	var years []struct {
		Year               int
		Holidays, Workdays []string
	}
	if err := json.Unmarshal(holidays, &years); err != nil {
		panic("engine: holidays.json: " + err.Error())
	}
	c := Calendar{Holidays: map[string]bool{}, Workdays: map[string]bool{}, CourtCloses: DefaultCourtCloses}
	for _, y := range years {
		for _, d := range y.Holidays {
			c.Holidays[d] = true
		}
		for _, d := range y.Workdays {
			c.Workdays[d] = true
		}
	}
	return c
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
	return e.TownsPolicy()
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
