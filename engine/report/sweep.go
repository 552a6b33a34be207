package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// Sweep is a unit's monthly dispute sweep (拉网式排查): every grid files one,
// and villages and towns sweep their own ground too. A nil report (零报告),
// with no dispute found, is a valid filing.
type Sweep struct {
	ID            int64
	UnitID        int64  // the grid, village or town that swept
	Month         string // 2026-10
	SweptOn       string // the day of the sweep, 2026-10-12
	Households    int    // households visited
	Risks         string // risks found
	DisputesFound int
	Notes         string
	FiledBy       int64
	FiledAt       time.Time
}

// SweepCount is what a unit's sweeps of a period add up to, all the report
// reads of them: a province's year is 183,000 sweeps of 15,600 grids.
type SweepCount struct {
	UnitID        int64
	Filed         int
	DisputesFound int
}

// SweepDeadlineDay is the day of the month by which grids file the month's
// sweep report.
const SweepDeadlineDay = 20

// FileSweep records a mediator's sweep of their unit for a month that has
// ended. A month filed already is refused, saying what was filed, unless
// correct is set: then the filing is replaced, and who corrected it when
// is what the page shows.
func (e *Service) FileSweep(ctx context.Context, a engine.Actor, s *Sweep, correct bool) error {
	if err := engine.CheckText(s); err != nil {
		return err
	}
	t, err := e.Tree(ctx)
	if err != nil {
		return err
	}
	if err := e.May(ctx, a, workflow.FeatureSweep); err != nil {
		return err
	}
	unit := t.Unit(a.UnitID)
	var v engine.FieldErrors
	start, end, err := e.MonthBounds(s.Month)
	if err != nil {
		v.AddErr(err)
	}
	day, derr := time.ParseInLocation(time.DateOnly, s.SweptOn, e.Location)
	switch {
	case derr != nil:
		v.Add("swept_on", "请填写排查日期，如 2026-10-12。")
	case err == nil && end.After(e.Now()):
		v.Add("month", "%s尚未结束：一个月的排查在月底后填报，现在可以填报%s。", s.Month, e.LastMonth())
	case err == nil && (day.Before(start) || !day.Before(end)):
		v.Add("swept_on", "排查日期须在%s内。", s.Month)
	case day.After(e.Now()):
		v.Add("swept_on", "排查日期不能晚于今天。")
	}
	if s.Households < 0 || s.Households > 100000 {
		v.Add("households", "走访户数须在0到100000之间。")
	}
	if s.DisputesFound < 0 || s.DisputesFound > 10000 {
		v.Add("disputes_found", "发现纠纷数须在0到10000之间。")
	}
	s.Risks, s.Notes = strings.TrimSpace(s.Risks), strings.TrimSpace(s.Notes)
	if err := v.Err(); err != nil {
		return err
	}
	s.UnitID, s.FiledBy, s.FiledAt = unit.ID, a.UserID, e.Now().UTC()
	filed, err := e.Store.Sweeps(ctx, []int64{unit.ID}, []string{s.Month})
	if err != nil {
		return err
	}
	if len(filed) > 0 && !correct {
		f := filed[0]
		return &engine.Error{Code: engine.ECONFLICT, Field: "month", Message: fmt.Sprintf(
			"本单位%s的排查已于%s填报（走访%d户，发现纠纷%d件）。如需更正，请在下方“已填报”中点“更正”。",
			s.Month, f.FiledAt.In(e.Location).Format("1月2日15:04"), f.Households, f.DisputesFound)}
	}
	return e.Store.SaveSweep(ctx, s)
}

// LastMonth is the month before this one, the one grids file now.
func (e *Service) LastMonth() string {
	now := e.Now().In(e.Location)
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, e.Location).AddDate(0, -1, 0).Format("2006-01")
}

// FiledSweeps returns the sweeps the actor's unit filed in the twelve months
// up to last month, the latest first, with who filed each.
func (e *Service) FiledSweeps(ctx context.Context, a engine.Actor) ([]*Sweep, error) {
	last, err := time.ParseInLocation("2006-01", e.LastMonth(), e.Location)
	if err != nil {
		return nil, err
	}
	var months []string
	for i := range 12 {
		months = append(months, last.AddDate(0, -i, 0).Format("2006-01"))
	}
	out, err := e.Store.Sweeps(ctx, []int64{a.UnitID}, months)
	slices.SortFunc(out, func(x, y *Sweep) int { return strings.Compare(y.Month, x.Month) })
	return out, err
}

// SweepsLate reports whether the sweeps of month were due by now: grids file
// a month's sweep by the end of the 20th of the month after.
func (e *Service) SweepsLate(month string) bool {
	start, _, err := e.MonthBounds(month)
	return err == nil && !e.Now().Before(start.AddDate(0, 1, SweepDeadlineDay))
}

// grids returns the grids of a unit's subtree.
func grids(t *engine.Tree, unit *engine.Unit) []int64 {
	return sweepers(t, unit, workflow.LevelGrid)
}

// sweepers returns the units of a unit's subtree at levels, those that
// sweep: grids, villages and towns.
func sweepers(t *engine.Tree, unit *engine.Unit, levels ...workflow.Level) []int64 {
	var out []int64
	for _, id := range t.Subtree(unit.ID) {
		if slices.Contains(levels, t.Unit(id).Level) {
			out = append(out, id)
		}
	}
	return out
}

// sweepFigures counts the sweeps of a unit's subtree among counts, those of
// the period, whichever level swept, and names the grids that filed none
// in it: every grid must.
func sweepFigures(t *engine.Tree, unit *engine.Unit, counts []SweepCount) SweepFigures {
	f := SweepFigures{GridsMissing: []string{}}
	filed := map[int64]bool{}
	for _, c := range counts {
		if t.Contains(unit.ID, c.UnitID) {
			f.Filed += c.Filed
			f.DisputesFound += c.DisputesFound
			filed[c.UnitID] = true
		}
	}
	for _, id := range grids(t, unit) {
		if !filed[id] {
			f.GridsMissing = append(f.GridsMissing, t.Path(id))
		}
	}
	return f
}
