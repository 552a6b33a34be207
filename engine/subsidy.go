package engine

import (
	"slices"
	"time"

	"github.com/grassroots/mediation/workflow"
)

// Subsidy grades (以案定补, 「一案一卷一补」): a case whose file is archived
// complete earns its mediator a subsidy by its difficulty.
const (
	SubsidySimple    = "simple"
	SubsidyOrdinary  = "ordinary"
	SubsidyDifficult = "difficult"
	SubsidyMajor     = "major"
)

// SubsidyGrades names the grades, the easiest first.
var SubsidyGrades = []struct{ Key, Label string }{
	{SubsidySimple, "简易"}, {SubsidyOrdinary, "一般"}, {SubsidyDifficult, "疑难复杂"}, {SubsidyMajor, "重大"},
}

// SubsidyGradeLabel returns a grade's Chinese name, or the key when unknown.
func SubsidyGradeLabel(grade string) string {
	if i := slices.IndexFunc(SubsidyGrades, func(g struct{ Key, Label string }) bool { return g.Key == grade }); i >= 0 {
		return SubsidyGrades[i].Label
	}
	return grade
}

// SubsidySchedule is the amount, in fen, a case earns by grade. A nil
// schedule pays none: the town has no 以案定补.
type SubsidySchedule map[string]int64

// DefaultSubsidies is the schedule when the configuration is silent: 50,
// 100, 300 and 500 yuan.
func DefaultSubsidies() SubsidySchedule {
	return SubsidySchedule{SubsidySimple: 5000, SubsidyOrdinary: 10000, SubsidyDifficult: 30000, SubsidyMajor: 50000}
}

// DifficultAmount is the amount in dispute, in fen, from which a case is
// difficult (10万元), and DifficultPeople the people involved.
const (
	DifficultAmount = 10_000_000
	DifficultPeople = 5
)

// SubsidyGrade grades a case at archiving, ended being the step that
// ended its mediation: major when it is a major dispute (Case.Major);
// difficult when the town mediated it, or it involved 10万元 or 5 people;
// simple when it ended in an oral agreement or a withdrawal; ordinary
// otherwise. The town's supervisor may grade it otherwise, as a record
// (a regrade).
func SubsidyGrade(c *Case, ended *Event) string {
	switch {
	case c.Major():
		return SubsidyMajor
	case ended.From.Level() == workflow.LevelTown || c.Amount >= DifficultAmount || c.People >= DifficultPeople:
		return SubsidyDifficult
	case ended.To == workflow.Withdrawn || (ended.To == workflow.Agreed && c.AgreementKind == AgreementOral):
		return SubsidySimple
	}
	return SubsidyOrdinary
}

// Subsidy is what a case earned when its file was archived: who is
// credited (the mediator whose step ended its mediation, and that step's
// committee), the grade, and the amount of the schedule then, in fen.
type Subsidy struct {
	ID             int64
	CaseID         int64
	EventID        int64 // the archiving step
	LocationUnitID int64
	CommitteeID    int64
	MediatorID     int64 // 0 for an imported history's unnamed mediator
	MediatorName   string
	Grade          string
	Amount         int64
	EarnedAt       time.Time
	// CaseNumber is read with the row, for lists.
	CaseNumber string
}

// subsidy is what archiving c earns by the engine's schedule, nil when it
// earns nothing: no schedule, or no mediation ended (a dispute a partner
// body closed).
func (e *Engine) subsidy(c *Case, timeline []*Event, committee *Committee, at time.Time) *Subsidy {
	if e.Subsidies == nil {
		return nil
	}
	var ended *Event
	for _, ev := range timeline {
		if ev.Transition() && workflow.Event(ev.Name).EndsMediation() {
			ended = ev
		}
	}
	if ended == nil {
		return nil
	}
	grade := SubsidyGrade(c, ended)
	s := &Subsidy{CaseID: c.ID, LocationUnitID: c.LocationUnitID, MediatorID: ended.ActorID, MediatorName: ended.ActorName,
		Grade: grade, Amount: e.Subsidies[grade], EarnedAt: at}
	if committee != nil {
		s.CommitteeID = committee.ID
	}
	return s
}
