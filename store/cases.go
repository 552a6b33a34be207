package store

import (
	"context"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
)

// ImportedCase reports whether a case with the import key exists.
func (db *DB) ImportedCase(ctx context.Context, key string) (bool, error) {
	var n int64
	err := db.r.WithContext(ctx).Model(&caseRow{}).Where("import_key = ?", key).Count(&n).Error
	return n > 0, err
}

// Cases returns a page of the cases that match f, overdue and soonest due
// first, and how many match.
func (db *DB) Cases(ctx context.Context, f engine.CaseFilter) ([]*engine.Case, int, error) {
	q := db.r.WithContext(ctx).Model(&caseRow{})
	if f.Units != nil {
		q = q.Where("(location_unit_id IN ? OR handling_unit_id IN ?)", f.Units, f.Units)
	}
	if f.IDs != nil {
		q = q.Where("id IN ?", f.IDs)
	}
	if len(f.Handling) > 0 {
		q = q.Where("handling_unit_id IN ?", f.Handling)
	}
	if len(f.States) > 0 {
		q = q.Where("state IN ?", f.States)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.Source != "" {
		q = q.Where("source = ?", f.Source)
	}
	if f.OverdueAt != nil {
		t := f.OverdueAt.UTC()
		q = q.Where("state IN ? AND suspended_at IS NULL AND (due_at <= ? OR (state IN ? AND overall_due_at <= ?))",
			[]workflow.State{workflow.Registered, workflow.Grid, workflow.Village, workflow.Town, workflow.Referred}, t,
			[]workflow.State{workflow.Grid, workflow.Village, workflow.Town}, t)
	}
	if f.Number != "" {
		q = q.Where("(number LIKE ? OR code = ?)", "%"+f.Number+"%", f.Number)
	}
	if f.Party != "" {
		q = q.Where("id IN (SELECT case_id FROM parties WHERE name LIKE ?)", "%"+f.Party+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []caseRow
	err := q.Order("(due_at IS NULL), due_at, id DESC").Offset(f.Offset).Limit(f.Limit).Find(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	out := make([]*engine.Case, len(rows))
	for i := range rows {
		out[i] = rows[i].toCase()
	}
	return out, int(total), loadParties(ctx, db.reader(), out)
}

// Duplicates returns the open cases with a party whose ID number is in ids
// or phone in phones, or whose name is in names at a location in units.
func (db *DB) Duplicates(ctx context.Context, ids, phones, names []string, units []int64) ([]*engine.Case, error) {
	var conds []string
	var args []any
	if len(ids) > 0 {
		conds, args = append(conds, "id_number IN ?"), append(args, ids)
	}
	if len(phones) > 0 {
		conds, args = append(conds, "phone IN ?"), append(args, phones)
	}
	if len(names) > 0 && len(units) > 0 {
		conds = append(conds, "(name IN ? AND case_id IN (SELECT id FROM cases WHERE location_unit_id IN ?))")
		args = append(args, names, units)
	}
	if len(conds) == 0 {
		return nil, nil
	}
	sub := db.r.WithContext(ctx).Table("parties").Select("case_id").Where(strings.Join(conds, " OR "), args...)
	var rows []caseRow
	err := db.r.WithContext(ctx).Where("id IN (?) AND state IN ?", sub, []workflow.State{workflow.Registered,
		workflow.Grid, workflow.Village, workflow.Town, workflow.Referred}).Order("id DESC").Limit(20).Find(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]*engine.Case, len(rows))
	for i := range rows {
		out[i] = rows[i].toCase()
	}
	return out, loadParties(ctx, db.reader(), out)
}

// DueCases returns the cases with a deadline passed at now that the
// scheduler has not dealt with: overdue grid and village cases, and those
// whose latest passed deadline is not flagged yet. Suspended cases wait.
func (db *DB) DueCases(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	now = now.UTC()
	tiers := []workflow.State{workflow.Grid, workflow.Village, workflow.Town}
	err := db.r.WithContext(ctx).Model(&caseRow{}).
		Where("state IN ? AND suspended_at IS NULL", []workflow.State{workflow.Registered, workflow.Grid, workflow.Village,
			workflow.Town, workflow.Referred, workflow.Agreed}).
		Where("(due_at <= ? AND (flagged_due_at IS NULL OR flagged_due_at < due_at)) OR "+
			"(state IN ? AND overall_due_at <= ? AND (flagged_due_at IS NULL OR flagged_due_at < overall_due_at))", now, tiers, now).
		Order("id").Pluck("id", &ids).Error
	return ids, err
}

// Events returns a case's timeline, oldest first.
func (db *DB) Events(ctx context.Context, caseID int64) ([]*engine.Event, error) {
	var rows []eventRow
	if err := db.r.WithContext(ctx).Where("case_id = ?", caseID).Order("seq").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.Event, len(rows))
	for i := range rows {
		out[i] = rows[i].toEvent()
	}
	return out, nil
}

// Agreements returns a case's agreements, oldest first.
func (db *DB) Agreements(ctx context.Context, caseID int64) ([]*engine.Agreement, error) {
	var rows []agreementRow
	if err := db.r.WithContext(ctx).Where("case_id = ?", caseID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.Agreement, len(rows))
	for i, r := range rows {
		out[i] = &engine.Agreement{ID: r.ID, CaseID: r.CaseID, EventID: r.EventID, Kind: r.Kind, Facts: r.Facts,
			Terms: r.Terms, Performance: r.Performance, DueAt: utc(r.DueAt), Amount: r.Amount,
			SignedAt: r.SignedAt.UTC(), Copies: r.Copies, Tier: workflow.Level(r.Tier)}
	}
	return out, nil
}

// Referrals returns a case's referrals, oldest first.
func (db *DB) Referrals(ctx context.Context, caseID int64) ([]*engine.Referral, error) {
	var rows []referralRow
	if err := db.r.WithContext(ctx).Where("case_id = ?", caseID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]*engine.Referral, len(rows))
	for i, r := range rows {
		out[i] = &engine.Referral{ID: r.ID, CaseID: r.CaseID, EventID: r.EventID, Partner: r.Partner, Reason: r.Reason,
			At: r.At.UTC(), DueAt: r.DueAt.UTC(), ResolvedAt: utc(r.ResolvedAt), Result: r.Result}
	}
	return out, nil
}
