// Package subsidy is 以案定补 (DESIGN §10): the subsidies the cases of a
// town earned when their files were archived complete, listed for a month,
// a quarter or a year by case, by mediator and by committee; and the
// records that change a subsidy after it was earned, never edits: a regrade
// by the town's supervisor, and a claw-back of a file found incomplete
// after payment.
package subsidy

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
)

// Adjustment kinds.
const (
	Regrade  = "regrade"
	ClawBack = "clawback"
)

// Adjustment is a record that changes a subsidy: a regrade to Grade, or a
// claw-back; Amount is the change, in fen.
type Adjustment struct {
	ID        int64
	SubsidyID int64
	Kind      string
	Grade     string
	Amount    int64
	Reason    string
	ByID      int64
	ByName    string
	At        time.Time
}

// Label is the adjustment's Chinese name.
func (a *Adjustment) Label() string {
	if a.Kind == ClawBack {
		return "追回"
	}
	return "改定为" + engine.SubsidyGradeLabel(a.Grade)
}

// Store is where the subsidies and their adjustments are kept.
type Store interface {
	// Subsidies returns the subsidies of the cases located in units that
	// were earned or adjusted in [start, end), each with its case's number,
	// and their adjustments made before end, in order.
	Subsidies(ctx context.Context, units []int64, start, end time.Time) ([]*engine.Subsidy, []*Adjustment, error)
	// SubsidyOf returns a subsidy with its adjustments, ENOTFOUND if none.
	SubsidyOf(ctx context.Context, id int64) (*engine.Subsidy, []*Adjustment, error)
	// Adjust records an adjustment, setting its id.
	Adjust(ctx context.Context, a *Adjustment) error
}

// Service lists and adjusts subsidies on the engine's tree and permissions.
type Service struct {
	*engine.Engine
	Store Store
}

// New returns the subsidies' service on e and s.
func New(e *engine.Engine, s Store) *Service { return &Service{Engine: e, Store: s} }

// Line is one case's subsidy in a period: what it earned in it (0 when
// earned before), the adjustments made in it, and its grade as it stands
// at the period's end.
type Line struct {
	*engine.Subsidy
	Grade       string
	Earned      int64
	Adjustments []*Adjustment
	Net         int64
	// ClawedBack: the subsidy was clawed back by the period's end.
	ClawedBack bool
}

// Sum adds up the lines of a mediator or a committee: the cases, the
// cases by grade, and the net amount, in fen.
type Sum struct {
	Name      string
	Committee string // a mediator's committee
	Cases     int
	ByGrade   map[string]int
	Net       int64
}

func (s *Sum) add(l *Line) {
	s.Cases++
	s.ByGrade[l.Grade]++
	s.Net += l.Net
}

// Sheet is the subsidies of a unit's subtree for a period.
type Sheet struct {
	Period      report.Period
	Location    *time.Location // the towns' time zone, for its dates
	Unit        *engine.Unit
	Lines       []*Line
	ByMediator  []*Sum
	ByCommittee []*Sum
	Total       Sum
}

// Sheet lists the subsidies of the cases located in the subtree of the
// unit with unitCode ("" for the actor's own) for period (2026-10, 2026Q4
// or 2026).
func (s *Service) Sheet(ctx context.Context, a engine.Actor, unitCode, period string) (*Sheet, error) {
	if err := s.May(ctx, a, workflow.FeatureSubsidy); err != nil {
		return nil, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	unit := t.Unit(a.UnitID)
	if unitCode != "" {
		if unit, err = t.Find("unit", unitCode); err != nil {
			return nil, err
		}
	}
	if unit == nil || (a.UserID != 0 && !t.Contains(a.UnitID, unit.ID)) {
		return nil, engine.Errorf(engine.EFORBIDDEN, "您只能查看本辖区的以案定补。")
	}
	p, err := report.ParsePeriodIn(s.Location, period)
	if err != nil {
		return nil, err
	}
	subsidies, adjustments, err := s.Store.Subsidies(ctx, t.Subtree(unit.ID), p.Start, p.End)
	if err != nil {
		return nil, err
	}
	sheet := &Sheet{Period: p, Location: s.Location, Unit: unit, Total: Sum{Name: "合计", ByGrade: map[string]int{}}}
	bySubsidy := map[int64][]*Adjustment{}
	for _, adj := range adjustments {
		bySubsidy[adj.SubsidyID] = append(bySubsidy[adj.SubsidyID], adj)
	}
	mediators, committees := map[string]*Sum{}, map[int64]*Sum{}
	for _, sub := range subsidies {
		l := line(sub, bySubsidy[sub.ID], p)
		sheet.Lines = append(sheet.Lines, l)
		committee := "—"
		if c := t.Committee(sub.CommitteeID); c != nil {
			committee = c.Name
		}
		key := committee + "\x00" + sub.MediatorName
		if mediators[key] == nil {
			mediators[key] = &Sum{Name: sub.MediatorName, Committee: committee, ByGrade: map[string]int{}}
			sheet.ByMediator = append(sheet.ByMediator, mediators[key])
		}
		if committees[sub.CommitteeID] == nil {
			committees[sub.CommitteeID] = &Sum{Name: committee, ByGrade: map[string]int{}}
			sheet.ByCommittee = append(sheet.ByCommittee, committees[sub.CommitteeID])
		}
		for _, sum := range []*Sum{mediators[key], committees[sub.CommitteeID], &sheet.Total} {
			sum.add(l)
		}
	}
	slices.SortFunc(sheet.ByMediator, func(x, y *Sum) int {
		return cmp.Or(strings.Compare(x.Committee, y.Committee), strings.Compare(x.Name, y.Name))
	})
	slices.SortFunc(sheet.ByCommittee, func(x, y *Sum) int { return strings.Compare(x.Name, y.Name) })
	return sheet, nil
}

// line is a subsidy's line in p, from its adjustments made before p's
// end.
func line(sub *engine.Subsidy, adjustments []*Adjustment, p report.Period) *Line {
	l := &Line{Subsidy: sub, Grade: sub.Grade}
	if !sub.EarnedAt.Before(p.Start) {
		l.Earned = sub.Amount
	}
	l.Net = l.Earned
	for _, adj := range adjustments {
		if adj.Kind == Regrade {
			l.Grade = adj.Grade
		}
		l.ClawedBack = l.ClawedBack || adj.Kind == ClawBack
		if !adj.At.Before(p.Start) {
			l.Adjustments = append(l.Adjustments, adj)
			l.Net += adj.Amount
		}
	}
	return l
}

// standing is a subsidy's grade and amount after its adjustments, and
// whether it was clawed back.
func standing(sub *engine.Subsidy, adjustments []*Adjustment) (grade string, amount int64, clawed bool) {
	grade, amount = sub.Grade, sub.Amount
	for _, adj := range adjustments {
		amount += adj.Amount
		switch adj.Kind {
		case Regrade:
			grade = adj.Grade
		case ClawBack:
			clawed = true
		}
	}
	return grade, amount, clawed
}

// Adjust records a regrade (to grade, paying the schedule's amount of that
// grade) or a claw-back (of what the subsidy stands at) of a subsidy of the
// actor's subtree, with the reason; a subsidy clawed back takes no more.
func (s *Service) Adjust(ctx context.Context, a engine.Actor, id int64, kind, grade, reason string) (*Adjustment, error) {
	if err := s.May(ctx, a, workflow.FeatureSubsidy); err != nil {
		return nil, err
	}
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	sub, adjustments, err := s.Store.SubsidyOf(ctx, id)
	if err != nil || !t.Contains(a.UnitID, sub.LocationUnitID) {
		return nil, engine.Errorf(engine.ENOTFOUND, "辖区内没有这笔补贴。")
	}
	current, amount, clawed := standing(sub, adjustments)
	if clawed {
		return nil, engine.Errorf(engine.ECONFLICT, "这笔补贴已经追回，不能再调整。")
	}
	adj := &Adjustment{SubsidyID: id, Kind: kind, Reason: strings.TrimSpace(reason), ByID: a.UserID, ByName: a.Name, At: s.Now().UTC()}
	if err := engine.CheckText(adj); err != nil {
		return nil, err
	}
	var v engine.FieldErrors
	switch kind {
	case ClawBack:
		adj.Amount = -amount
	case Regrade:
		if _, ok := s.Subsidies[grade]; !ok || grade == current {
			v.Add("grade", "请选择与现在（%s）不同的难度等级。", engine.SubsidyGradeLabel(current))
		}
		adj.Grade, adj.Amount = grade, s.Subsidies[grade]-amount
	default:
		return nil, engine.Malformed("kind", "调整只能是改定等级（regrade）或追回（clawback）。")
	}
	if adj.Reason == "" || len([]rune(adj.Reason)) > 200 {
		v.Add("reason", "请写明理由（200字以内），如“卷宗缺少回访记录”。")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return adj, s.Store.Adjust(ctx, adj)
}
