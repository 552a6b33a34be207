package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// anonymiseBatch is how many cases one call of Anonymise clears, each in
// its own transaction, so that a first pass over years of history neither
// holds the writer long nor runs without end.
const anonymiseBatch = 200

// Anonymise clears the cases closed before closedBefore without having been
// taken into mediation (不予受理、撤回、移交办结 before acceptance): each
// party's name becomes 当事人甲, 当事人乙 … in the parties and wherever
// the case's texts repeat it, ID numbers, phones, addresses, birth dates
// and representatives go, and the attachments' content is deleted, the
// record that there was a file kept. The case's figures (category, dates,
// outcome, people, amount) stay for the statistics. It returns how many
// cases it cleared, at most anonymiseBatch.
func (db *DB) Anonymise(ctx context.Context, closedBefore, now time.Time) (int, error) {
	var ids []int64
	err := db.reader().each(ctx, "SELECT id FROM cases WHERE accepted_at IS NULL AND anonymised_at IS NULL AND closed_at < ? ORDER BY closed_at LIMIT ?",
		[]any{closedBefore.UTC(), anonymiseBatch}, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		if err := db.write(ctx, func(c conn) error { return anonymiseCase(ctx, c, id, now) }); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}

// partyPlaceholders name the parties of an anonymised case in their order.
var partyPlaceholders = []rune("甲乙丙丁戊己庚辛壬癸")

func placeholder(i int) string {
	if i < len(partyPlaceholders) {
		return "当事人" + string(partyPlaceholders[i])
	}
	return fmt.Sprintf("当事人%d", i+1)
}

// scrubbed are the texts of a case that may repeat a party's particulars,
// by table: each is read and written back with them replaced.
var scrubbed = []struct {
	table, key string
	columns    []string
}{
	{"cases", "id", []string{"summary", "requests"}},
	{"case_events", "case_id", []string{"reason", "data"}},
	{"agreements", "case_id", []string{"facts", "terms", "performance"}},
	{"sessions", "case_id", []string{"place", "participants", "record"}},
	{"follow_ups", "case_id", []string{"visited", "findings"}},
	{"referrals", "case_id", []string{"reason", "result"}},
	{"notifications", "case_id", []string{"text", "phone"}},
}

func anonymiseCase(ctx context.Context, c conn, id int64, now time.Time) error {
	type party struct {
		id                                             int64
		name, idNumber, phone, address, representative string
	}
	var parties []party
	if err := c.each(ctx, "SELECT id, name, id_number, phone, address, representative FROM parties WHERE case_id = ? ORDER BY id", []any{id},
		func(rows *sql.Rows) error {
			var p party
			err := rows.Scan(&p.id, &p.name, &p.idNumber, &p.phone, &p.address, &p.representative)
			parties = append(parties, p)
			return err
		}); err != nil {
		return err
	}
	// A name of one character, or a phone of a few digits, would clear
	// ordinary words: only particulars long enough to be themselves are
	// replaced in the texts.
	var pairs []string
	add := func(old, new string, least int) {
		if utf8.RuneCountInString(old) >= least {
			pairs = append(pairs, old, new)
		}
	}
	for i, p := range parties {
		add(p.idNumber, "（已删除）", 6)
		add(p.phone, "（已删除）", 6)
		add(p.address, "（已删除）", 4)
		add(p.representative, placeholder(i)+"的代理人", 2)
		add(p.name, placeholder(i), 2)
	}
	scrub := strings.NewReplacer(pairs...)
	for _, t := range scrubbed {
		if err := scrubTable(ctx, c, scrub, t.table, t.key, t.columns, id); err != nil {
			return err
		}
	}
	if !c.d.postgres {
		// SQLite's text indexes keep no copy of the text, so the old name
		// and summary are taken out of them before the rows change (see
		// indexCases) and the new ones put in after.
		if _, err := c.exec(ctx, "INSERT INTO party_text (party_text, rowid, name) SELECT 'delete', id, name FROM parties WHERE case_id = ?", id); err != nil {
			return err
		}
	}
	names := make([]string, len(parties))
	for i, p := range parties {
		names[i] = placeholder(i)
		if _, err := c.exec(ctx, `UPDATE parties SET name = ?, id_number = '', phone = '', address = '', birth_date = '', representative = ''
			WHERE id = ?`, names[i], p.id); err != nil {
			return err
		}
	}
	if !c.d.postgres {
		if _, err := c.exec(ctx, "INSERT INTO party_text (rowid, name) SELECT id, name FROM parties WHERE case_id = ?", id); err != nil {
			return err
		}
	}
	if _, err := c.exec(ctx, "DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM attachments WHERE case_id = ?)", id); err != nil {
		return err
	}
	if _, err := c.exec(ctx, "UPDATE attachments SET name = '附件', type = '', size = 0, removed_at = ? WHERE case_id = ? AND removed_at IS NULL", now.UTC(), id); err != nil {
		return err
	}
	_, err := c.exec(ctx, "UPDATE cases SET anonymised_at = ?, party_names = ? WHERE id = ?", now.UTC(), partyNames(names...), id)
	return err
}

// scrubTable rewrites the columns of table's rows whose key is id through
// scrub, writing only the rows that change. The cases' summaries are
// indexed for the search on SQLite: the old text leaves the index first.
func scrubTable(ctx context.Context, c conn, scrub *strings.Replacer, table, key string, columns []string, id int64) error {
	type row struct {
		id     int64
		before []string
	}
	var rows []row
	if err := c.each(ctx, "SELECT id, "+strings.Join(columns, ", ")+" FROM "+table+" WHERE "+key+" = ?", []any{id},
		func(r *sql.Rows) error {
			v := row{before: make([]string, len(columns))}
			dest := []any{&v.id}
			for i := range v.before {
				dest = append(dest, &v.before[i])
			}
			err := r.Scan(dest...)
			rows = append(rows, v)
			return err
		}); err != nil {
		return err
	}
	set := strings.Join(columns, " = ?, ") + " = ?"
	for _, r := range rows {
		after, changed := make([]any, len(columns)), false
		for i, s := range r.before {
			v := scrub.Replace(s)
			if table == "notifications" && columns[i] == "phone" {
				v = ""
			}
			after[i], changed = v, changed || v != s
		}
		if !changed {
			continue
		}
		summary := table == "cases" && !c.d.postgres
		if summary {
			if _, err := c.exec(ctx, "INSERT INTO summary_text (summary_text, rowid, summary) VALUES ('delete', ?, ?)", r.id, r.before[0]); err != nil {
				return err
			}
		}
		if _, err := c.exec(ctx, "UPDATE "+table+" SET "+set+" WHERE id = ?", append(after, r.id)...); err != nil {
			return err
		}
		if summary {
			if _, err := c.exec(ctx, "INSERT INTO summary_text (rowid, summary) VALUES (?, ?)", r.id, after[0]); err != nil {
				return err
			}
		}
	}
	return nil
}
