package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/subsidy"
)

const subsidyColumns = `s.id, s.case_id, s.event_id, s.location_unit_id, s.committee_id, s.mediator_id, s.mediator_name, s.grade, s.amount,
	s.earned_at, c.number`

func scanSubsidy(rows *sql.Rows) (*engine.Subsidy, error) {
	var s engine.Subsidy
	var committee, mediator *int64
	err := rows.Scan(&s.ID, &s.CaseID, &s.EventID, &s.LocationUnitID, &committee, &mediator, &s.MediatorName, &s.Grade, &s.Amount,
		&s.EarnedAt, &s.CaseNumber)
	s.CommitteeID, s.MediatorID, s.EarnedAt = deref(committee), deref(mediator), s.EarnedAt.UTC()
	return &s, err
}

const adjustmentColumns = "id, subsidy_id, kind, grade, amount, reason, by_id, by_name, at"

func scanAdjustment(rows *sql.Rows) (*subsidy.Adjustment, error) {
	var a subsidy.Adjustment
	var by *int64
	err := rows.Scan(&a.ID, &a.SubsidyID, &a.Kind, &a.Grade, &a.Amount, &a.Reason, &by, &a.ByName, &a.At)
	a.ByID, a.At = deref(by), a.At.UTC()
	return &a, err
}

// Subsidies returns the subsidies of the cases located in units earned or
// adjusted in [start, end), by case number, and their adjustments made
// before end, in order.
func (db *DB) Subsidies(ctx context.Context, units []int64, start, end time.Time) ([]*engine.Subsidy, []*subsidy.Adjustment, error) {
	if len(units) == 0 {
		return nil, nil, nil
	}
	r, list, from, to := db.reader(), db.d.list(units), start.UTC(), end.UTC()
	var subs []*engine.Subsidy
	err := r.each(ctx, "SELECT "+subsidyColumns+" FROM subsidies s JOIN cases c ON c.id = s.case_id WHERE "+db.d.in("s.location_unit_id")+
		` AND s.earned_at < ? AND (s.earned_at >= ? OR EXISTS (SELECT 1 FROM subsidy_adjustments a WHERE a.subsidy_id = s.id
		AND a.at >= ? AND a.at < ?)) ORDER BY c.number, s.id`, []any{list, to, from, from, to}, func(rows *sql.Rows) error {
		s, err := scanSubsidy(rows)
		subs = append(subs, s)
		return err
	})
	if err != nil || len(subs) == 0 {
		return subs, nil, err
	}
	ids := make([]int64, len(subs))
	for i, s := range subs {
		ids[i] = s.ID
	}
	var adjs []*subsidy.Adjustment
	err = r.each(ctx, "SELECT "+adjustmentColumns+" FROM subsidy_adjustments WHERE "+db.d.in("subsidy_id")+" AND at < ? ORDER BY at, id",
		[]any{db.d.list(ids), to}, func(rows *sql.Rows) error {
			a, err := scanAdjustment(rows)
			adjs = append(adjs, a)
			return err
		})
	return subs, adjs, err
}

// SubsidyOf returns a subsidy with its adjustments.
func (db *DB) SubsidyOf(ctx context.Context, id int64) (*engine.Subsidy, []*subsidy.Adjustment, error) {
	r := db.reader()
	var s *engine.Subsidy
	err := r.each(ctx, "SELECT "+subsidyColumns+" FROM subsidies s JOIN cases c ON c.id = s.case_id WHERE s.id = ?", []any{id},
		func(rows *sql.Rows) error {
			var err error
			s, err = scanSubsidy(rows)
			return err
		})
	if err != nil {
		return nil, nil, err
	}
	if s == nil {
		return nil, nil, engine.Errorf(engine.ENOTFOUND, "没有这笔补贴。")
	}
	var adjs []*subsidy.Adjustment
	err = r.each(ctx, "SELECT "+adjustmentColumns+" FROM subsidy_adjustments WHERE subsidy_id = ? ORDER BY at, id", []any{id},
		func(rows *sql.Rows) error {
			a, err := scanAdjustment(rows)
			adjs = append(adjs, a)
			return err
		})
	return s, adjs, err
}

// Adjust records an adjustment of a subsidy. Two supervisors adjusting one
// subsidy at once write one after the other; the second is refused when
// the first clawed it back.
func (db *DB) Adjust(ctx context.Context, a *subsidy.Adjustment) error {
	return db.write(ctx, func(c conn) error {
		var clawed int
		if err := c.scalar(ctx, &clawed, "SELECT COUNT(*) FROM subsidy_adjustments WHERE subsidy_id = ? AND kind = ?",
			a.SubsidyID, subsidy.ClawBack); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if clawed > 0 {
			return engine.Errorf(engine.ECONFLICT, "这笔补贴已经追回，不能再调整。")
		}
		var err error
		a.ID, err = c.insert(ctx, `INSERT INTO subsidy_adjustments (subsidy_id, kind, grade, amount, reason, by_id, by_name, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.SubsidyID, a.Kind, a.Grade, a.Amount, a.Reason, nilIfZero(a.ByID), a.ByName, a.At.UTC())
		return err
	})
}
