package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/ledger"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
)

const entryColumns = `id, kind, name, id_number, phone, address, people, unit_id, category, reason, colour,
	listed_at, listed_by, reviewed_at, review_due_at, pressed_at, delisted_at, sweep_id, version`

func scanEntry(rows *sql.Rows) (*ledger.Entry, error) {
	var e ledger.Entry
	var by, sweep *int64
	err := rows.Scan(&e.ID, &e.Kind, &e.Name, &e.IDNumber, &e.Phone, &e.Address, &e.People, &e.UnitID, &e.Category,
		&e.Reason, &e.Colour, &e.ListedAt, &by, &e.ReviewedAt, &e.ReviewDue, &e.PressedAt, &e.DelistedAt, &sweep, &e.Version)
	e.ListedBy, e.ListedAt, e.Sweep = deref(by), e.ListedAt.UTC(), deref(sweep)
	e.ReviewedAt, e.ReviewDue, e.PressedAt, e.DelistedAt = utc(e.ReviewedAt), utc(e.ReviewDue), utc(e.PressedAt), utc(e.DelistedAt)
	return &e, err
}

// CreateEntry writes a new entry, its owners and the record of its
// listing in one transaction.
func (db *DB) CreateEntry(ctx context.Context, e *ledger.Entry, r *ledger.Record) error {
	return db.write(ctx, func(c conn) error {
		var err error
		if e.ID, err = c.insert(ctx, `INSERT INTO ledger_entries (kind, name, id_number, phone, address, people, unit_id, category,
			reason, colour, listed_at, listed_by, review_due_at, sweep_id, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Kind, e.Name, e.IDNumber, e.Phone, e.Address, e.People, e.UnitID, e.Category, e.Reason, e.Colour,
			e.ListedAt.UTC(), nilIfZero(e.ListedBy), e.ReviewDue, nilIfZero(e.Sweep), e.Version); err != nil {
			return err
		}
		for _, u := range e.Owners {
			if _, err := c.exec(ctx, "INSERT INTO ledger_owners (entry_id, user_id) VALUES (?, ?)", e.ID, u); err != nil {
				return err
			}
		}
		r.EntryID = e.ID
		return insertRecord(ctx, c, r)
	})
}

func insertRecord(ctx context.Context, c conn, r *ledger.Record) error {
	var err error
	r.ID, err = c.insert(ctx, `INSERT INTO ledger_records (entry_id, kind, at, actor_id, actor_name, method, findings, colour_from,
		colour_to, reason, approver, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.EntryID, r.Kind, r.At.UTC(), nilIfZero(r.ActorID), r.ActorName, r.Method, r.Findings, r.ColourFrom, r.ColourTo, r.Reason, r.Approver, r.Due)
	return err
}

// UpdateEntry writes what a record changed of an entry, if no other
// change came first.
func (db *DB) UpdateEntry(ctx context.Context, e *ledger.Entry, r *ledger.Record) error {
	return db.write(ctx, func(c conn) error {
		res, err := c.exec(ctx, `UPDATE ledger_entries SET colour = ?, reviewed_at = ?, review_due_at = ?, pressed_at = ?,
			delisted_at = ?, version = ? WHERE id = ? AND version = ?`,
			e.Colour, e.ReviewedAt, e.ReviewDue, e.PressedAt, e.DelistedAt, e.Version, e.ID, e.Version-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, engine.Errorf(engine.ECONFLICT, "该条目刚被他人更新，请刷新后再提交。"))
		}
		return insertRecord(ctx, c, r)
	})
}

func (db *DB) entries(ctx context.Context, cond string, args ...any) ([]*ledger.Entry, error) {
	var out []*ledger.Entry
	err := db.reader().each(ctx, "SELECT "+entryColumns+" FROM ledger_entries WHERE "+cond, args, func(rows *sql.Rows) error {
		e, err := scanEntry(rows)
		out = append(out, e)
		return err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	byID := map[int64]*ledger.Entry{}
	for i, e := range out {
		ids[i], byID[e.ID] = e.ID, e
	}
	err = db.reader().each(ctx, "SELECT entry_id, user_id FROM ledger_owners WHERE "+db.d.in("entry_id")+" ORDER BY entry_id, user_id",
		[]any{db.d.list(ids)}, func(rows *sql.Rows) error {
			var e, u int64
			err := rows.Scan(&e, &u)
			byID[e].Owners = append(byID[e].Owners, u)
			return err
		})
	return out, err
}

// FindEntry returns an entry with its owners.
func (db *DB) FindEntry(ctx context.Context, id int64) (*ledger.Entry, error) {
	out, err := db.entries(ctx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, engine.Errorf(engine.ENOTFOUND, "台账条目不存在。")
	}
	return out[0], nil
}

// Entries lists entries by f: red first, then by when their review falls
// due, the longest overdue first.
func (db *DB) Entries(ctx context.Context, f ledger.Filter) ([]*ledger.Entry, int, error) {
	var w where
	if f.Units != nil {
		w.add(db.d.in("unit_id"), db.d.list(f.Units))
	}
	switch {
	case f.Sweeps != nil:
		// What a sweep found, on the ledger still or not.
	case f.Delisted:
		w.add("delisted_at IS NOT NULL")
	default:
		w.add("delisted_at IS NULL")
	}
	if f.Kind != "" {
		w.add("kind = ?", f.Kind)
	}
	if f.Colour != "" {
		w.add("colour = ?", f.Colour)
	}
	if f.Owner != 0 {
		w.add("id IN (SELECT entry_id FROM ledger_owners WHERE user_id = ?)", f.Owner)
	}
	if f.DueBy != nil {
		w.add("review_due_at <= ?", f.DueBy.UTC())
	}
	if f.Sweeps != nil {
		w.add(db.d.in("sweep_id"), db.d.list(f.Sweeps))
	}
	var n int
	if err := db.reader().scalar(ctx, &n, "SELECT COUNT(*) FROM ledger_entries WHERE "+w.String(), w.args...); err != nil {
		return nil, 0, err
	}
	order := ` ORDER BY CASE colour WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END,
		review_due_at, id LIMIT ? OFFSET ?`
	list, err := db.entries(ctx, w.String()+order, append(w.args, f.Limit, f.Offset)...)
	return list, n, err
}

// EntryRecords returns an entry's history, oldest first.
func (db *DB) EntryRecords(ctx context.Context, id int64) ([]*ledger.Record, error) {
	var out []*ledger.Record
	err := db.reader().each(ctx, `SELECT id, entry_id, kind, at, actor_id, actor_name, method, findings, colour_from, colour_to,
		reason, approver, due_at FROM ledger_records WHERE entry_id = ? ORDER BY id`, []any{id}, func(rows *sql.Rows) error {
		var r ledger.Record
		var actor *int64
		var at time.Time
		err := rows.Scan(&r.ID, &r.EntryID, &r.Kind, &at, &actor, &r.ActorName, &r.Method, &r.Findings, &r.ColourFrom, &r.ColourTo,
			&r.Reason, &r.Approver, &r.Due)
		r.At, r.ActorID, r.Due = at.UTC(), deref(actor), utc(r.Due)
		out = append(out, &r)
		return err
	})
	return out, err
}

// Listed returns the persons still listed with one of the ID numbers or
// phones.
func (db *DB) Listed(ctx context.Context, idNumbers, phones []string) ([]*ledger.Entry, error) {
	if len(idNumbers)+len(phones) == 0 {
		return nil, nil
	}
	if idNumbers == nil {
		idNumbers = []string{}
	}
	if phones == nil {
		phones = []string{}
	}
	return db.entries(ctx, "delisted_at IS NULL AND kind = 'person' AND (("+db.d.in("id_number")+" AND id_number <> '') OR ("+
		db.d.in("phone")+" AND phone <> '')) ORDER BY id", db.d.list(idNumbers), db.d.list(phones))
}

// SweepOf returns the unit and month of a sweep filed.
func (db *DB) SweepOf(ctx context.Context, id int64) (int64, string, error) {
	var unit int64
	var month string
	err := db.reader().each(ctx, "SELECT grid_id, month FROM sweeps WHERE id = ?", []any{id}, func(rows *sql.Rows) error {
		return rows.Scan(&unit, &month)
	})
	if err == nil && unit == 0 {
		err = engine.Invalid("sweep", "没有这次排查的填报。")
	}
	return unit, month, err
}

// CasesOfPerson returns the cases, newest first, with a party of that ID
// number or phone.
func (db *DB) CasesOfPerson(ctx context.Context, idNumber, phone string, limit int) ([]int64, error) {
	if idNumber == "" && phone == "" {
		return nil, nil
	}
	var ids []int64
	err := db.reader().each(ctx, `SELECT DISTINCT case_id FROM parties WHERE (id_number = ? AND id_number <> '') OR (phone = ? AND phone <> '')
		ORDER BY case_id DESC LIMIT ?`, []any{idNumber, phone, limit}, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	return ids, err
}

// LedgerCounts reads the ledger's figures of each of the units from start
// to end (see report.LedgerFigures), a statement each for all of them: a
// report sums them over itself and each of its rows.
func (db *DB) LedgerCounts(ctx context.Context, units []int64, start, end time.Time) (map[int64]*report.LedgerFigures, error) {
	out := map[int64]*report.LedgerFigures{}
	if len(units) == 0 {
		return out, nil
	}
	of := func(unit int64) *report.LedgerFigures {
		if out[unit] == nil {
			out[unit] = &report.LedgerFigures{AtEnd: map[string]int{}}
		}
		return out[unit]
	}
	r, in, list := db.reader(), db.d.in("e.unit_id"), db.d.list(units)
	start, end = start.UTC(), end.UTC()
	// An entry's colour at the end is the one its last record before the
	// end left it with.
	err := r.each(ctx, `SELECT e.unit_id, (SELECT r.colour_to FROM ledger_records r WHERE r.entry_id = e.id AND r.at < ? AND r.colour_to <> ''
		ORDER BY r.at DESC, r.id DESC LIMIT 1) AS colour, COUNT(*) FROM ledger_entries e
		WHERE `+in+` AND e.listed_at < ? AND (e.delisted_at IS NULL OR e.delisted_at >= ?) GROUP BY 1, 2`,
		[]any{end, list, end, end}, func(rows *sql.Rows) error {
			var unit int64
			var colour sql.NullString
			var n int
			err := rows.Scan(&unit, &colour, &n)
			of(unit).AtEnd[colour.String] += n
			return err
		})
	if err != nil {
		return nil, err
	}
	for _, q := range []struct {
		into func(*report.LedgerFigures) *int
		sql  string
		args []any
	}{
		{func(f *report.LedgerFigures) *int { return &f.Listed },
			"SELECT e.unit_id, COUNT(*) FROM ledger_entries e WHERE " + in + " AND e.listed_at >= ? AND e.listed_at < ? GROUP BY 1", []any{list, start, end}},
		{func(f *report.LedgerFigures) *int { return &f.Delisted },
			"SELECT e.unit_id, COUNT(*) FROM ledger_entries e WHERE " + in + " AND e.delisted_at >= ? AND e.delisted_at < ? GROUP BY 1", []any{list, start, end}},
		{func(f *report.LedgerFigures) *int { return &f.Reviews },
			"SELECT e.unit_id, COUNT(*) FROM ledger_records r JOIN ledger_entries e ON e.id = r.entry_id WHERE " + in +
				" AND r.kind = ? AND r.at >= ? AND r.at < ? GROUP BY 1", []any{list, string(ledger.RecordContact), start, end}},
		{func(f *report.LedgerFigures) *int { return &f.OnTime },
			"SELECT e.unit_id, COUNT(*) FROM ledger_records r JOIN ledger_entries e ON e.id = r.entry_id WHERE " + in +
				" AND r.kind = ? AND r.at >= ? AND r.at < ? AND r.at <= r.due_at GROUP BY 1", []any{list, string(ledger.RecordContact), start, end}},
		{func(f *report.LedgerFigures) *int { return &f.MajorReports },
			// The name is written into the statement, so that the planner
			// may read the partial index of these events (migration 50).
			"SELECT location_unit_id, COUNT(*) FROM case_events WHERE " + db.d.in("location_unit_id") + " AND name = '" +
				string(workflow.MajorReport.Step()) + "' AND at >= ? AND at < ? GROUP BY 1",
			[]any{list, start, end}},
		{func(f *report.LedgerFigures) *int { return &f.Prevented },
			"SELECT e.unit_id, COUNT(*) FROM ledger_entries e WHERE " + in + ` AND e.sweep_id IS NOT NULL
			AND e.delisted_at >= ? AND e.delisted_at < ?
			AND NOT EXISTS (SELECT 1 FROM parties p JOIN cases c ON c.id = p.case_id
				WHERE e.id_number <> '' AND p.id_number = e.id_number AND p.id_number <> '' AND c.opened_at >= e.listed_at` + db.d.correlated() + `)
			AND NOT EXISTS (SELECT 1 FROM parties p JOIN cases c ON c.id = p.case_id
				WHERE e.phone <> '' AND p.phone = e.phone AND p.phone <> '' AND c.opened_at >= e.listed_at` + db.d.correlated() + `)
			GROUP BY 1`,
			[]any{list, start, end}},
	} {
		err := r.each(ctx, q.sql, q.args, func(rows *sql.Rows) error {
			var unit int64
			var n int
			err := rows.Scan(&unit, &n)
			*q.into(of(unit)) += n
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
