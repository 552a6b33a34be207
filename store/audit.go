package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/grassroots/mediation/engine"
)

// AddAudit appends rows to the audit trail in one statement.
func (db *DB) AddAudit(ctx context.Context, entries ...*engine.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO audit_log (at, actor_id, actor_name, unit_id, action, case_id, detail) VALUES ")
	args := make([]any, 0, 7*len(entries))
	for i, a := range entries {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, a.At.UTC(), nilIfZero(a.ActorID), a.ActorName, nilIfZero(a.UnitID), a.Action, nilIfZero(a.CaseID), a.Detail)
	}
	// The statement's text grows with the rows, so it is not kept prepared.
	_, err := db.wsql.ExecContext(ctx, db.d.rebind(b.String()), args...)
	return err
}

// AuditEntries returns the latest audit rows, newest first.
func (db *DB) AuditEntries(ctx context.Context, units []int64, f engine.AuditFilter) ([]*engine.AuditEntry, error) {
	var w where
	if units != nil {
		w.add(db.d.in("a.unit_id"), db.d.list(units))
	}
	if f.CaseID != 0 {
		w.add("a.case_id = ?", f.CaseID)
	}
	if f.Action != "" {
		w.add("a.action = ?", f.Action)
	}
	if !f.From.IsZero() {
		w.add("a.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		w.add("a.at < ?", f.To.UTC())
	}
	limit := f.Limit
	var out []*engine.AuditEntry
	err := db.reader().each(ctx, "SELECT a.id, a.at, a.actor_id, a.actor_name, a.unit_id, a.action, a.case_id, a.detail, COALESCE(c.number, '') "+
		"FROM audit_log a LEFT JOIN cases c ON c.id = a.case_id WHERE "+w.String()+" ORDER BY a.id DESC LIMIT ?", append(w.args, limit), func(rows *sql.Rows) error {
		var a engine.AuditEntry
		var actor, unit, kase *int64
		if err := rows.Scan(&a.ID, &a.At, &actor, &a.ActorName, &unit, &a.Action, &kase, &a.Detail, &a.CaseNumber); err != nil {
			return err
		}
		a.At, a.ActorID, a.UnitID, a.CaseID = a.At.UTC(), deref(actor), deref(unit), deref(kase)
		out = append(out, &a)
		return nil
	})
	return out, err
}

// PruneAudit deletes the audit rows older than before.
func (db *DB) PruneAudit(ctx context.Context, before time.Time) error {
	return db.write(ctx, func(w conn) error {
		_, err := w.exec(ctx, "DELETE FROM audit_log WHERE at < ?", before.UTC())
		return err
	})
}
