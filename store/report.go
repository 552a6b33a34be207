package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// inScope completes sel, a query on cases c whose arguments so far are
// selArgs, with the condition of the cases the period [start, end) may
// count: located in units, registered before the end, and not closed
// before the start unless something happened to them since (a file
// archived, a judicial confirmation recorded). The query runs as three
// branches, closed in or after the period, not closed at all, and closed
// before it with a later event, so that each walks an index led by the
// location instead of every case the town ever had.
//
// The open branch leaves out "registered before the end" so that the
// planner cannot prefer the (location, opened_at) index; the few cases it
// adds, registered after the month, are dropped by the caller.
//
// The third branch must walk the index on the last event, where the few
// cases touched since the start are; the closing time is kept from leading
// the planner to every case the location closed before the period.
//
// A case never closed counts in nothing unless it is open now or something
// happened to it since the month began: an agreement from years ago that
// was never followed up is left out.
func inScope(d dialect, sel string, selArgs []any, units []int64, start, end time.Time) (string, []any) {
	in, list := d.in("c.location_unit_id"), d.list(units)
	var args []any
	args = append(append(args, selArgs...), list, end, start)
	args = append(append(args, selArgs...), list, d.list(workflow.OpenStates()), start)
	args = append(append(args, selArgs...), list, start, start)
	return sel + in + " AND c.opened_at < ? AND c.closed_at >= ? UNION ALL " + sel + in +
		" AND c.closed_at IS NULL AND (" + d.in("c.state") + " OR c.last_event_at >= ?) UNION ALL " + sel + in +
		" AND c.last_event_at >= ? AND " + d.unindexed("c.closed_at") + " < ?", args
}

// ReportFacts returns the facts of the cases located in units that the
// month [start, end) may count: those registered before its end and not
// closed before its start, with their state and deadlines after their last
// event before the end. A case with no event since the end is as its
// columns say; only the others are looked up in the event log.
func (db *DB) ReportFacts(ctx context.Context, units []int64, start, end time.Time) ([]engine.CaseFacts, error) {
	if len(units) == 0 {
		return nil, nil
	}
	start, end = start.UTC(), end.UTC()
	sel := `SELECT c.id, c.location_unit_id, c.category, c.source, c.people, c.flags, c.opened_at, c.accepted_at,
		c.referred_at, c.agreed_at, c.agreed_tier, c.agreed_kind, c.agreement_amount, c.closed_at, c.outcome, c.archived_at,
		c.state, c.due_at, c.overall_due_at, c.suspended_at,
		CASE WHEN c.last_event_at IS NULL OR c.last_event_at >= ?
			THEN (SELECT x.id FROM case_events x WHERE x.case_id = c.id AND x.at < ? ORDER BY x.seq DESC LIMIT 1) END
	FROM cases c WHERE `
	q, args := inScope(db.d, sel, []any{end, end}, units, start, end)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []engine.CaseFacts
	snaps := map[int64]int{} // event id -> index in out
	for rows.Next() {
		var f engine.CaseFacts
		var flags, tier, outcome, state string
		var snap engine.Case
		var event *int64
		if err := rows.Scan(&f.ID, &f.LocationUnitID, &f.Category, &f.Source, &f.People, &flags, &f.OpenedAt,
			&f.AcceptedAt, &f.ReferredAt, &f.AgreedAt, &tier, &f.AgreedKind, &f.AgreementAmount, &f.ClosedAt, &outcome, &f.ArchivedAt,
			&state, &snap.DueAt, &snap.OverallDueAt, &snap.SuspendedAt, &event); err != nil {
			rows.Close()
			return nil, err
		}
		if !f.OpenedAt.Before(end) {
			continue
		}
		if flags != "" {
			f.Flags = strings.Split(flags, ",")
		}
		f.AgreedTier, f.Outcome = workflow.Level(tier), workflow.State(outcome)
		snap.State = workflow.State(state)
		if event != nil {
			snaps[*event] = len(out)
		}
		f.StateAtEnd, f.OverdueAtEnd = atEnd(&snap, end)
		out = append(out, f)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if err := db.snapshots(ctx, out, snaps, end); err != nil {
		return nil, err
	}
	return out, db.lastMediators(ctx, out, end)
}

// atEnd reads the state and lateness at end from a case's columns as they
// stood then.
func atEnd(snap *engine.Case, end time.Time) (workflow.State, bool) {
	return snap.State, snap.State.Open() && snap.LatestPassed(end) != nil
}

// snapshots sets the state at end of the cases that changed since, from
// their last event before it.
func (db *DB) snapshots(ctx context.Context, facts []engine.CaseFacts, snaps map[int64]int, end time.Time) error {
	ids := make([]int64, 0, len(snaps))
	for id := range snaps {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), chunkSize)]
		ids = ids[len(chunk):]
		rows, err := db.reader().query(ctx, "SELECT id, to_state, due_at, overall_due_at, suspended_at FROM case_events WHERE "+
			db.d.in("id"), db.d.list(chunk))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var state string
			var snap engine.Case
			if err := rows.Scan(&id, &state, &snap.DueAt, &snap.OverallDueAt, &snap.SuspendedAt); err != nil {
				rows.Close()
				return err
			}
			snap.State = workflow.State(state)
			f := &facts[snaps[id]]
			f.StateAtEnd, f.OverdueAtEnd = atEnd(&snap, end)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
	}
	return nil
}

// lastMediators sets, for the cases overdue at end, the mediator who last
// recorded anything on them before it.
func (db *DB) lastMediators(ctx context.Context, facts []engine.CaseFacts, end time.Time) error {
	byCase := map[int64]*engine.CaseFacts{}
	var ids []int64
	for i := range facts {
		if facts[i].OverdueAtEnd {
			byCase[facts[i].ID] = &facts[i]
			ids = append(ids, facts[i].ID)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), chunkSize)]
		ids = ids[len(chunk):]
		rows, err := db.reader().query(ctx, "SELECT case_id, actor_id FROM case_events WHERE "+db.d.in("case_id")+
			" AND at < ? AND role = ? ORDER BY case_id, seq", db.d.list(chunk), end, workflow.RoleMediator)
		if err != nil {
			return err
		}
		for rows.Next() {
			var caseID int64
			var actor *int64
			if err := rows.Scan(&caseID, &actor); err != nil {
				rows.Close()
				return err
			}
			byCase[caseID].LastMediator = deref(actor)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
	}
	return nil
}

// chunkSize bounds the ids passed to one statement, so that a county's year
// is read in a few statements and none holds an unbounded list.
const chunkSize = 2000

// MonthEvents returns the events of [start, end) on the given cases that
// the report counts: escalations, agreements, follow-up visits, and
// everything mediators recorded.
func (db *DB) MonthEvents(ctx context.Context, caseIDs []int64, start, end time.Time) ([]engine.MonthEvent, error) {
	var out []engine.MonthEvent
	// The cases are looked up in the order of their ids, which is the order
	// of the index and, roughly, of the table: neighbours share pages.
	caseIDs = slices.Clone(caseIDs)
	slices.Sort(caseIDs)
	for len(caseIDs) > 0 {
		chunk := caseIDs[:min(len(caseIDs), chunkSize)]
		caseIDs = caseIDs[len(chunk):]
		rows, err := db.reader().query(ctx, `SELECT case_id, name, actor_id, actor_name, role, automatic,
			CASE WHEN name = ? THEN data ELSE '' END FROM case_events
			WHERE `+db.d.in("case_id")+` AND at >= ? AND at < ? AND (`+db.d.in("name")+` OR role = ?)`,
			workflow.Confirm, db.d.list(chunk), start.UTC(), end.UTC(), db.d.list(engine.CountedEvents), workflow.RoleMediator)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ev engine.MonthEvent
			var actor *int64
			var role, data string
			if err := rows.Scan(&ev.CaseID, &ev.Name, &actor, &ev.ActorName, &role, &ev.Automatic, &data); err != nil {
				rows.Close()
				return nil, err
			}
			if ev.Name == string(workflow.Confirm) {
				var d struct {
					Confirmation string `json:"confirmation"`
				}
				if err := json.Unmarshal([]byte(data), &d); err != nil {
					rows.Close()
					return nil, fmt.Errorf("store: event data of case %d: %w", ev.CaseID, err)
				}
				ev.Confirmation = d.Confirmation
			}
			ev.ActorID, ev.Role = deref(actor), workflow.Role(role)
			out = append(out, ev)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
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

// Sweeps returns the sweeps of the months filed by grids in units.
func (db *DB) Sweeps(ctx context.Context, units []int64, months []string) ([]*engine.Sweep, error) {
	var rows []sweepRow
	if err := db.r.WithContext(ctx).Where("grid_id IN ? AND month IN ?", units, months).Order("grid_id, month").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.Sweep, len(rows))
	for i, r := range rows {
		out[i] = &engine.Sweep{ID: r.ID, GridID: r.GridID, Month: r.Month, SweptOn: r.SweptOn, Households: r.Households,
			Risks: r.Risks, DisputesFound: r.DisputesFound, Notes: r.Notes, FiledBy: deref(r.FiledBy), FiledAt: r.FiledAt.UTC()}
	}
	return out, nil
}
