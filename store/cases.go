package store

import (
	"context"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/workflow"
	"gorm.io/gorm"
)

// CreateCase inserts a case, its parties and its first event, and issues its
// number, in one transaction.
func (db *DB) CreateCase(ctx context.Context, c *engine.Case, format func(seq int) string, first *engine.Event, history ...*engine.Change) error {
	return db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seq, err := nextSeq(tx, c.TownID, c.Year)
		if err != nil {
			return err
		}
		c.Seq, c.Number = seq, format(seq)
		row := fromCase(c)
		if err := tx.Create(row).Error; err != nil {
			if isUniqueViolation(err) && c.ImportKey != "" {
				return engine.Errorf(engine.ECONFLICT, "该案件已导入过。")
			}
			return err
		}
		c.ID = row.ID
		for _, p := range c.Parties {
			pr := fromParty(c.ID, p)
			if err := tx.Create(pr).Error; err != nil {
				return err
			}
			p.ID, p.CaseID = pr.ID, c.ID
		}
		ev, err := fromEvent(c.ID, first)
		if err != nil {
			return err
		}
		if err := tx.Create(ev).Error; err != nil {
			return err
		}
		first.ID, first.CaseID = ev.ID, c.ID
		for _, ch := range history {
			ch.Case.ID, ch.Case.Number, ch.Case.Seq = c.ID, c.Number, c.Seq
			if err := applyChange(tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
}

// nextSeq takes the next case number of a town and year. The UPDATE locks the
// sequence row until the transaction ends, so two cases never share a number,
// and a rolled-back case gives its number back with everything else.
func nextSeq(tx *gorm.DB, townID int64, year int) (int, error) {
	var seq int
	res := tx.Raw("UPDATE case_sequences SET last = last + 1 WHERE town_id = ? AND year = ? RETURNING last", townID, year).Scan(&seq)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 1 {
		return seq, nil
	}
	if err := tx.Exec("INSERT INTO case_sequences (town_id, year, last) VALUES (?, ?, 1)", townID, year).Error; err != nil {
		return 0, err
	}
	return 1, nil
}

// FindCase returns a case with its parties.
func (db *DB) FindCase(ctx context.Context, id int64) (*engine.Case, error) {
	return db.findCase(ctx, db.r.WithContext(ctx).Where("id = ?", id))
}

// FindCaseBy returns the case with a number or public code.
func (db *DB) FindCaseBy(ctx context.Context, numberOrCode string) (*engine.Case, error) {
	return db.findCase(ctx, db.r.WithContext(ctx).Where("number = ? OR code = ?", numberOrCode, numberOrCode))
}

func (db *DB) findCase(ctx context.Context, q *gorm.DB) (*engine.Case, error) {
	var row caseRow
	if err := q.Take(&row).Error; err != nil {
		return nil, notFound(err, "案件不存在。")
	}
	c := row.toCase()
	var parties []partyRow
	if err := db.r.WithContext(ctx).Where("case_id = ?", c.ID).Order("id").Find(&parties).Error; err != nil {
		return nil, err
	}
	for i := range parties {
		c.Parties = append(c.Parties, parties[i].toParty())
	}
	return c, nil
}

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
		q = q.Where("state IN ? AND suspended_at IS NULL AND (due_at < ? OR (state IN ? AND overall_due_at < ?))",
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
	return out, int(total), nil
}

// Apply writes one event's change in one transaction, if the case is still at
// the version the change was decided on.
func (db *DB) Apply(ctx context.Context, ch *engine.Change) error {
	return db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return applyChange(tx, ch) })
}

// applyChange writes one event's change inside tx.
func applyChange(tx *gorm.DB, ch *engine.Change) error {
	c := ch.Case
	row := &caseRow{}
	row.setMutable(c)
	res := tx.Model(row).Where("id = ? AND version = ?", c.ID, ch.Version).Select(mutableColumns).Updates(row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return engine.Errorf(engine.ECONFLICT, "本案刚被他人更新，您的操作未保存，请查看最新情况后再操作。")
	}
	ev, err := fromEvent(c.ID, ch.Event)
	if err != nil {
		return err
	}
	if err := tx.Create(ev).Error; err != nil {
		if isUniqueViolation(err) {
			return engine.Errorf(engine.ECONFLICT, "本案刚被他人更新，您的操作未保存，请查看最新情况后再操作。")
		}
		return err
	}
	ch.Event.ID, ch.Event.CaseID = ev.ID, c.ID
	return applyRecords(tx, ch, ev.ID)
}

// applyRecords inserts the records that come with an event.
func applyRecords(tx *gorm.DB, ch *engine.Change, eventID int64) error {
	caseID := ch.Case.ID
	if p := ch.Party; p != nil {
		row := fromParty(caseID, p)
		if err := tx.Create(row).Error; err != nil {
			return err
		}
		p.ID, p.CaseID = row.ID, caseID
		ch.Case.Parties = append(append([]*engine.Party(nil), ch.Case.Parties...), p)
	}
	if a := ch.Agreement; a != nil {
		row := agreementRow{CaseID: caseID, EventID: eventID, Kind: a.Kind, Facts: a.Facts, Terms: a.Terms,
			Performance: a.Performance, DueAt: utc(a.DueAt), Amount: a.Amount, SignedAt: a.SignedAt.UTC(), Copies: a.Copies, Tier: string(a.Tier)}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		a.ID, a.CaseID, a.EventID = row.ID, caseID, eventID
	}
	if s := ch.Session; s != nil {
		row := sessionRow{CaseID: caseID, EventID: eventID, At: s.At.UTC(), Place: s.Place, Participants: s.Participants, Record: s.Record}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		s.ID = row.ID
	}
	if f := ch.FollowUp; f != nil {
		row := followUpRow{CaseID: caseID, EventID: eventID, At: f.At.UTC(), Visited: f.Visited, Performed: f.Performed, Findings: f.Findings}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		f.ID = row.ID
	}
	if r := ch.Referral; r != nil {
		row := referralRow{CaseID: caseID, EventID: eventID, Partner: r.Partner, Reason: r.Reason, At: r.At.UTC(), DueAt: r.DueAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		r.ID = row.ID
	}
	if r := ch.Resolve; r != nil {
		err := tx.Model(&referralRow{}).Where("case_id = ? AND resolved_at IS NULL", caseID).
			Updates(map[string]any{"resolved_at": r.ResolvedAt.UTC(), "result": r.Result}).Error
		if err != nil {
			return err
		}
	}
	return nil
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
