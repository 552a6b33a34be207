package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine/registry"
	"github.com/grassroots/mediation/workflow"
)

const mediatorColumns = "id, user_id, name, unit_id, phone, full_time, appointed_on, grade, committee_id"

// Mediators returns the registry's rows of the units.
func (db *DB) Mediators(ctx context.Context, units []int64) ([]*registry.Mediator, error) {
	var out []*registry.Mediator
	err := db.reader().each(ctx, "SELECT "+mediatorColumns+" FROM mediators WHERE "+db.d.in("unit_id")+" ORDER BY id",
		[]any{db.d.list(units)}, func(rows *sql.Rows) error {
			var m registry.Mediator
			var user, committee *int64
			err := rows.Scan(&m.ID, &user, &m.Name, &m.UnitID, &m.Phone, &m.FullTime, &m.AppointedOn, &m.Grade, &committee)
			m.UserID, m.CommitteeID = deref(user), deref(committee)
			out = append(out, &m)
			return err
		})
	return out, err
}

// SaveMediator writes a registry row: over its own (by id, or by its
// account's), or a new one.
func (db *DB) SaveMediator(ctx context.Context, m *registry.Mediator) error {
	return db.write(ctx, func(c conn) error { return saveMediator(ctx, c, m) })
}

func saveMediator(ctx context.Context, c conn, m *registry.Mediator) error {
	if m.ID == 0 && m.UserID != 0 {
		if err := c.scalar(ctx, &m.ID, "SELECT id FROM mediators WHERE user_id = ?", m.UserID); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if m.ID != 0 {
		_, err := c.exec(ctx, `UPDATE mediators SET name = ?, unit_id = ?, phone = ?, full_time = ?, appointed_on = ?, grade = ?,
			committee_id = ? WHERE id = ?`, m.Name, m.UnitID, m.Phone, m.FullTime, m.AppointedOn, m.Grade, nilIfZero(m.CommitteeID), m.ID)
		return err
	}
	var err error
	m.ID, err = c.insert(ctx, `INSERT INTO mediators (user_id, name, unit_id, phone, full_time, appointed_on, grade, committee_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nilIfZero(m.UserID), m.Name, m.UnitID, m.Phone, m.FullTime, m.AppointedOn, m.Grade, nilIfZero(m.CommitteeID))
	return err
}

// CreateTraining writes a training, the rows of attendees that have none,
// and the attendance.
func (db *DB) CreateTraining(ctx context.Context, t *registry.Training, attendees []*registry.Mediator) error {
	return db.write(ctx, func(c conn) error {
		var err error
		if t.ID, err = c.insert(ctx, `INSERT INTO trainings (unit_id, held_on, tenths, topic, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.UnitID, t.HeldOn, t.Tenths, t.Topic, nilIfZero(t.RecordedBy), t.RecordedAt.UTC()); err != nil {
			return err
		}
		t.Attendees = nil
		for _, m := range attendees {
			if m.ID == 0 {
				if err := saveMediator(ctx, c, m); err != nil {
					return err
				}
			}
			if _, err := c.exec(ctx, "INSERT INTO training_attendance (training_id, mediator_id) VALUES (?, ?)", t.ID, m.ID); err != nil {
				return err
			}
			t.Attendees = append(t.Attendees, m.ID)
		}
		return nil
	})
}

// yearSpan is the days of a year as trainings keep them, 2026-01-01 to
// 2027-01-01 exclusive.
func yearSpan(year int) (string, string) {
	return strconv.Itoa(year) + "-01-01", strconv.Itoa(year+1) + "-01-01"
}

// Trainings returns the units' trainings of a year, newest first, with
// their attendees.
func (db *DB) Trainings(ctx context.Context, units []int64, year int) ([]*registry.Training, error) {
	from, to := yearSpan(year)
	var out []*registry.Training
	byID := map[int64]*registry.Training{}
	err := db.reader().each(ctx, `SELECT id, unit_id, held_on, tenths, topic, recorded_by, recorded_at FROM trainings
		WHERE `+db.d.in("unit_id")+` AND held_on >= ? AND held_on < ? ORDER BY held_on DESC, id DESC`,
		[]any{db.d.list(units), from, to}, func(rows *sql.Rows) error {
			var t registry.Training
			var by *int64
			var at time.Time
			err := rows.Scan(&t.ID, &t.UnitID, &t.HeldOn, &t.Tenths, &t.Topic, &by, &at)
			t.RecordedBy, t.RecordedAt = deref(by), at.UTC()
			out, byID[t.ID] = append(out, &t), &t
			return err
		})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i, t := range out {
		ids[i] = t.ID
	}
	err = db.reader().each(ctx, `SELECT a.training_id, m.id, m.name FROM training_attendance a JOIN mediators m ON m.id = a.mediator_id
		WHERE `+db.d.in("a.training_id")+` ORDER BY a.training_id, m.id`, []any{db.d.list(ids)}, func(rows *sql.Rows) error {
		var training, id int64
		var name string
		err := rows.Scan(&training, &id, &name)
		t := byID[training]
		t.Attendees, t.Names = append(t.Attendees, id), append(t.Names, name)
		return err
	})
	return out, err
}

// TrainingTenths sums each row's training hours of a year, in tenths.
func (db *DB) TrainingTenths(ctx context.Context, ids []int64, year int) (map[int64]int, error) {
	if len(ids) == 0 {
		return map[int64]int{}, nil
	}
	from, to := yearSpan(year)
	return db.sumTenths(ctx, `SELECT a.mediator_id, SUM(t.tenths) FROM training_attendance a JOIN trainings t ON t.id = a.training_id
		WHERE `+db.d.in("a.mediator_id")+` AND t.held_on >= ? AND t.held_on < ? GROUP BY a.mediator_id`, db.d.list(ids), from, to)
}

// TrainingTenthsOfUsers sums the training hours of a year, in tenths, of
// the registry's rows of the accounts, by account.
func (db *DB) TrainingTenthsOfUsers(ctx context.Context, users []int64, year int) (map[int64]int, error) {
	from, to := yearSpan(year)
	return db.sumTenths(ctx, `SELECT m.user_id, SUM(t.tenths) FROM mediators m JOIN training_attendance a ON a.mediator_id = m.id
		JOIN trainings t ON t.id = a.training_id WHERE `+db.d.in("m.user_id")+` AND t.held_on >= ? AND t.held_on < ? GROUP BY m.user_id`,
		db.d.list(users), from, to)
}

// sumTenths reads the pairs of an id and its sum of tenths that q gives.
func (db *DB) sumTenths(ctx context.Context, q string, args ...any) (map[int64]int, error) {
	out := map[int64]int{}
	err := db.reader().each(ctx, q, args, func(rows *sql.Rows) error {
		var id int64
		var n int
		err := rows.Scan(&id, &n)
		out[id] = n
		return err
	})
	return out, err
}

// MediatorCounts counts the units' mediators, 专职 and 兼职: the registry's
// rows, and the enabled accounts of role mediator without one as 兼职.
func (db *DB) MediatorCounts(ctx context.Context, units []int64) (int, int, error) {
	if len(units) == 0 {
		return 0, 0, nil
	}
	var full, part, unlisted int
	r, list := db.reader(), db.d.list(units)
	if err := r.scalar(ctx, &full, "SELECT COUNT(*) FROM mediators WHERE full_time AND "+db.d.in("unit_id"), list); err != nil {
		return 0, 0, err
	}
	if err := r.scalar(ctx, &part, "SELECT COUNT(*) FROM mediators WHERE NOT full_time AND "+db.d.in("unit_id"), list); err != nil {
		return 0, 0, err
	}
	err := r.scalar(ctx, &unlisted, "SELECT COUNT(*) FROM users u WHERE u.role = ? AND u.disabled_at IS NULL AND "+db.d.in("u.unit_id")+
		" AND NOT EXISTS (SELECT 1 FROM mediators m WHERE m.user_id = u.id)", workflow.RoleMediator, list)
	return full, part + unlisted, err
}
