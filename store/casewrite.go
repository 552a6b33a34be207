package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/grassroots/mediation/engine"
)

// The statements on this page run on every case read and every transition,
// through the hand-written layer of sql.go.

// prepareWriter prepares the statements of every transition on the writer
// pool, once, before any transaction holds its connection.
func (db *DB) prepareWriter(ctx context.Context) error {
	if !db.d.prepares() {
		return nil
	}
	for _, q := range []string{savepoint, rollbackTo, release, updateCase, updateCaseLight, updateCasePlace, insertEvent, insertCase, insertParty, nextSeq, insertNotification, insertNotifications} {
		if _, err := db.wstmts.get(ctx, db.wsql, q, false); err != nil {
			return fmt.Errorf("store: prepare %q: %w", q, err)
		}
	}
	return nil
}

// FindCase returns a case with its parties.
func (db *DB) FindCase(ctx context.Context, id int64) (*engine.Case, error) {
	return findCase(ctx, db.reader(), "id = ?", id)
}

// FindCaseBy returns the case with a number or public code.
func (db *DB) FindCaseBy(ctx context.Context, numberOrCode string) (*engine.Case, error) {
	return findCase(ctx, db.reader(), "number = ? OR code = ?", numberOrCode, numberOrCode)
}

func findCase(ctx context.Context, c conn, where string, args ...any) (*engine.Case, error) {
	q := "SELECT " + caseColumns + " FROM cases WHERE " + where + " LIMIT 1"
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var row caseRow
	found := rows.Next()
	if found {
		err = rows.Scan(row.fields()...)
	}
	if err = errors.Join(err, rows.Close(), rows.Err()); err != nil {
		return nil, err
	}
	if !found {
		return nil, engine.NoCase()
	}
	k := row.toCase()
	if err := loadParties(ctx, c, []*engine.Case{k}); err != nil {
		return nil, err
	}
	return k, nil
}

// loadParties fills in the parties of cases with one query.
func loadParties(ctx context.Context, c conn, cases []*engine.Case) error {
	if len(cases) == 0 {
		return nil
	}
	byID := make(map[int64]*engine.Case, len(cases))
	ids := make([]int64, len(cases))
	for i, k := range cases {
		byID[k.ID], ids[i] = k, k.ID
	}
	// One case's parties, as on every case read, come by the index
	// directly; a list's through the list parameter, which SQLite reads as
	// a JSON array first.
	q, arg := selectParties(c.d), c.d.list(ids)
	if len(cases) == 1 {
		q, arg = selectCaseParties, any(ids[0])
	}
	return c.each(ctx, q, []any{arg}, func(rows *sql.Rows) error {
		var r partyRow
		if err := rows.Scan(r.fields()...); err != nil {
			return err
		}
		if k := byID[r.CaseID]; k != nil {
			k.Parties = append(k.Parties, r.toParty())
		}
		return nil
	})
}

// selectCaseParties reads the parties of one case.
const selectCaseParties = "SELECT " + partyColumns + " FROM parties WHERE case_id = ? ORDER BY id"

// selectParties reads the parties of a list of cases.
func selectParties(d dialect) string {
	return "SELECT " + partyColumns + " FROM parties WHERE " + d.in("case_id") + " ORDER BY id"
}

// Transition reads a case, lets decide work out the change, and writes it
// in a write transaction whose UPDATE holds only if the case's version is
// still the one read. The read and decide's work are done before the
// transaction, outside SQLite's one writer, which others wait for: the
// writer then holds it only for the writes. When another writer moved the
// case between the read and the write, the case is read and decided again,
// and decide refuses a caller who had seen the older version.
func (db *DB) Transition(ctx context.Context, id int64, decide func(*engine.Case) (*engine.Change, error)) (*engine.Case, error) {
	for attempt := 1; ; attempt++ {
		k, err := findCase(ctx, db.reader(), "id = ?", id)
		if err != nil {
			return nil, err
		}
		ch, err := decide(k)
		if err != nil {
			return nil, err
		}
		err = db.writeGrouped(ctx, func(c conn) error {
			if err := applyChange(ctx, c, k, ch); err != nil {
				return err
			}
			return indexParty(ctx, c, ch.Party)
		})
		if errors.Is(err, lostRace) && attempt < transitionAttempts {
			continue
		}
		if err != nil {
			return nil, err
		}
		return ch.Case, nil
	}
}

// transitionAttempts bounds how many times Transition reads a case again
// after another writer moved it between its read and its write.
const transitionAttempts = 3

// TransitionBatch changes many cases in one write transaction, each as
// Transition does but read without its parties: a case whose decide fails
// is left as it is and its error returned in its place; a failed write
// rolls the whole batch back.
func (db *DB) TransitionBatch(ctx context.Context, ids []int64, decide func(*engine.Case) (*engine.Change, error)) ([]error, error) {
	errs := make([]error, len(ids))
	err := db.write(ctx, func(c conn) error {
		// The batch's cases are read, and locked against other writers, in
		// one statement, without their parties (see the interface).
		cases, err := readCases(ctx, c, db.d.in("id")+" ORDER BY id"+db.d.lockRow(), db.d.list(ids))
		if err != nil {
			return err
		}
		byID := map[int64]*engine.Case{}
		for _, k := range cases {
			byID[k.ID] = k
		}
		for i, id := range ids {
			k := byID[id]
			if k == nil {
				errs[i] = engine.NoCase()
				continue
			}
			ch, err := decide(k)
			if err != nil {
				errs[i] = err
				continue
			}
			if err := applyChange(ctx, c, k, ch); err != nil {
				return err
			}
			if err := indexParty(ctx, c, ch.Party); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// CreateCases inserts new cases, each with its parties, its first event and
// its history, issuing their numbers, all in one transaction.
func (db *DB) CreateCases(ctx context.Context, regs ...*engine.Registration) error {
	return db.write(ctx, func(c conn) error {
		for _, reg := range regs {
			if err := createCase(ctx, c, reg); err != nil {
				return err
			}
		}
		if len(regs) == 0 {
			return nil
		}
		return indexCases(ctx, c, regs[0].Case.ID, regs[len(regs)-1].Case.ID)
	})
}

// indexCases adds to SQLite's text indexes the cases from first to last
// with their parties, as the last statements of their transaction: FTS5
// writes out what it holds at every statement that follows in the same
// transaction, which made a bulk load two and a half times slower when a
// trigger indexed each row as it came. The cases of a transaction are
// numbered in a row, as SQLite has one writer. PostgreSQL's trigram
// indexes are ordinary indexes and need nothing.
func indexCases(ctx context.Context, c conn, first, last int64) error {
	if c.d.postgres {
		return nil
	}
	if _, err := c.exec(ctx, "INSERT INTO summary_text (rowid, summary) SELECT id, summary FROM cases WHERE id BETWEEN ? AND ?", first, last); err != nil {
		return err
	}
	if _, err := c.exec(ctx, "INSERT INTO number_text (rowid, number) SELECT id, number FROM cases WHERE id BETWEEN ? AND ?", first, last); err != nil {
		return err
	}
	_, err := c.exec(ctx, "INSERT INTO party_text (rowid, name) SELECT id, name FROM parties WHERE case_id BETWEEN ? AND ?", first, last)
	return err
}

// indexParty adds a party added to a case to SQLite's text index of names.
func indexParty(ctx context.Context, c conn, p *engine.Party) error {
	if c.d.postgres || p == nil {
		return nil
	}
	_, err := c.exec(ctx, "INSERT INTO party_text (rowid, name) VALUES (?, ?)", p.ID, p.Name)
	return err
}

func createCase(ctx context.Context, c conn, reg *engine.Registration) error {
	k := reg.Case
	var seq int
	if err := c.scalar(ctx, &seq, nextSeq, k.TownID, k.Year); err != nil {
		return err
	}
	k.Seq, k.Number = seq, reg.Number(seq)
	r := fromCase(k)
	var err error
	names := make([]string, len(k.Parties))
	for i, p := range k.Parties {
		names[i] = p.Name
	}
	if r.ID, err = c.insert(ctx, insertCase, append(r.values(), partyNames(names...))...); err != nil {
		switch {
		case isUniqueViolation(err) && k.ImportKey != "":
			return engine.Errorf(engine.ECONFLICT, "该案件已导入过。")
		case isUniqueViolation(err) && k.ExternalID != "":
			// Another request with the same id of the sender won the race.
			return engine.Errorf(engine.ECONFLICT, "外部编号为“%s”的纠纷已经移送过。", k.ExternalID)
		}
		return err
	}
	k.ID = r.ID
	c.counts.changeCase(nil, k, reg.First.At, c.db.zone)
	for _, p := range k.Parties {
		if err := insertPartyRow(ctx, c, k.ID, p); err != nil {
			return err
		}
	}
	if err := insertEventRow(ctx, c, k, reg.First); err != nil {
		return err
	}
	if err := writeNotifications(ctx, c, k.ID, reg.Notify); err != nil {
		return err
	}
	before := k
	for _, ch := range reg.History {
		ch.Case.ID, ch.Case.Number, ch.Case.Seq = k.ID, k.Number, k.Seq
		if err := applyChange(ctx, c, before, ch); err != nil {
			return err
		}
		before = ch.Case
	}
	return nil
}

// nextArchiveSeq takes the next file number of a committee and year, like
// nextSeq.
const nextArchiveSeq = `INSERT INTO committee_sequences (committee_id, year, last) VALUES (?, ?, 1)
	ON CONFLICT (committee_id, year) DO UPDATE SET last = committee_sequences.last + 1 RETURNING last`

// sealedNumber is the 人调字 number of a case's latest agreement if the
// committee given sealed it, else "": a file archived by that committee
// keeps it.
const sealedNumber = `SELECT COALESCE((SELECT CASE WHEN committee_id = ? THEN number ELSE '' END
	FROM agreements WHERE case_id = ? ORDER BY id DESC LIMIT 1), '')`

// nextSeq takes the next case number of a town and year in one upsert. The
// row stays locked until the transaction ends, so two cases never share a
// number, and a rolled-back case gives its number back with everything else.
const nextSeq = `INSERT INTO case_sequences (town_id, year, last) VALUES (?, ?, 1)
	ON CONFLICT (town_id, year) DO UPDATE SET last = case_sequences.last + 1 RETURNING last`

// insertCase writes a new case's row and, after its columns, the names of
// its parties (see partyNames), which only a search reads.
var insertCase = "INSERT INTO cases (" + strings.TrimPrefix(caseColumns, "id, ") + ", party_names) VALUES (?" +
	strings.Repeat(", ?", strings.Count(caseColumns, ",")) + ")"

// partyNames is what a case's party_names holds for its parties: each name
// followed by a line break, which no name holds, so that a search finds a
// name within one party's name alone (see matchText).
func partyNames(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return b.String()
}

// addPartyName appends a party added to a case to the case's names.
const addPartyName = "UPDATE cases SET party_names = party_names || ? WHERE id = ?"

var insertParty = "INSERT INTO parties (" + strings.TrimPrefix(partyColumns, "id, ") + ") VALUES (?" +
	strings.Repeat(", ?", strings.Count(partyColumns, ",")-1) + ")"

// updateCase sets the columns an event may change, if the version still
// matches; updateCaseLight those that no index of the cases holds, and the
// time of the last event. SQLite rewrites every index that holds a column
// an UPDATE assigns, whether or not its value changes, and the cases carry
// many: an event that moves no indexed column but the last event's time (a
// note, a flag, a 督办) writes with the light one, in half the time.
var (
	updateCase      = "UPDATE cases SET " + strings.Join(mutableColumns, " = ?, ") + " = ? WHERE id = ? AND version = ?"
	updateCaseLight = "UPDATE cases SET " + strings.Join(lightColumns, " = ?, ") + " = ? WHERE id = ? AND version = ?"
	// updateCasePlace follows updateCase when one of placeColumns moved.
	updateCasePlace = "UPDATE cases SET " + strings.Join(placeColumns, " = ?, ") + " = ? WHERE id = ?"
)

const insertEvent = `INSERT INTO case_events (case_id, location_unit_id, seq, name, from_state, to_state, unit_id, actor_id, actor_name,
	role, at, reason, automatic, data, due_at, overall_due_at, suspended_at, committee_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// lostRace is what a writer is told when the case moved under it.
var lostRace = engine.Errorf(engine.ECONFLICT, "本案刚被他人更新，您的操作未保存，请查看最新情况后再操作。")

func errLostRace() error { return lostRace }

// applyChange writes one event's change: the case's new columns if its
// version still matches, the event row, and the records that come with it.
func applyChange(ctx context.Context, c conn, before *engine.Case, ch *engine.Change) error {
	k := ch.Case
	if a := ch.Archive; a != nil {
		var latest string
		if err := c.scalar(ctx, &latest, sealedNumber, a.CommitteeID, k.ID); err != nil {
			return err
		}
		if latest != "" {
			k.ArchiveNo = latest
		} else {
			var seq int
			if err := c.scalar(ctx, &seq, nextArchiveSeq, a.CommitteeID, a.Year); err != nil {
				return err
			}
			k.ArchiveNo = a.Number(seq)
		}
	}
	r, was := &caseRow{}, &caseRow{}
	r.setMutable(k)
	was.setMutable(before)
	update, values := r.changed(was)
	res, err := c.exec(ctx, update, append(values, k.ID, ch.Version)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, errLostRace())
	}
	if r.moved(was) {
		if _, err := c.exec(ctx, updateCasePlace, append(r.placeValues(), k.ID)...); err != nil {
			return err
		}
	}
	c.counts.changeCase(before, k, ch.Event.At, c.db.zone)
	if err := insertEventRow(ctx, c, k, ch.Event); err != nil {
		if isUniqueViolation(err) {
			return errLostRace()
		}
		return err
	}
	if err := applyRecords(ctx, c, ch, ch.Event.ID); err != nil {
		return err
	}
	return writeNotifications(ctx, c, k.ID, ch.Notify)
}

// insertEventRow writes an event of case k, with the case's location.
func insertEventRow(ctx context.Context, c conn, k *engine.Case, e *engine.Event) error {
	ev, err := fromEvent(k.ID, e)
	if err != nil {
		return err
	}
	if ev.ID, err = c.insert(ctx, insertEvent, ev.CaseID, k.LocationUnitID, ev.Seq, ev.Name, ev.FromState, ev.ToState, ev.UnitID,
		ev.ActorID, ev.ActorName, ev.Role, ev.At, ev.Reason, ev.Automatic, ev.Data, ev.DueAt, ev.OverallDueAt, ev.SuspendedAt, ev.CommitteeID); err != nil {
		return err
	}
	e.ID, e.CaseID = ev.ID, k.ID
	c.counts.addEvent(k, e, c.db.zone)
	return nil
}

func insertPartyRow(ctx context.Context, c conn, caseID int64, p *engine.Party) error {
	r := fromParty(caseID, p)
	id, err := c.insert(ctx, insertParty, r.values()...)
	p.ID, p.CaseID = id, caseID
	return err
}

// applyRecords inserts the records that come with an event.
func applyRecords(ctx context.Context, c conn, ch *engine.Change, eventID int64) error {
	var err error
	caseID := ch.Case.ID
	if p := ch.Party; p != nil {
		if err := insertPartyRow(ctx, c, caseID, p); err != nil {
			return err
		}
		if _, err := c.exec(ctx, addPartyName, partyNames(p.Name), caseID); err != nil {
			return err
		}
		ch.Case.Parties = append(append([]*engine.Party(nil), ch.Case.Parties...), p)
	}
	if a := ch.Agreement; a != nil {
		if n := ch.AgreementNo; n != nil {
			var seq int
			if err := c.scalar(ctx, &seq, nextArchiveSeq, n.CommitteeID, n.Year); err != nil {
				return err
			}
			a.Number, a.CommitteeID = n.Number(seq), n.CommitteeID
		}
		if a.ID, err = c.insert(ctx, `INSERT INTO agreements (case_id, event_id, kind, facts, terms, performance, due_at,
			amount, signed_at, copies, tier, place, oral_confirmed, shared, subject, number, committee_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caseID, eventID, a.Kind, a.Facts, a.Terms, a.Performance, utc(a.DueAt), a.Amount, a.SignedAt.UTC(), a.Copies, string(a.Tier),
			a.Place, a.OralConfirmed, a.Shared, a.Subject, a.Number, a.CommitteeID); err != nil {
			return err
		}
		a.CaseID, a.EventID = caseID, eventID
	}
	if s := ch.Session; s != nil {
		if s.ID, err = c.insert(ctx, `INSERT INTO sessions (case_id, event_id, at, place, participants, record, next_at, next_place, mediators)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, eventID, s.At.UTC(), s.Place, s.Participants, s.Record, utc(s.NextAt), s.NextPlace,
			s.Mediators); err != nil {
			return err
		}
		s.CaseID, s.EventID = caseID, eventID
	}
	if f := ch.FollowUp; f != nil {
		if f.ID, err = c.insert(ctx, `INSERT INTO follow_ups (case_id, event_id, at, visited, performed, findings, satisfaction, sued, recurred)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, eventID, f.At.UTC(), f.Visited, f.Performed, f.Findings,
			f.Satisfaction, f.Sued, f.Recurred); err != nil {
			return err
		}
		f.CaseID, f.EventID = caseID, eventID
	}
	if r := ch.Referral; r != nil {
		if r.ID, err = c.insert(ctx, `INSERT INTO referrals (case_id, event_id, partner, partner_unit_id, reason, at, due_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, caseID, eventID, r.Partner, nilIfZero(r.PartnerUnitID), r.Reason, r.At.UTC(), r.DueAt.UTC()); err != nil {
			return err
		}
		r.CaseID, r.EventID = caseID, eventID
	}
	if x := ch.Confirmation; x != nil {
		// A confirmation planned in an imported history is on the
		// latest agreement written before it.
		if x.AgreementID == 0 {
			if err := c.scalar(ctx, &x.AgreementID, "SELECT MAX(id) FROM agreements WHERE case_id = ?", caseID); err != nil {
				return err
			}
		}
		if x.ID, err = c.insert(ctx, `INSERT INTO confirmations (case_id, event_id, agreement_id, kind, court, number, day, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, caseID, eventID, x.AgreementID, x.Kind, x.Court, x.Number, x.Day, x.RecordedAt.UTC()); err != nil {
			return err
		}
		x.CaseID, x.EventID = caseID, eventID
	}
	if err := insertAttachments(ctx, c, caseID, eventID, ch.Attachments); err != nil {
		return err
	}
	if ch.Signed != nil {
		if _, err := c.exec(ctx, "UPDATE referrals SET signed_at = ? WHERE case_id = ? AND resolved_at IS NULL",
			ch.Signed.UTC(), caseID); err != nil {
			return err
		}
	}
	if r := ch.Resolve; r != nil {
		if _, err := c.exec(ctx, "UPDATE referrals SET resolved_at = ?, result = ?, returned = ? WHERE case_id = ? AND resolved_at IS NULL",
			r.ResolvedAt.UTC(), r.Result, r.Returned, caseID); err != nil {
			return err
		}
	}
	if x := ch.Subsidy; x != nil {
		if x.ID, err = c.insert(ctx, `INSERT INTO subsidies (case_id, event_id, location_unit_id, committee_id, mediator_id, mediator_name,
			grade, amount, earned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, eventID, x.LocationUnitID, nilIfZero(x.CommitteeID),
			nilIfZero(x.MediatorID), x.MediatorName, x.Grade, x.Amount, x.EarnedAt.UTC()); err != nil {
			return err
		}
		x.CaseID, x.EventID = caseID, eventID
	}
	return nil
}
