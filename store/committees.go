package store

import (
	"context"
	"database/sql"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/registry"
)

// Committees returns every committee, and the committee each account of
// the registry serves when one is named.
func (db *DB) Committees(ctx context.Context) (engine.Committees, error) {
	out := engine.Committees{Serves: map[int64]int64{}}
	r := db.reader()
	err := r.each(ctx, "SELECT id, unit_id, name, kind, seal, founded_on, studio_of FROM committees ORDER BY id", nil,
		func(rows *sql.Rows) error {
			var c engine.Committee
			var studioOf *int64
			err := rows.Scan(&c.ID, &c.UnitID, &c.Name, &c.Kind, &c.Seal, &c.FoundedOn, &studioOf)
			c.StudioOf = deref(studioOf)
			out.All = append(out.All, &c)
			return err
		})
	if err != nil {
		return out, err
	}
	err = r.each(ctx, "SELECT user_id, committee_id FROM mediators WHERE user_id IS NOT NULL AND committee_id IS NOT NULL", nil,
		func(rows *sql.Rows) error {
			var user, committee int64
			err := rows.Scan(&user, &committee)
			out.Serves[user] = committee
			return err
		})
	return out, err
}

// SaveCommittee writes a committee: over its row, or a new one, setting
// its id.
func (db *DB) SaveCommittee(ctx context.Context, c *engine.Committee) error {
	return db.write(ctx, func(x conn) error {
		if c.ID != 0 {
			_, err := x.exec(ctx, "UPDATE committees SET name = ?, kind = ?, seal = ?, founded_on = ?, studio_of = ? WHERE id = ?",
				c.Name, c.Kind, c.Seal, c.FoundedOn, nilIfZero(c.StudioOf), c.ID)
			return err
		}
		var err error
		c.ID, err = x.insert(ctx, "INSERT INTO committees (unit_id, name, kind, seal, founded_on, studio_of) VALUES (?, ?, ?, ?, ?, ?)",
			c.UnitID, c.Name, c.Kind, c.Seal, c.FoundedOn, nilIfZero(c.StudioOf))
		return err
	})
}

// Members returns the members of the committees, by committee, 主任 first.
func (db *DB) Members(ctx context.Context, committees []int64) (map[int64][]registry.Member, error) {
	out := map[int64][]registry.Member{}
	if len(committees) == 0 {
		return out, nil
	}
	err := db.reader().each(ctx, `SELECT cm.committee_id, cm.mediator_id, m.name, cm.role FROM committee_members cm
		JOIN mediators m ON m.id = cm.mediator_id WHERE `+db.d.in("cm.committee_id")+` ORDER BY cm.committee_id, m.name, m.id`,
		[]any{db.d.list(committees)}, func(rows *sql.Rows) error {
			var committee int64
			var m registry.Member
			err := rows.Scan(&committee, &m.MediatorID, &m.Name, &m.Role)
			out[committee] = append(out[committee], m)
			return err
		})
	for _, ms := range out {
		registry.SortMembers(ms)
	}
	return out, err
}

// SetMembers replaces a committee's members, in one transaction.
func (db *DB) SetMembers(ctx context.Context, committee int64, members []registry.Member) error {
	return db.write(ctx, func(c conn) error {
		if _, err := c.exec(ctx, "DELETE FROM committee_members WHERE committee_id = ?", committee); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := c.exec(ctx, "INSERT INTO committee_members (committee_id, mediator_id, role) VALUES (?, ?, ?)",
				committee, m.MediatorID, m.Role); err != nil {
				return err
			}
		}
		return nil
	})
}
