package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
	"gorm.io/gorm/clause"
)

// inScope completes sel, a query on cases c whose arguments so far are
// selArgs, with the condition of the cases the period [start, end) may
// count: located in units, registered before the end, and not closed
// before the start unless something happened to them since (a file
// archived, a judicial confirmation recorded). The query runs as three
// branches, closed in or after the period, not closed at all, and closed
// before it with a later event, so that each walks an index led by the
// location instead of every case the town ever had. Each branch ends with
// tail (a GROUP BY, so that each branch is summed as it walks its index;
// the caller adds up the rows of the branches).
//
// The open branch tests "registered before the end" unindexed, so that the
// planner cannot prefer the (location, opened_at) index. For an instant it
// takes the cases open now and those whose state or deadlines moved since
// (moved), which alone may have been open then; for a period, those
// touched since its start, whose moments and events it may count.
//
// The third branch must walk the index on the last event, where the few
// cases touched since the start are; the closing time is kept from leading
// the planner to every case the location closed before the period.
//
// A case never closed counts in nothing unless it is open now or something
// happened to it since the period began: an agreement from years ago that
// was never followed up is left out.
func inScope(d dialect, sel string, selArgs []any, tail string, units []int64, start, end time.Time) (string, []any) {
	closedSince, closedArgs := closedSinceCond(d, units, start, end)
	unclosed, unclosedArgs := unclosedCond(d, units, start, end)
	if d.postgres {
		// PostgreSQL's planner takes the two times for independent: over a
		// province, for the end of 2025, it expected 547,000 of the cases
		// closed since to have been opened before (24,720 were) and read
		// every case, 1.5-2.5 s on three processes. Each branch finds its
		// cases' ids first, in an index that holds all it tests (the
		// closing times', the unclosed cases'; migration 50), then reads
		// their rows by id: the unclosed cases that had not moved were told
		// apart in 170 ms where reading their rows took 430 ms.
		closedSince = "c.id = ANY(ARRAY(SELECT c.id FROM cases c WHERE " + closedSince + "))"
		unclosed = "c.id = ANY(ARRAY(SELECT c.id FROM cases c WHERE " + unclosed + "))"
	}
	var args []any
	args = append(append(args, selArgs...), closedArgs...)
	args = append(append(args, selArgs...), unclosedArgs...)
	q := sel + closedSince + tail + " UNION ALL " + sel + unclosed + tail
	if !start.Before(end) {
		// An instant (the end of a period) counts no case closed before it.
		return q, args
	}
	args = append(append(args, selArgs...), d.list(units), start, start)
	return q + " UNION ALL " + sel + d.in("c.location_unit_id") + " AND c.last_event_at >= ? AND " + d.unindexed("c.closed_at") + " < ?" + tail, args
}

// closedSinceCond is the condition of inScope's first branch: the cases
// located in units registered before end and closed at or after start.
func closedSinceCond(d dialect, units []int64, start, end time.Time) (string, []any) {
	return d.in("c.location_unit_id") + " AND c.opened_at < ? AND c.closed_at >= ?", []any{d.list(units), end, start}
}

// unclosedCond is the condition of inScope's second branch: the cases
// located in units registered before end, never closed, and open now or
// touched since start (for an instant, moved since).
func unclosedCond(d dialect, units []int64, start, end time.Time) (string, []any) {
	touched := "c.last_event_at"
	if !start.Before(end) {
		touched = moved
	}
	return d.in("c.location_unit_id") + " AND c.closed_at IS NULL AND " + d.unindexed("c.opened_at") + " < ? AND (" + d.in("c.state") + " OR " + touched + " >= ?)",
		[]any{d.list(units), end, d.list(workflow.OpenStates()), start}
}

// moved is when a case's state or deadlines last moved (Case.MovedAt), or
// on an older case its last event.
const moved = "COALESCE(c.moved_at, c.last_event_at)"

// ReportFacts returns the facts of the cases located in units that the
// period [start, end) may count: those registered before its end and not
// closed before its start, with their state and deadlines after their last
// event before the end. A case whose state and deadlines did not move since
// the end is as its columns say; only the others are looked up in the event
// log.
func (db *DB) ReportFacts(ctx context.Context, units []int64, start, end time.Time) ([]report.CaseFacts, error) {
	if len(units) == 0 {
		return nil, nil
	}
	start, end = start.UTC(), end.UTC()
	facts := `SELECT c.id, c.location_unit_id, c.category, c.source, c.people, c.flags, c.opened_at, c.accepted_at,
		c.referred_at, c.agreed_at, c.agreed_tier, c.agreed_kind, c.agreement_amount, c.closed_at, c.outcome, c.archived_at, `
	lastEvent := "FROM case_events x WHERE x.case_id = c.id AND x.at < ?"
	sel := facts + `c.state, c.due_at, c.overall_due_at, c.suspended_at,
		CASE WHEN ` + moved + ` IS NULL OR ` + moved + ` >= ? THEN (SELECT x.id ` + lastEvent + ` ORDER BY x.seq DESC LIMIT 1) END
	FROM cases c WHERE `
	if db.d.postgres {
		// PostgreSQL reads the last event's state and deadlines beside the
		// case, where SQLite names the event and reads them after: over a
		// province, the 24,720 cases closed since the end of 2025 were
		// read again by their events' ids in 13 statements, 300 ms.
		sel = facts + pgAtEnd + ", NULL" + pgAtEndJoin
	}
	q, args := inScope(db.d, sel, []any{end, end}, "", units, start, end)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []report.CaseFacts
	snaps := map[int64]int{} // event id -> index in out
	for rows.Next() {
		var f report.CaseFacts
		var flags, tier, outcome, state string
		var snap engine.Case
		var event *int64
		if err := rows.Scan(&f.ID, &f.LocationUnitID, &f.Category, &f.Source, &f.People, &flags, &f.OpenedAt,
			&f.AcceptedAt, &f.ReferredAt, &f.AgreedAt, &tier, &f.AgreedKind, &f.AgreementAmount, &f.ClosedAt, &outcome, &f.ArchivedAt,
			&state, &snap.DueAt, &snap.OverallDueAt, &snap.SuspendedAt, &event); err != nil {
			rows.Close()
			return nil, err
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

// pgAtEnd is, on PostgreSQL, a case's state and deadlines at an instant,
// read beside it by pgAtEndJoin (whose two arguments are the instant): its
// own columns unless they moved since, else what its last event before the
// instant left.
const pgAtEnd = `COALESCE(x.to_state, c.state), CASE WHEN x.id IS NULL THEN c.due_at ELSE x.due_at END,
	CASE WHEN x.id IS NULL THEN c.overall_due_at ELSE x.overall_due_at END,
	CASE WHEN x.id IS NULL THEN c.suspended_at ELSE x.suspended_at END`

const pgAtEndJoin = ` FROM cases c LEFT JOIN LATERAL (SELECT x.id, x.to_state, x.due_at, x.overall_due_at, x.suspended_at
	FROM case_events x WHERE x.case_id = c.id AND x.at < ? AND (` + moved + ` IS NULL OR ` + moved + ` >= ?)
	ORDER BY x.seq DESC LIMIT 1) x ON TRUE WHERE `

// atEnd reads the state and lateness at end from a case's columns as they
// stood then.
func atEnd(snap *engine.Case, end time.Time) (workflow.State, bool) {
	return snap.State, snap.Overdue(end)
}

// snapshots sets the state at end of the cases that changed since, from
// their last event before it.
func (db *DB) snapshots(ctx context.Context, facts []report.CaseFacts, snaps map[int64]int, end time.Time) error {
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
func (db *DB) lastMediators(ctx context.Context, facts []report.CaseFacts, end time.Time) error {
	byCase := map[int64]*report.CaseFacts{}
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

// unitSeparator joins words in one column; no category, source or
// workflow name holds it.
const unitSeparator = "\x1f"

// momentColumns are the case columns of report.Moments.
var momentColumns = map[report.Moment]string{
	report.MomentOpened:   "c.opened_at",
	report.MomentAccepted: "c.accepted_at",
	report.MomentReferred: "c.referred_at",
	report.MomentAgreed:   "c.agreed_at",
	report.MomentClosed:   "c.closed_at",
	report.MomentArchived: "c.archived_at",
	report.MomentMediated: "COALESCE(c.agreed_at, CASE WHEN c.outcome IN ('" + string(workflow.Failed) + "', '" +
		string(workflow.Withdrawn) + "') THEN c.closed_at END)",
}

// ReportPeriod reads the data of the period [start, end) for the cases
// located in units that it may count: what the period needs of each case,
// with the moments that fell in it told by the database; the cases open at
// the end, read whole to tell their state then; and the counted events and
// the mediators' work when asked, read from the events by their location.
func (db *DB) ReportPeriod(ctx context.Context, units []int64, start, end time.Time, mediators bool) (*report.PeriodData, error) {
	d := &report.PeriodData{}
	if len(units) == 0 {
		return d, nil
	}
	start, end = start.UTC(), end.UTC()
	// The reads are independent, and each runs on its own connection.
	reads := []func() error{
		func() (err error) { d.Cases, err = db.periodCases(ctx, units, start, end); return err },
		func() (err error) { d.AtEnd, err = db.openAtEnd(ctx, units, end); return err },
		func() (err error) { d.Events, err = db.eventCounts(ctx, units, start, end); return err },
	}
	if mediators {
		reads = append(reads, func() (err error) { d.Mediators, err = db.mediatorCounts(ctx, units, start, end); return err })
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() { errs[i] = read() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return d, nil
}

// PeriodCases reads what the period needs of each case in scope (see
// periodCases).
func (db *DB) PeriodCases(ctx context.Context, units []int64, start, end time.Time) ([]report.PeriodCase, error) {
	if len(units) == 0 {
		return nil, nil
	}
	return db.periodCases(ctx, units, start.UTC(), end.UTC())
}

// periodCases reads what the period needs of each case in scope. The
// database tells which moments fell in the period, as the bits of
// report.Moments, and the seconds from acceptance to an agreement in it, so
// that no time is sent or parsed.
func (db *DB) periodCases(ctx context.Context, units []int64, start, end time.Time) ([]report.PeriodCase, error) {
	var bits []string
	var args []any
	inPeriod := func(col string) string {
		at := db.d.timeText(col)
		args = append(args, start, end)
		return at + " >= ? AND " + at + " < ?"
	}
	for i, m := range report.Moments {
		bits = append(bits, "CASE WHEN "+inPeriod(momentColumns[m])+" THEN "+strconv.Itoa(1<<i)+" ELSE 0 END")
	}
	span := "CASE WHEN " + inPeriod("c.agreed_at") + " AND c.accepted_at IS NOT NULL THEN " +
		db.d.seconds("c.accepted_at", "c.agreed_at") + " END"
	// The case's words come joined in one column, split here: a column read
	// costs more than the few bytes it carries.
	words := strings.Join([]string{"c.category", "c.source", "c.outcome", "c.agreed_tier", "c.agreed_kind", "c.flags"}, " || ? || ")
	for range 5 {
		args = append(args, unitSeparator)
	}
	q, args := inScope(db.d, "SELECT c.location_unit_id, COALESCE(c.committee_id, 0), "+span+", "+strings.Join(bits, " + ")+`, c.people, c.agreement_amount, `+words+
		" FROM cases c WHERE ", args, "", units, start, end)
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []report.PeriodCase
	for rows.Next() {
		var c report.PeriodCase
		var joined string
		if err := rows.Scan(&c.LocationUnitID, &c.CommitteeID, &c.AgreementSeconds, &c.Moments, &c.People, &c.AgreementAmount, &joined); err != nil {
			rows.Close()
			return nil, err
		}
		w := strings.SplitN(joined, unitSeparator, 6)
		if len(w) != 6 {
			rows.Close()
			return nil, fmt.Errorf("store: a case's words hold the separator: %q", joined)
		}
		c.Category, c.Source, c.Outcome, c.AgreedTier, c.AgreedKind = w[0], w[1], workflow.State(w[2]), workflow.Level(w[3]), w[4]
		if w[5] != "" {
			c.Flags = strings.Split(w[5], ",")
		}
		out = append(out, c)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// openAtEnd returns the facts of the cases in units open at end: among
// those the instant [end, end) may count, the open ones.
func (db *DB) openAtEnd(ctx context.Context, units []int64, end time.Time) ([]report.CaseFacts, error) {
	if db.d.postgres {
		return db.pgOpenAtEnd(ctx, units, end.UTC())
	}
	facts, err := db.ReportFacts(ctx, units, end, end)
	if err != nil {
		return nil, err
	}
	var out []report.CaseFacts
	for _, c := range facts {
		if c.StateAtEnd.Open() {
			out = append(out, c)
		}
	}
	return out, nil
}

// pgOpenAtEnd is openAtEnd on PostgreSQL, reading only what the figures of
// the end and the mediators' rows need of a case: its location, its state
// and lateness then, and the last mediator of an overdue one. A case
// closed since is told by its last event before the end alone, its id and
// location read from the closing times' index (twice, in the order of the
// ids, zipped), never its row: over a province, the 24,720 cases of the
// end of 2025 took 330 ms where reading their rows too took 500-570 ms.
func (db *DB) pgOpenAtEnd(ctx context.Context, units []int64, end time.Time) ([]report.CaseFacts, error) {
	if len(units) == 0 {
		return nil, nil
	}
	closed, closedArgs := closedSinceCond(db.d, units, end, end)
	unclosed, unclosedArgs := unclosedCond(db.d, units, end, end)
	ids := "ARRAY(SELECT c.id FROM cases c WHERE " + closed + " ORDER BY c.id)"
	locations := "ARRAY(SELECT c.location_unit_id FROM cases c WHERE " + closed + " ORDER BY c.id)"
	q := "SELECT k.id, k.unit, x.to_state, x.due_at, x.overall_due_at, x.suspended_at FROM unnest(" + ids + ", " + locations + `) k(id, unit)
		CROSS JOIN LATERAL (SELECT x.to_state, x.due_at, x.overall_due_at, x.suspended_at FROM case_events x
			WHERE x.case_id = k.id AND x.at < ? ORDER BY x.seq DESC LIMIT 1) x
		UNION ALL SELECT c.id, c.location_unit_id, ` + pgAtEnd + pgAtEndJoin + "c.id = ANY(ARRAY(SELECT c.id FROM cases c WHERE " + unclosed + "))"
	args := slices.Concat(closedArgs, closedArgs, []any{end, end, end}, unclosedArgs)
	var out []report.CaseFacts
	var f report.CaseFacts
	var state string
	var snap engine.Case
	dest := []any{&f.ID, &f.LocationUnitID, &state, &snap.DueAt, &snap.OverallDueAt, &snap.SuspendedAt}
	err := db.reader().each(ctx, q, args, func(rows *sql.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		snap.State = workflow.State(state)
		if f.StateAtEnd, f.OverdueAtEnd = atEnd(&snap, end); f.StateAtEnd.Open() {
			out = append(out, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, db.lastMediators(ctx, out, end)
}

// eventCounts counts the events of the period that figures count, on the
// cases located in units, by location and kind. Every event of the period
// is on a case the period may count: registered before it, touched in it.
// The index holds all but the kind of a confirmation, so only confirmation
// events are read from the table.
func (db *DB) eventCounts(ctx context.Context, units []int64, start, end time.Time) ([]report.EventCount, error) {
	list := db.d.list(units)
	rows, err := db.reader().query(ctx, "SELECT x.location_unit_id, x.name, x.automatic, '', COUNT(*) FROM case_events x WHERE "+
		db.d.in("x.location_unit_id")+" AND x.at >= ? AND x.at < ? AND "+db.d.in("x.name")+" AND x.name <> ? GROUP BY 1, 2, 3"+
		" UNION ALL SELECT x.location_unit_id, x.name, x.automatic, "+db.d.jsonText("x.data", "confirmation")+
		", COUNT(*) FROM case_events x WHERE "+db.d.in("x.location_unit_id")+" AND x.at >= ? AND x.at < ? AND x.name = ? GROUP BY 1, 2, 3, 4",
		list, start, end, db.d.list(report.FigureEvents), workflow.Confirm, list, start, end, workflow.Confirm)
	if err != nil {
		return nil, err
	}
	var out []report.EventCount
	for rows.Next() {
		var ev report.EventCount
		if err := rows.Scan(&ev.LocationUnitID, &ev.Name, &ev.Automatic, &ev.Confirmation, &ev.Count); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, ev)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// mediatorCounts reads the work of each mediator in the period on the cases
// located in units: known by their account, or, where the events name
// none, by the name on them.
func (db *DB) mediatorCounts(ctx context.Context, units []int64, start, end time.Time) ([]report.MediatorCount, error) {
	// The role is written into the statement, so that the planner may read
	// the partial index of the mediators' events (migration 50).
	rows, err := db.reader().query(ctx, "SELECT x.actor_id, MIN("+db.d.bytewise("x.actor_name")+`), COUNT(DISTINCT x.case_id),
		SUM(CASE WHEN x.name = ? THEN 1 ELSE 0 END) FROM case_events x
		WHERE `+db.d.in("x.location_unit_id")+` AND x.at >= ? AND x.at < ? AND x.role = '`+string(workflow.RoleMediator)+`'
		GROUP BY x.actor_id, CASE WHEN x.actor_id IS NULL THEN x.actor_name ELSE '' END`,
		workflow.Agree, db.d.list(units), start, end)
	if err != nil {
		return nil, err
	}
	var out []report.MediatorCount
	for rows.Next() {
		var m report.MediatorCount
		var actor *int64
		if err := rows.Scan(&actor, &m.Name, &m.Cases, &m.Agreements); err != nil {
			rows.Close()
			return nil, err
		}
		m.ActorID = deref(actor)
		out = append(out, m)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

type sweepRow struct {
	ID int64
	// UnitID is the unit that swept; the column was named when only grids
	// did.
	UnitID        int64 `gorm:"column:grid_id"`
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

// SaveSweep files a unit's sweep for a month, or replaces the one it filed
// (a correction): one row per unit and month, whoever filed it last.
func (db *DB) SaveSweep(ctx context.Context, s *report.Sweep) error {
	row := sweepRow{UnitID: s.UnitID, Month: s.Month, SweptOn: s.SweptOn, Households: s.Households, Risks: s.Risks,
		DisputesFound: s.DisputesFound, Notes: s.Notes, FiledBy: nilIfZero(s.FiledBy), FiledAt: s.FiledAt.UTC()}
	err := db.w.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "grid_id"}, {Name: "month"}},
		DoUpdates: clause.AssignmentColumns([]string{"swept_on", "households", "risks", "disputes_found", "notes", "filed_by", "filed_at"}),
	}).Create(&row).Error
	if err != nil {
		return err
	}
	s.ID = row.ID
	return nil
}

// Sweeps returns the sweeps of the months filed by the units.
func (db *DB) Sweeps(ctx context.Context, units []int64, months []string) ([]*report.Sweep, error) {
	var rows []sweepRow
	if err := db.r.WithContext(ctx).Where("grid_id IN ? AND month IN ?", units, months).Order("grid_id, month").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*report.Sweep, len(rows))
	for i, r := range rows {
		out[i] = &report.Sweep{ID: r.ID, UnitID: r.UnitID, Month: r.Month, SweptOn: r.SweptOn, Households: r.Households,
			Risks: r.Risks, DisputesFound: r.DisputesFound, Notes: r.Notes, FiledBy: deref(r.FiledBy), FiledAt: r.FiledAt.UTC()}
	}
	return out, nil
}

// SweepCounts counts, for each of units, the sweeps it filed of the months
// from first to last and the disputes they found, summed by the database:
// a report reads no sweep whole. The months are a range, so that a few
// units read theirs from the index led by the unit, a unit's months side
// by side, and a province's 15,600 grids one range of the index of the
// months (migration 51).
func (db *DB) SweepCounts(ctx context.Context, units []int64, first, last string) ([]report.SweepCount, error) {
	var out []report.SweepCount
	var c report.SweepCount
	dest := []any{&c.UnitID, &c.Filed, &c.DisputesFound}
	err := db.reader().each(ctx, "SELECT grid_id, COUNT(*), SUM(disputes_found) FROM sweeps WHERE "+db.d.in("grid_id")+
		" AND month >= ? AND month <= ? GROUP BY grid_id", []any{db.d.list(units), first, last}, func(rows *sql.Rows) error {
		err := rows.Scan(dest...)
		out = append(out, c)
		return err
	})
	return out, err
}

// PartyRecords reads, for the cases located in units, the applications
// parties made online (a first event by a party) opened, accepted or
// closed in [start, end), and the parties' ratings given in it.
func (db *DB) PartyRecords(ctx context.Context, units []int64, start, end time.Time) ([]report.Application, []report.RatingRecord, error) {
	if len(units) == 0 {
		return nil, nil, nil
	}
	r, list, from, to := db.reader(), db.d.list(units), start.UTC(), end.UTC()
	var apps []report.Application
	// The role and the name are written into the statements, not passed,
	// so that the planner may read the partial indexes of the applications
	// and the ratings (migration 43) whatever plan it keeps. The
	// applications are a set of their own, not a join, so that SQLite's
	// planner, which cannot weigh a partial index, reads them by it instead
	// of testing the first event of every case of the scope (a county's
	// 200,000).
	err := r.each(ctx, `SELECT c.location_unit_id, c.opened_at, c.accepted_at, c.closed_at, c.outcome FROM cases c
		WHERE c.id IN (SELECT e.case_id FROM case_events e WHERE e.seq = 1 AND e.role = '`+string(workflow.RoleParty)+`')
		AND `+db.d.in("c.location_unit_id")+`
		AND ((c.opened_at >= ? AND c.opened_at < ?) OR (c.accepted_at >= ? AND c.accepted_at < ?) OR (c.closed_at >= ? AND c.closed_at < ?))`,
		[]any{list, from, to, from, to, from, to}, func(rows *sql.Rows) error {
			var a report.Application
			var outcome string
			err := rows.Scan(&a.LocationUnitID, &a.OpenedAt, &a.AcceptedAt, &a.ClosedAt, &outcome)
			a.Outcome = workflow.State(outcome)
			apps = append(apps, a)
			return err
		})
	if err != nil {
		return nil, nil, err
	}
	var ratings []report.RatingRecord
	err = r.each(ctx, "SELECT e.location_unit_id, COALESCE(e.committee_id, 0), e.data FROM case_events e WHERE "+db.d.in("e.location_unit_id")+
		" AND e.name = '"+string(workflow.PartyRating)+"' AND e.at >= ? AND e.at < ?", []any{list, from, to}, func(rows *sql.Rows) error {
		var rec report.RatingRecord
		var data string
		if err := rows.Scan(&rec.LocationUnitID, &rec.CommitteeID, &data); err != nil {
			return err
		}
		var d engine.EventData
		if err := json.Unmarshal([]byte(data), &d); err != nil || d.Rating == nil {
			return fmt.Errorf("store: a rating without its answer: %q", data)
		}
		rec.MediatorID, rec.Mediator, rec.Value = d.Rating.MediatorID, d.Rating.Mediator, d.Rating.Value
		ratings = append(ratings, rec)
		return nil
	})
	return apps, ratings, err
}
