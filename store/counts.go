package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
	"github.com/jackc/pgx/v5"
)

// The months' counts: what the cases and events of each town add up to in
// each month (report.Counts), kept in month_counts as each write changes
// them. A county's or a province's period is read from a row per town and
// month instead of a row per case: a province's year is 15,600 rows, not a
// million cases. The committees' table reads rows of each committee's
// cases beside them.
//
// A month is one of the time zone the settings name (countsZone): the
// zone of the first opening, or of the last migration told another
// (Options.Zone).

// countsZone is the setting that names the time zone of the months' counts.
const countsZone = "month_counts_zone"

// townMonth is a row of month_counts: a town's month, of all its cases and
// events (committee 0), or of the cases whose file is one committee's, for
// the committees' table. A report's figures read the first alone.
type townMonth struct {
	town      int64
	month     string // 2026-03
	committee int64
}

// monthDelta is what a write transaction changes in the months' counts.
// The changes of cases and events add to it, and it is written as the
// transaction's last statements (flush), in the order of its rows, so that
// two transactions lock the rows they share in the same order.
type monthDelta map[townMonth]report.Counts

// add adds n, times sign, to a row.
func (m monthDelta) add(k townMonth, n report.Counts, sign int64) {
	row := m[k]
	if row == nil {
		row = report.Counts{}
		m[k] = row
	}
	for name, v := range n {
		row[name] += sign * v
		if row[name] == 0 {
			delete(row, name)
		}
	}
	if len(row) == 0 {
		delete(m, k)
	}
}

// changeCase takes away what the case added up to before a change at at
// (before nil for a new case) and adds what it adds up to after it, and
// counts the change in the cases open and overdue at the months' ends.
func (m monthDelta) changeCase(before, after *engine.Case, at time.Time, loc *time.Location) {
	if before != nil {
		m.addCase(report.FactsOf(before), before.TownID, loc, -1)
	}
	m.addCase(report.FactsOf(after), after.TownID, loc, 1)
	m.addEnds(before, after, at, loc)
}

// addEnds counts a move of a case at at in the cases open and overdue at
// the months' ends of its town. A case never leaves the town of its
// location, so its moves all count in one town's rows.
func (m monthDelta) addEnds(before, after *engine.Case, at time.Time, loc *time.Location) {
	for month, n := range report.EndChanges(before, after, at, loc) {
		m.add(townMonth{after.TownID, month, 0}, n, 1)
	}
}

// endColumns are the columns of month_counts that keep the changes of the
// cases at the months' ends (migration 45), by their name in the counts;
// the other counts are written in the text.
var endColumns = []struct{ name, column string }{
	{report.EndCount(report.EndOpen), "open_change"},
	{report.EndCount(report.EndOverdue), "overdue_change"},
}

// splitEnds returns the counts of n but the changes at the months' ends,
// and those changes in the order of endColumns.
func splitEnds(n report.Counts) (report.Counts, []any) {
	rest := maps.Clone(n)
	ends := make([]any, len(endColumns))
	for i, e := range endColumns {
		ends[i] = rest[e.name]
		delete(rest, e.name)
	}
	return rest, ends
}

// addCase adds what a case of the town adds up to, times sign, to the
// town's months and to its committee's.
func (m monthDelta) addCase(f report.CaseFacts, town int64, loc *time.Location, sign int64) {
	for month, n := range report.MonthCounts(&f, loc) {
		m.add(townMonth{town, month, 0}, n, sign)
		if f.CommitteeID != 0 {
			m.add(townMonth{town, month, f.CommitteeID}, n, sign)
		}
	}
}

// addEvent counts an event of case k, if figures count it.
func (m monthDelta) addEvent(k *engine.Case, ev *engine.Event, loc *time.Location) {
	if month, key, ok := report.EventMonth(ev, loc); ok {
		m.add(townMonth{k.TownID, month, 0}, report.Counts{key: 1}, 1)
	}
}

// merge adds the changes of another.
func (m monthDelta) merge(o monthDelta) {
	for k, n := range o {
		m.add(k, n, 1)
	}
}

// keys returns the rows' keys in order.
func (m monthDelta) keys() []townMonth {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b townMonth) int {
		return cmp.Or(cmp.Compare(a.town, b.town), strings.Compare(a.month, b.month), cmp.Compare(a.committee, b.committee))
	})
	return keys
}

// flush writes the changes in transaction c. On PostgreSQL each row is
// locked by an upsert that returns it as it stands (a new row empty), then
// written back with the changes added. On SQLite, whose one writer holds
// the whole database, it is read, then written once: the engine's
// transitions lost a tenth of their speed to the second write.
func (m monthDelta) flush(ctx context.Context, c conn) error {
	for _, k := range m.keys() {
		delta, ends := splitEnds(m[k])
		if len(delta) == 0 {
			// Only the cases at the months' ends moved (a deadline put in
			// a month ahead): the changes are added to the row as it is.
			if _, err := c.exec(ctx, `INSERT INTO month_counts (town_id, month, committee_id, counts, open_change, overdue_change)
				VALUES (?, ?, ?, '', ?, ?) ON CONFLICT (town_id, month, committee_id) DO UPDATE SET `+addEnds,
				append([]any{k.town, k.month, k.committee}, ends...)...); err != nil {
				return err
			}
			continue
		}
		var stored string
		if c.d.postgres {
			if err := c.scalar(ctx, &stored, `INSERT INTO month_counts (town_id, month, committee_id, counts) VALUES (?, ?, ?, '')
				ON CONFLICT (town_id, month, committee_id) DO UPDATE SET counts = month_counts.counts RETURNING counts`, k.town, k.month, k.committee); err != nil {
				return err
			}
		} else if err := c.scalar(ctx, &stored, "SELECT counts FROM month_counts WHERE town_id = ? AND month = ? AND committee_id = ?",
			k.town, k.month, k.committee); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		n := report.Counts{}
		if err := parseCounts([]byte(stored), n, map[string]string{}); err != nil {
			return fmt.Errorf("store: the counts of town %d in %s: %w", k.town, k.month, err)
		}
		d := monthDelta{k: n}
		d.add(k, delta, 1)
		text, err := formatCounts(d[k])
		if err != nil {
			return err
		}
		if _, err := c.exec(ctx, `INSERT INTO month_counts (town_id, month, committee_id, counts, open_change, overdue_change)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (town_id, month, committee_id) DO UPDATE SET counts = excluded.counts, `+addEnds,
			append([]any{k.town, k.month, k.committee, text}, ends...)...); err != nil {
			return err
		}
	}
	return nil
}

// addEnds adds an upsert's changes at the months' ends to the row's.
var addEnds = func() string {
	var set []string
	for _, e := range endColumns {
		set = append(set, e.column+" = month_counts."+e.column+" + excluded."+e.column)
	}
	return strings.Join(set, ", ")
}()

// insert writes the rows into an empty table, many to a statement, in the
// order of their keys: on PostgreSQL a town's months then share pages.
func (m monthDelta) insert(ctx context.Context, c conn) error {
	const perStatement = 500
	var args []any
	put := func() error {
		if len(args) == 0 {
			return nil
		}
		q := "INSERT INTO month_counts (town_id, month, committee_id, counts, open_change, overdue_change) VALUES (?, ?, ?, ?, ?, ?)" +
			strings.Repeat(", (?, ?, ?, ?, ?, ?)", len(args)/6-1)
		_, err := c.exec(ctx, q, args...)
		args = args[:0]
		return err
	}
	for _, k := range m.keys() {
		rest, ends := splitEnds(m[k])
		text, err := formatCounts(rest)
		if err != nil {
			return err
		}
		args = append(append(args, k.town, k.month, k.committee, text), ends...)
		if len(args) == perStatement*6 {
			if err := put(); err != nil {
				return err
			}
		}
	}
	return put()
}

// A row's counts are written one to a line, name=value, in the order of
// their names. No name holds a control character (the lists refuse them),
// and a value is an integer, so a line's last '=' parts the two. They read
// some five times faster than JSON, in which a province's year, then
// 93,600 rows of about thirty counts each, took 1.6 s to read.
func formatCounts(n report.Counts) (string, error) {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(n)) {
		if strings.ContainsRune(name, '\n') {
			return "", fmt.Errorf("store: a count's name holds a line break: %q", name)
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.FormatInt(n[name], 10))
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// parseCounts adds the counts written in text to n. names keeps one string
// of each name, which every row's counts share.
func parseCounts(text []byte, n report.Counts, names map[string]string) error {
	return eachCount(text, func(b []byte, v int64) {
		name, seen := names[string(b)]
		if !seen {
			name = string(b)
			names[name] = name
		}
		n[name] += v
	})
}

// eachCount calls add with each name and value written in text.
func eachCount(text []byte, add func(name []byte, v int64)) error {
	for len(text) > 0 {
		line, rest, _ := bytes.Cut(text, []byte{'\n'})
		text = rest
		i := bytes.LastIndexByte(line, '=')
		v, ok := parseInt(line[i+1:])
		if i < 0 || !ok {
			return fmt.Errorf("a line of the counts reads %q", line)
		}
		add(line[:i], v)
	}
	return nil
}

// parseInt reads a decimal integer, signed, without allocating.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// ensureCounts sets the time zone of the months' counts: the one the
// database keeps them in, or, when it has none yet, or o allows migrating
// and names another, o's, in which it makes them from the cases. A server
// or a command opened with another zone keeps the database's, so that
// every writer keeps the counts in one; the engine's periods that are not
// whole months of it are read from the cases.
func (db *DB) ensureCounts(ctx context.Context, o Options) error {
	kept, err := db.Setting(ctx, countsZone)
	if err != nil {
		return err
	}
	want := cmp.Or(o.Zone, engine.DefaultLocation())
	if kept != "" && (!o.Migrate || o.Zone == nil || kept == want.String()) {
		if db.zone, err = time.LoadLocation(kept); err != nil {
			return fmt.Errorf("store: the months' counts are in the time zone %q, unknown here: %w", kept, err)
		}
		return nil
	}
	db.zone = want
	return db.makeCounts(ctx, false)
}

// RebuildCounts makes the months' counts again from the cases and their
// events, in one transaction: after a load that wrote the cases by other
// means than the store (the bench's copies), or to check the counts kept.
func (db *DB) RebuildCounts(ctx context.Context) error { return db.makeCounts(ctx, true) }

// makeCounts makes the months' counts from the cases and their events, in
// one transaction. Over a province it takes minutes, and it says so in the
// log. Two servers opening the database at once make them once: the second
// waits on the first's lock of the setting, then finds them made, unless
// again is set.
func (db *DB) makeCounts(ctx context.Context, again bool) error {
	started := time.Now()
	zone := db.zone.String()
	var n, events, moves int
	err := db.write(ctx, func(c conn) error {
		var was string
		if err := c.scalar(ctx, &was, `INSERT INTO settings (key, value) VALUES (?, '') ON CONFLICT (key)
			DO UPDATE SET value = settings.value RETURNING value`, countsZone); err != nil {
			return err
		}
		if was == zone && !again {
			return nil
		}
		if _, err := c.exec(ctx, "DELETE FROM month_counts"); err != nil {
			return err
		}
		all := monthDelta{}
		towns := map[int64]int64{} // case -> its town
		err := c.each(ctx, `SELECT id, town_id, location_unit_id, COALESCE(committee_id, 0), category, source, people, flags, opened_at,
			accepted_at, referred_at, agreed_at, agreed_tier, agreed_kind, agreement_amount, closed_at, outcome, archived_at FROM cases`, nil,
			func(rows *sql.Rows) error {
				var id, town int64
				var f report.CaseFacts
				var flags, tier, outcome string
				if err := rows.Scan(&id, &town, &f.LocationUnitID, &f.CommitteeID, &f.Category, &f.Source, &f.People, &flags, &f.OpenedAt,
					&f.AcceptedAt, &f.ReferredAt, &f.AgreedAt, &tier, &f.AgreedKind, &f.AgreementAmount, &f.ClosedAt, &outcome, &f.ArchivedAt); err != nil {
					return err
				}
				if flags != "" {
					f.Flags = strings.Split(flags, ",")
				}
				f.AgreedTier, f.Outcome = workflow.Level(tier), workflow.State(outcome)
				all.addCase(f, town, db.zone, 1)
				towns[id] = town
				if n++; n%1_000_000 == 0 {
					slog.Info("months' counts", "cases", n)
				}
				return nil
			})
		if err != nil {
			return err
		}
		err = c.each(ctx, `SELECT c.town_id, x.name, x.automatic, `+db.d.jsonText("x.data", "confirmation")+`, x.at
			FROM case_events x JOIN cases c ON c.id = x.case_id WHERE `+db.d.in("x.name"), []any{db.d.list(report.FigureEvents)},
			func(rows *sql.Rows) error {
				var k engine.Case
				var ev engine.Event
				var name string
				if err := rows.Scan(&k.TownID, &name, &ev.Automatic, &ev.Data.Confirmation, &ev.At); err != nil {
					return err
				}
				ev.Name = workflow.Step(name)
				all.addEvent(&k, &ev, db.zone)
				events++
				return nil
			})
		if err != nil {
			return err
		}
		// The cases at the months' ends, from the moves of each case in
		// their order: an event holds the state and deadlines it left.
		var before engine.Case
		err = c.each(ctx, "SELECT case_id, at, to_state, due_at, overall_due_at, suspended_at FROM case_events ORDER BY case_id, seq", nil,
			func(rows *sql.Rows) error {
				var after engine.Case
				var at time.Time
				var state string
				if err := rows.Scan(&after.ID, &at, &state, &after.DueAt, &after.OverallDueAt, &after.SuspendedAt); err != nil {
					return err
				}
				after.State, after.TownID = workflow.State(state), towns[after.ID]
				if after.ID == before.ID {
					all.addEnds(&before, &after, at, db.zone)
				} else {
					all.addEnds(nil, &after, at, db.zone)
				}
				before = after
				if moves++; moves%10_000_000 == 0 {
					slog.Info("months' counts", "events", moves)
				}
				return nil
			})
		if err != nil {
			return err
		}
		if err := all.insert(ctx, c); err != nil {
			return err
		}
		_, err = c.exec(ctx, "UPDATE settings SET value = ? WHERE key = ?", zone, countsZone)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: the months' counts: %w", err)
	}
	if db.d.postgres && n > 0 {
		// Made again, the table holds as many dead rows as live ones, and
		// no page is known to be all visible: vacuumed, the sums of the
		// changes at the months' ends are read from their index alone.
		if err := db.w.WithContext(ctx).Exec("VACUUM (ANALYZE) month_counts").Error; err != nil {
			return fmt.Errorf("store: the months' counts: %w", err)
		}
	}
	if n > 0 {
		slog.Info("made the months' counts", "cases", n, "events", events, "moves", moves, "took", time.Since(started).Round(time.Millisecond))
	}
	return nil
}

// months returns the months of [start, end) in the zone of the counts, ok
// false unless both are the start of a month there.
func (db *DB) months(start, end time.Time) (from, to string, ok bool) {
	s, e := start.In(db.zone), end.In(db.zone)
	whole := func(t time.Time) bool {
		return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	return s.Format("2006-01"), e.Format("2006-01"), whole(s) && whole(e) && s.Before(e)
}

// TownCounts reads what the cases and events of the towns add up to in
// [start, end), by town, the months summed. ok is false when the period is
// not whole months in the zone of the counts: the caller reads the cases
// then.
func (db *DB) TownCounts(ctx context.Context, towns []int64, start, end time.Time) ([]report.TownCounts, bool, error) {
	from, to, ok := db.months(start, end)
	if !ok {
		return nil, false, nil
	}
	out, err := db.readCounts(ctx, "committee_id = 0", towns, from, to)
	return out, true, err
}

// readCounts sums the rows of the towns' months from up to to that cond
// picks, by town and committee. The names are numbered as they come and
// each sum is kept in a slice by their numbers, made a map at the end: a
// province's year of the committees' rows (78,000 rows of some thirty
// counts) spent most of its reading on adding to the maps.
func (db *DB) readCounts(ctx context.Context, cond string, towns []int64, from, to string) ([]report.TownCounts, error) {
	type townCommittee struct{ town, committee int64 }
	sums := map[townCommittee][]int64{}
	ids := map[string]int{}
	var names []string
	err := db.reader().each(ctx, "SELECT town_id, committee_id, counts FROM month_counts WHERE "+db.d.in("town_id")+
		" AND month >= ? AND month < ? AND "+cond, []any{db.d.list(towns), from, to}, func(rows *sql.Rows) error {
		var k townCommittee
		var text sql.RawBytes
		if err := rows.Scan(&k.town, &k.committee, &text); err != nil {
			return err
		}
		if len(text) == 0 {
			// A row of the changes at the months' ends alone.
			return nil
		}
		sum := sums[k]
		err := eachCount(text, func(name []byte, v int64) {
			id, seen := ids[string(name)]
			if !seen {
				id = len(names)
				ids[string(name)] = id
				names = append(names, string(name))
			}
			if id >= len(sum) {
				sum = append(sum, make([]int64, id+1-len(sum))...)
			}
			sum[id] += v
		})
		sums[k] = sum
		if err != nil {
			return fmt.Errorf("store: the counts of town %d: %w", k.town, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]report.TownCounts, 0, len(sums))
	for k, sum := range sums {
		n := report.Counts{}
		for id, v := range sum {
			if v != 0 {
				n[names[id]] = v
			}
		}
		out = append(out, report.TownCounts{TownID: k.town, CommitteeID: k.committee, Counts: n})
	}
	slices.SortFunc(out, func(a, b report.TownCounts) int {
		return cmp.Or(cmp.Compare(a.TownID, b.TownID), cmp.Compare(a.CommitteeID, b.CommitteeID))
	})
	return out, nil
}

// TownPeriod reads the data of the period [start, end) for whole towns
// (units are every unit of theirs): the towns' counts, with the cases open
// and overdue at its end summed from them, and the times to agreement. For
// the report's own period (mediators) it reads instead the cases open at
// the end one by one, whose last mediators the mediators' rows need, with
// the mediators' work and the committees' counts. ok is false when the
// period is not whole months in the zone of the counts.
func (db *DB) TownPeriod(ctx context.Context, towns, units []int64, start, end time.Time, mediators bool) (*report.PeriodData, bool, error) {
	from, to, ok := db.months(start, end)
	if !ok {
		return nil, false, nil
	}
	d := &report.PeriodData{}
	start, end = start.UTC(), end.UTC()
	var ends []report.TownCounts
	reads := []func() error{
		func() (err error) { d.Towns, _, err = db.TownCounts(ctx, towns, start, end); return err },
		func() (err error) { d.Durations, err = db.durations(ctx, units, start, end); return err },
	}
	if !mediators {
		reads = append(reads, func() (err error) { ends, _, err = db.EndCounts(ctx, towns, end); return err })
	} else {
		// The mediators' rows name who last worked each case overdue at
		// the end: those cases are read one by one.
		reads = append(reads, func() (err error) { d.AtEnd, err = db.openAtEnd(ctx, units, end); return err },
			func() (err error) { d.Mediators, err = db.mediatorCounts(ctx, units, start, end); return err },
			func() (err error) {
				d.Committees, err = db.readCounts(ctx, "committee_id <> 0", towns, from, to)
				return err
			})
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() { errs[i] = read() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	d.Towns = mergeCounts(d.Towns, ends)
	return d, true, nil
}

// EndCounts reads the cases of the towns open and overdue at end, by town:
// the sums of the changes their months' rows keep up to it (see
// report.EndChanges). ok is false when end is not the start of a month in
// the zone of the counts.
func (db *DB) EndCounts(ctx context.Context, towns []int64, end time.Time) ([]report.TownCounts, bool, error) {
	local := end.In(db.zone)
	if local.Day() != 1 || local.Hour() != 0 || local.Minute() != 0 || local.Second() != 0 || local.Nanosecond() != 0 {
		return nil, false, nil
	}
	var sums []string
	for _, e := range endColumns {
		sums = append(sums, "CAST(SUM("+e.column+") AS BIGINT)")
	}
	var out []report.TownCounts
	err := db.reader().each(ctx, "SELECT town_id, "+strings.Join(sums, ", ")+" FROM month_counts WHERE "+db.d.in("town_id")+
		" AND month < ? AND committee_id = 0 GROUP BY town_id ORDER BY town_id", []any{db.d.list(towns), local.Format("2006-01")},
		func(rows *sql.Rows) error {
			t := report.TownCounts{Counts: report.Counts{}}
			v := make([]int64, len(endColumns))
			dest := []any{&t.TownID}
			for i := range v {
				dest = append(dest, &v[i])
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			for i, e := range endColumns {
				if v[i] != 0 {
					t.Counts[e.name] = v[i]
				}
			}
			if len(t.Counts) > 0 {
				out = append(out, t)
			}
			return nil
		})
	return out, true, err
}

// mergeCounts adds the counts of more to those of the same town and
// committee in towns, both in the order of their towns and committees.
func mergeCounts(towns, more []report.TownCounts) []report.TownCounts {
	for _, m := range more {
		i, found := slices.BinarySearchFunc(towns, m, func(a, b report.TownCounts) int {
			return cmp.Or(cmp.Compare(a.TownID, b.TownID), cmp.Compare(a.CommitteeID, b.CommitteeID))
		})
		if !found {
			towns = slices.Insert(towns, i, report.TownCounts{TownID: m.TownID, CommitteeID: m.CommitteeID, Counts: report.Counts{}})
		}
		for k, v := range m.Counts {
			towns[i].Counts[k] += v
		}
	}
	return towns
}

// durations reads the time from acceptance to agreement of the cases
// located in units agreed in [start, end) after being accepted, by the
// index of the agreements. A province's year is 771,830 rows: on
// PostgreSQL they are read through pgx itself into the same two
// variables, where database/sql made an interface of each value and the
// scan a new row of each (0.41 s of the report's 1.3 s of Go, then 0.14 s).
func (db *DB) durations(ctx context.Context, units []int64, start, end time.Time) ([]report.Duration, error) {
	var out []report.Duration
	var x report.Duration
	q := "SELECT c.location_unit_id, " + db.d.seconds("c.accepted_at", "c.agreed_at") + " FROM cases c WHERE " +
		db.d.in("c.location_unit_id") + " AND c.agreed_at >= ? AND c.agreed_at < ? AND c.accepted_at IS NOT NULL"
	args := []any{db.d.list(units), start, end}
	if db.d.postgres {
		dest := []any{&x.LocationUnitID, &x.Seconds}
		err := db.readNative(ctx, q, args, func(rows pgx.Rows) error {
			err := rows.Scan(dest...)
			out = append(out, x)
			return err
		})
		return out, err
	}
	err := db.reader().each(ctx, q, args, func(rows *sql.Rows) error {
		err := rows.Scan(&x.LocationUnitID, &x.Seconds)
		out = append(out, x)
		return err
	})
	return out, err
}
