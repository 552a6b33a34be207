package store

import (
	"context"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

func placeholders(n int) string { return "?" + strings.Repeat(", ?", n-1) }

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// inScope completes sel, a query on cases c whose arguments so far are
// selArgs, with the condition of the cases the month [start, end) may
// count: located in units, registered before the end and not closed before
// the start. The query runs as two branches, closed in or after the month
// and not closed at all, so that each walks the (location, closed_at)
// index instead of every case the town ever had.
//
// The open branch leaves out "registered before the end" so that the
// planner cannot prefer the (location, opened_at) index; the few cases it
// adds, registered after the month, are dropped by the caller.
func inScope(sel string, selArgs []any, units []int64, start, end time.Time) (string, []any) {
	in := "c.location_unit_id IN (" + placeholders(len(units)) + ")"
	var args []any
	args = append(append(append(args, selArgs...), int64Args(units)...), end, start)
	args = append(append(args, selArgs...), int64Args(units)...)
	return sel + in + " AND c.opened_at < ? AND c.closed_at >= ? UNION ALL " + sel + in + " AND c.closed_at IS NULL", args
}

// ReportFacts returns the facts of the cases located in units that the
// month [start, end) may count: those registered before its end and not
// closed before its start, with their state and deadlines after their last
// event before the end.
func (db *DB) ReportFacts(ctx context.Context, units []int64, start, end time.Time) ([]engine.CaseFacts, error) {
	if len(units) == 0 {
		return nil, nil
	}
	start, end = start.UTC(), end.UTC()
	sel := `SELECT c.id, c.location_unit_id, c.category, c.source, c.people, c.flags, c.opened_at, c.accepted_at,
		c.referred_at, c.agreed_at, c.agreed_tier, c.agreement_amount, c.closed_at, c.outcome,
		e.to_state, e.due_at, e.overall_due_at, e.suspended_at,
		(SELECT m.actor_id FROM case_events m WHERE m.case_id = c.id AND m.at < ? AND m.role = 'mediator' ORDER BY m.seq DESC LIMIT 1)
	FROM cases c
	LEFT JOIN case_events e ON e.case_id = c.id AND e.seq = (SELECT MAX(x.seq) FROM case_events x WHERE x.case_id = c.id AND x.at < ?)
	WHERE `
	q, args := inScope(sel, []any{end, end}, units, start, end)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engine.CaseFacts
	for rows.Next() {
		var f engine.CaseFacts
		var flags, tier, outcome string
		var state *string
		var due, overall, suspended *time.Time
		var mediator *int64
		if err := rows.Scan(&f.ID, &f.LocationUnitID, &f.Category, &f.Source, &f.People, &flags, &f.OpenedAt,
			&f.AcceptedAt, &f.ReferredAt, &f.AgreedAt, &tier, &f.AgreementAmount, &f.ClosedAt, &outcome,
			&state, &due, &overall, &suspended, &mediator); err != nil {
			return nil, err
		}
		if !f.OpenedAt.Before(end) {
			continue
		}
		if flags != "" {
			f.Flags = strings.Split(flags, ",")
		}
		f.AgreedTier, f.Outcome, f.LastMediator = workflow.Level(tier), workflow.State(outcome), deref(mediator)
		if state != nil {
			f.StateAtEnd = workflow.State(*state)
			snap := &engine.Case{State: f.StateAtEnd, DueAt: due, OverallDueAt: overall, SuspendedAt: suspended}
			f.OverdueAtEnd = snap.State.Open() && snap.LatestPassed(end) != nil
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// MonthEvents returns the events of [start, end) on cases located in units
// that the report counts: escalations, agreements, follow-up visits, and
// everything mediators recorded. Only cases in the month's scope can have
// them, so the query starts from those.
func (db *DB) MonthEvents(ctx context.Context, units []int64, start, end time.Time) ([]engine.MonthEvent, error) {
	if len(units) == 0 {
		return nil, nil
	}
	start, end = start.UTC(), end.UTC()
	sel := `SELECT e.case_id, e.name, e.actor_id, e.actor_name, e.role, e.automatic
	FROM cases c JOIN case_events e ON e.case_id = c.id AND e.at >= ? AND e.at < ?
	WHERE (e.name IN ('escalate', 'agree', 'followup', 'fulfil') OR e.role = 'mediator') AND `
	q, args := inScope(sel, []any{start, end}, units, start, end)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []engine.MonthEvent
	for rows.Next() {
		var ev engine.MonthEvent
		var actor *int64
		var role string
		if err := rows.Scan(&ev.CaseID, &ev.Name, &actor, &ev.ActorName, &role, &ev.Automatic); err != nil {
			return nil, err
		}
		ev.ActorID, ev.Role = deref(actor), workflow.Role(role)
		out = append(out, ev)
	}
	return out, rows.Err()
}

type sweepRow struct {
	ID            int64
	GridID        int64
	Month         string
	SweptOn       string
	Households    int
	Risks         string
	DisputesFound int
	Notes         string
	FiledBy       *int64
	FiledAt       time.Time
}

func (sweepRow) TableName() string { return "sweeps" }

// SaveSweep files a grid's sweep for a month. Returns ECONFLICT if the grid
// filed that month already.
func (db *DB) SaveSweep(ctx context.Context, s *engine.Sweep) error {
	row := sweepRow{GridID: s.GridID, Month: s.Month, SweptOn: s.SweptOn, Households: s.Households, Risks: s.Risks,
		DisputesFound: s.DisputesFound, Notes: s.Notes, FiledBy: nilIfZero(s.FiledBy), FiledAt: s.FiledAt.UTC()}
	if err := db.w.WithContext(ctx).Create(&row).Error; err != nil {
		if isUniqueViolation(err) {
			return engine.Errorf(engine.ECONFLICT, "本网格%s的排查已经填报过。", s.Month)
		}
		return err
	}
	s.ID = row.ID
	return nil
}

// Sweeps returns the sweeps of a month filed by grids in units.
func (db *DB) Sweeps(ctx context.Context, units []int64, month string) ([]*engine.Sweep, error) {
	var rows []sweepRow
	if err := db.r.WithContext(ctx).Where("grid_id IN ? AND month = ?", units, month).Order("grid_id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.Sweep, len(rows))
	for i, r := range rows {
		out[i] = &engine.Sweep{ID: r.ID, GridID: r.GridID, Month: r.Month, SweptOn: r.SweptOn, Households: r.Households,
			Risks: r.Risks, DisputesFound: r.DisputesFound, Notes: r.Notes, FiledBy: deref(r.FiledBy), FiledAt: r.FiledAt.UTC()}
	}
	return out, nil
}
