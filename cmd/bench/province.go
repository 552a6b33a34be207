package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/casefile"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/workflow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A province's shape: 11 cities, 90 counties and 1,300 towns, each town of
// a police station and four villages of three grids. The towns' units are
// numbered in blocks of unitsPerTown in this order, and their own
// committees (the town's and its villages') in blocks of committeesPerTown,
// so that a unit or committee of one town maps to the same of another by
// an offset.
const (
	cities, provinceCounties, provinceTowns = 11, 90, 1300
	villagesPerTown, gridsPerVillage        = 4, 3
	unitsPerTown                            = 2 + villagesPerTown*(1+gridsPerVillage)
	committeesPerTown                       = 1 + villagesPerTown
	// largeTownCases is the large town's, the size of a big 街道.
	largeTownCases = 20_000
)

// The province's towns the bench reads: the template town A, whose cases
// every other town receives a copy of, and the large town L.
const templateTown, largeTown = "T0001", "T0002"

// provinceDB is one generated province in a schema of its own.
type provinceDB struct {
	schema, dsn string
	cases       int
	// took is how long its generation took; size, the schema's size.
	took time.Duration
	size int64
}

// ensureProvince returns the province of about total cases in schema,
// generating it when the schema lacks it or holds another number. The
// template town's and the large town's cases are generated through the
// engine and the store, with the same seeds in every schema; then the
// template town's rows (its cases, their parties, events, agreements,
// referrals, follow-ups, …) are copied into the other towns with COPY,
// each copy's ids, units and committees moved to its town and its parties
// named afresh. The towns past those the total reaches stay empty.
func ensureProvince(ctx context.Context, admin *sql.DB, dsn, schema string, total, perTown int) (*provinceDB, error) {
	p := &provinceDB{schema: schema}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL DSN must be a URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	p.dsn = u.String()
	for _, q := range extensions {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	var comment sql.NullString
	if err := admin.QueryRowContext(ctx, "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1", schema).
		Scan(&comment); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var was, wasPerTown int
	var took string
	if comment.Valid {
		fmt.Sscanf(comment.String, "%d cases generated in %s %d to a town", &was, &took, &wasPerTown)
	}
	if was > 0 && was >= total*9/10 && was <= total*11/10 && wasPerTown == perTown {
		p.cases = was
		p.took, _ = time.ParseDuration(took)
		fmt.Fprintf(os.Stderr, "reusing the province of %d cases in the schema %s\n", was, schema)
		// A province generated before the bench filed sweeps gains them.
		raw, err := sql.Open("pgx", p.dsn)
		if err != nil {
			return nil, err
		}
		defer raw.Close()
		if err := fileSweeps(ctx, raw, true, benchNow(engine.DefaultLocation())); err != nil {
			return nil, err
		}
		return p, admin.QueryRowContext(ctx, "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", schema).Scan(&p.size)
	}
	start := time.Now()
	for _, q := range []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	// The generated cases need not survive a crash: their commits do not
	// wait for the disk.
	gen := p.dsn + "&synchronous_commit=off"
	db, err := store.Open(ctx, gen)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	raw, err := sql.Open("pgx", gen)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	if err := provinceLayout(ctx, raw); err != nil {
		return nil, fmt.Errorf("laying the province out: %w", err)
	}
	e := engine.New(db)
	now := benchNow(e.Location)
	e.Now = func() time.Time { return now }
	tree, err := e.Tree(ctx)
	if err != nil {
		return nil, err
	}
	copies := min(provinceTowns-2, max(0, (total-largeTownCases)/perTown-1))
	from := now.AddDate(-10, 0, 0)
	var firstCase int64
	if err := raw.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM cases").Scan(&firstCase); err != nil {
		return nil, err
	}
	for i, town := range []struct {
		code string
		n    int
	}{{templateTown, perTown}, {largeTown, largeTownCases}} {
		// The statistics are refreshed after each thousand cases: the
		// server's connections plan their statements again for tables that
		// grow from nothing, as its autovacuum would have them do.
		if err := generateBatches(ctx, e, gridsOf(tree, town.code), town.n, rand.New(rand.NewPCG(11, uint64(i))), from, now,
			1000, db.Optimize); err != nil {
			return nil, err
		}
	}
	var lastCase int64
	if err := raw.QueryRowContext(ctx, "SELECT MAX(id) FROM cases WHERE town_id = $1", tree.ByCode(templateTown).ID).Scan(&lastCase); err != nil {
		return nil, err
	}
	if err := copyTown(ctx, raw, tree, firstCase, lastCase, copies); err != nil {
		return nil, fmt.Errorf("copying the template town: %w", err)
	}
	if err := fileSweeps(ctx, raw, true, now); err != nil {
		return nil, err
	}
	// The copies were written around the store: the months' counts of the
	// reports are made from the cases they now hold.
	t0 := time.Now()
	if err := db.RebuildCounts(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "the months' counts made in %s\n", time.Since(t0).Round(time.Second))
	// A live province's scheduler has escalated and flagged the deadlines
	// its histories passed: its first passes are part of the generation,
	// and the bench times the passes after them. A case escalated by one
	// pass may be flagged by the next, for its overall deadline: they run
	// until one finds nothing to do.
	t0 = time.Now()
	var escalated, flagged, passes int
	for {
		res, err := schedule.New(e, db).RunDeadlines(ctx, now)
		if err != nil {
			return nil, err
		}
		passes++
		escalated, flagged = escalated+res.Escalated, flagged+res.Flagged
		if res.Escalated+res.Flagged == 0 {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "the scheduler's first %d passes: %d escalated and %d flagged in %s\n", passes, escalated, flagged, time.Since(t0).Round(time.Second))
	// The pass rewrote a case in forty: a live province's autovacuum would
	// have marked their pages all-visible again, which the reads by
	// index alone need.
	if _, err := raw.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, err
	}
	if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&p.cases); err != nil {
		return nil, err
	}
	p.took = time.Since(start).Round(time.Second)
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("COMMENT ON SCHEMA %s IS '%d cases generated in %s %d to a town'", schema, p.cases, p.took, perTown)); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "generated %d cases in the schema %s in %s\n", p.cases, schema, p.took)
	return p, admin.QueryRowContext(ctx, "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'", schema).Scan(&p.size)
}

// benchNow is the moment every generated history runs up to.
func benchNow(loc *time.Location) time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, loc) }

// gridsOf returns the grids of a town.
func gridsOf(tree *engine.Tree, town string) []int64 {
	var out []int64
	for _, id := range tree.Subtree(tree.ByCode(town).ID) {
		if tree.Unit(id).Level == workflow.LevelGrid {
			out = append(out, id)
		}
	}
	return out
}

// provinceLayout writes the province's units and the committees of its
// towns and villages with COPY: saved one by one through the engine, the
// twenty-three thousand units would take minutes.
func provinceLayout(ctx context.Context, raw *sql.DB) error {
	type unit struct {
		id            int64
		code, name    string
		level         workflow.Level
		parent        int64
		prefix, kind  string
		ownCommittees bool
	}
	var units []unit
	add := func(code, name string, level workflow.Level, parent int64, prefix, kind string) int64 {
		id := int64(len(units) + 1)
		units = append(units, unit{id, code, name, level, parent, prefix, kind, level == workflow.LevelTown || level == workflow.LevelVillage})
		return id
	}
	province := add("P", "省", workflow.LevelProvince, 0, "", "")
	var counties []int64
	for c := range cities {
		city := add(fmt.Sprintf("P%02d", c+1), fmt.Sprintf("%d市", c+1), workflow.LevelCity, province, "", "")
		for k := c; k < provinceCounties; k += cities {
			counties = append(counties, add(fmt.Sprintf("P%02d-C%02d", c+1, k+1), fmt.Sprintf("%d县", k+1), workflow.LevelCounty, city, "", ""))
		}
	}
	// The towns come after the counties, in blocks: the first county holds
	// the template and the large town.
	for t := range provinceTowns {
		code := fmt.Sprintf("T%04d", t+1)
		town := add(code, code+"镇", workflow.LevelTown, counties[t*provinceCounties/provinceTowns], code, "")
		add(code+"-PCS", code+"派出所", workflow.LevelPartner, town, "", "派出所")
		for v := 1; v <= villagesPerTown; v++ {
			vc := fmt.Sprintf("%s-V%d", code, v)
			village := add(vc, vc+"村", workflow.LevelVillage, town, "", "")
			for g := 1; g <= gridsPerVillage; g++ {
				gc := fmt.Sprintf("%s-G%d", vc, g)
				add(gc, gc+"网格", workflow.LevelGrid, village, "", "")
			}
		}
	}
	return withPgx(ctx, raw, func(c *pgx.Conn) error {
		rows := make([][]any, len(units))
		var committees [][]any
		for i, u := range units {
			var parent any
			if u.parent != 0 {
				parent = u.parent
			}
			rows[i] = []any{u.id, u.code, u.name, string(u.level), parent, u.prefix, u.kind}
			if u.ownCommittees {
				own := engine.OwnCommittee(&engine.Unit{ID: u.id, Code: u.code, Name: u.name, Level: u.level})
				committees = append(committees, []any{own.UnitID, own.Name, own.Kind, own.Seal})
			}
		}
		if _, err := c.CopyFrom(ctx, pgx.Identifier{"units"}, []string{"id", "code", "name", "level", "parent_id", "case_prefix", "kind"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if _, err := c.CopyFrom(ctx, pgx.Identifier{"committees"}, []string{"unit_id", "name", "kind", "seal"}, pgx.CopyFromRows(committees)); err != nil {
			return err
		}
		_, err := c.Exec(ctx, "SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT MAX(id) FROM units))")
		return err
	})
}

// withPgx runs f on one of raw's connections as pgx's own, for COPY.
func withPgx(ctx context.Context, raw *sql.DB, f func(*pgx.Conn) error) error {
	conn, err := raw.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error { return f(dc.(*stdlib.Conn).Conn()) })
}

// copiedTable is one table whose rows of the template town's cases are
// copied into the other towns, and how each of its columns moves.
type copiedTable struct {
	name    string
	columns []string
	// moves give each column's value in a copy from the template row, for
	// the copy's town (by its index among the towns) and its number k.
	moves []func(row []any, town int, k int64) any
	rows  [][]any
	// first and span place a copy's ids: the k-th copy's row of template
	// id x takes first + k*span + (x - min).
	min, first, span int64
}

// moved is the id the k-th copy gives the row of template id x.
func (t *copiedTable) moved(x, k int64) int64 { return t.first + k*t.span + x - t.min }

// copyTown copies the template town's cases (ids from first to last) and
// every row that hangs on them into copies other towns, from the third
// town on, table by table in parallel, with the tables' indexes and keys
// dropped during the load and made again after it.
func copyTown(ctx context.Context, raw *sql.DB, tree *engine.Tree, first, last int64, copies int) error {
	tables, err := caseTables(ctx, raw)
	if err != nil {
		return err
	}
	template := tree.ByCode(templateTown).ID
	var firstCommittee int64
	if err := raw.QueryRowContext(ctx, "SELECT MIN(id) FROM committees WHERE unit_id >= $1", template).Scan(&firstCommittee); err != nil {
		return err
	}
	// moved places a unit or a committee of the template town in the
	// town-th town, by its offset in the template's block.
	moved := func(v any, base, block int64, town int) any {
		if id, ok := v.(int64); ok && id >= base && id < base+block {
			return id + int64(town)*block
		}
		return v
	}
	copied := map[string]*copiedTable{}
	for _, t := range tables {
		copied[t.name] = t
	}
	// A copy's parties are named afresh, each by its id, and its cases
	// keep those names as the store does (see partyNames): partiesOf lists
	// each template case's parties in order, once they are read below.
	partiesOf := map[int64][]int64{}
	copiedNames := func(template, k int64) string {
		var b strings.Builder
		for _, p := range partiesOf[template] {
			b.WriteString(copiedName(copied["parties"].moved(p, k)) + "\n")
		}
		return b.String()
	}
	for _, t := range tables {
		fks, err := foreignKeys(ctx, raw, t.name)
		if err != nil {
			return err
		}
		key := "case_id"
		if t.name == "cases" {
			key = "id"
		}
		if err := raw.QueryRowContext(ctx, fmt.Sprintf("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM %s WHERE %s BETWEEN $1 AND $2", t.name, key), first, last).
			Scan(&t.min, &t.span); err != nil {
			return err
		}
		if err := raw.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) + 1 FROM "+t.name).Scan(&t.first); err != nil {
			return err
		}
		t.span = t.span - t.min + 1
		for j, col := range t.columns {
			ref := fks[col]
			var move func(row []any, town int, k int64) any
			switch {
			case col == "id":
				move = func(row []any, _ int, k int64) any { return t.moved(row[j].(int64), k) }
			case ref == "units" || (ref == "" && strings.HasSuffix(col, "unit_id")) || (t.name == "cases" && col == "town_id"):
				move = func(row []any, town int, _ int64) any { return moved(row[j], template, unitsPerTown, town) }
			case ref == "committees" || col == "committee_id":
				move = func(row []any, town int, _ int64) any { return moved(row[j], firstCommittee, committeesPerTown, town) }
			case copied[ref] != nil || (ref == "" && col == "case_id"):
				target := copied[ref]
				if target == nil {
					target = copied["cases"]
				}
				move = func(row []any, _ int, k int64) any {
					if row[j] == nil {
						return nil
					}
					return target.moved(row[j].(int64), k)
				}
			case t.name == "cases" && col == "number":
				move = func(row []any, town int, _ int64) any {
					return strings.Replace(row[j].(string), templateTown, fmt.Sprintf("T%04d", town+1), 1)
				}
			case t.name == "cases" && col == "code":
				move = func(row []any, _ int, k int64) any { return codeOf(t.moved(row[0].(int64), k)) }
			case t.name == "cases" && col == "party_names":
				move = func(row []any, _ int, k int64) any { return copiedNames(row[0].(int64), k) }
			case t.name == "parties" && col == "name":
				move = func(row []any, _ int, k int64) any { return copiedName(t.moved(row[0].(int64), k)) }
			default:
				move = func(row []any, _ int, _ int64) any { return row[j] }
			}
			t.moves = append(t.moves, move)
		}
		rows, err := raw.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s BETWEEN $1 AND $2 ORDER BY id",
			strings.Join(t.columns, ", "), t.name, key), first, last)
		if err != nil {
			return err
		}
		for rows.Next() {
			row := make([]any, len(t.columns))
			ptrs := make([]any, len(row))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return err
			}
			t.rows = append(t.rows, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	parties := copied["parties"]
	caseID := slices.Index(parties.columns, "case_id")
	for _, row := range parties.rows {
		template := row[caseID].(int64)
		partiesOf[template] = append(partiesOf[template], row[0].(int64))
	}
	keys, err := dropKeys(ctx, raw, tables)
	if err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(tables))
	var mu sync.Mutex
	done := map[string]int{}
	for i, t := range tables {
		wg.Go(func() {
			errs[i] = withPgx(ctx, raw, func(c *pgx.Conn) error {
				if _, err := c.Exec(ctx, "SET synchronous_commit = off"); err != nil {
					return err
				}
				return copyRows(ctx, c, t, copies, func(n int) {
					mu.Lock()
					defer mu.Unlock()
					done[t.name] = n
					if t.name == "cases" {
						fmt.Fprintf(os.Stderr, "\rcopying the template town: %d/%d towns (%.0f s)", n, copies, time.Since(start).Seconds())
					}
				})
			})
		})
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "copied in %s; making the indexes and keys again\n", time.Since(start).Round(time.Second))
	if err := remakeKeys(ctx, raw, keys); err != nil {
		return err
	}
	// The copied towns and committees number their next cases and files
	// after the copies, as the template does.
	for _, q := range []string{
		`INSERT INTO case_sequences (town_id, year, last) SELECT s.town_id + k * $2, s.year, s.last
			FROM case_sequences s, generate_series(2, $3 + 1) k WHERE s.town_id = $1`,
		`INSERT INTO committee_sequences (committee_id, year, last) SELECT s.committee_id + k * $2, s.year, s.last
			FROM committee_sequences s, generate_series(2, $3 + 1) k WHERE s.committee_id >= $1 AND s.committee_id < $1 + $2`,
	} {
		base, block := template, int64(unitsPerTown)
		if strings.Contains(q, "committee") {
			base, block = firstCommittee, committeesPerTown
		}
		if _, err := raw.ExecContext(ctx, q, base, block, copies); err != nil {
			return err
		}
	}
	for _, t := range tables {
		if _, err := raw.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))", t.name, t.name)); err != nil {
			return err
		}
	}
	// The cases of a sample of pages name the parties they hold, in order,
	// as the store's cases do.
	var wrong int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c TABLESAMPLE SYSTEM (0.02) WHERE party_names <>
		COALESCE((SELECT string_agg(name || chr(10), '' ORDER BY id) FROM parties WHERE case_id = c.id), '')`).Scan(&wrong); err != nil {
		return err
	}
	if wrong > 0 {
		return fmt.Errorf("%d copied cases of a sample do not name their parties", wrong)
	}
	// The cleaning up a live database's autovacuum does, done at once: the
	// statistics, and the map of pages all visible that lets an index
	// answer alone.
	_, err = raw.ExecContext(ctx, "VACUUM ANALYZE")
	return err
}

// copyRows writes copies of t's template rows, one town after another,
// reporting the towns done.
func copyRows(ctx context.Context, c *pgx.Conn, t *copiedTable, copies int, progress func(int)) error {
	town, k, i := 2, int64(0), 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(t.rows) {
			i, k, town = 0, k+1, town+1
			if k%50 == 0 {
				progress(int(k))
			}
		}
		if int(k) == copies || len(t.rows) == 0 {
			return nil, nil
		}
		row := make([]any, len(t.columns))
		for j, move := range t.moves {
			row[j] = move(t.rows[i], town, k)
		}
		i++
		return row, nil
	})
	_, err := c.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, src)
	progress(copies)
	return err
}

// copiedName is the name of a copied party, drawn from its id: the same in
// its row and in its case's names.
func copiedName(id int64) string {
	return randomName(rand.New(rand.NewPCG(uint64(id), 5)))
}

// codeOf is a copied case's public code: its id written in the codes'
// alphabet after a Z, ten characters in all.
func codeOf(id int64) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	b := []byte("Z222222222")
	for i := len(b) - 1; i > 0 && id > 0; i, id = i-1, id/32 {
		b[i] = alphabet[id%32]
	}
	return string(b)
}

// caseTables lists the cases table and every table with a case_id, with
// their columns, cases first.
func caseTables(ctx context.Context, raw *sql.DB) ([]*copiedTable, error) {
	rows, err := raw.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name IN (SELECT table_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND (column_name = 'case_id' OR table_name = 'cases'))
		ORDER BY table_name <> 'cases', table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*copiedTable
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].name != table {
			out = append(out, &copiedTable{name: table})
		}
		out[len(out)-1].columns = append(out[len(out)-1].columns, col)
	}
	return out, rows.Err()
}

// foreignKeys maps table's columns to the tables they reference.
func foreignKeys(ctx context.Context, raw *sql.DB, table string) (map[string]string, error) {
	rows, err := raw.QueryContext(ctx, `SELECT a.attname, r.relname FROM pg_constraint k
		JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
		WHERE k.contype = 'f' AND t.relname = $1 AND t.relnamespace = current_schema()::regnamespace`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var col, ref string
		if err := rows.Scan(&col, &ref); err != nil {
			return nil, err
		}
		out[col] = ref
	}
	return out, rows.Err()
}

// keys are the constraints and indexes dropped for a load: made again in
// order, the primary and unique keys first, then the indexes, then the
// foreign keys.
type keys struct {
	constraints, indexes, foreign []string
}

// dropKeys drops the keys and indexes of tables, and the foreign keys of
// any table that reference them, and returns the statements that make them
// again.
func dropKeys(ctx context.Context, raw *sql.DB, tables []*copiedTable) (keys, error) {
	var k keys
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	list := "'" + strings.Join(names, "', '") + "'"
	var drops []string
	rows, err := raw.QueryContext(ctx, `SELECT t.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) FROM pg_constraint k
		JOIN pg_class t ON t.oid = k.conrelid LEFT JOIN pg_class r ON r.oid = k.confrelid
		WHERE t.relnamespace = current_schema()::regnamespace AND (
			(k.contype IN ('p', 'u') AND t.relname IN (`+list+`)) OR
			(k.contype = 'f' AND (t.relname IN (`+list+`) OR r.relname IN (`+list+`))))`)
	if err != nil {
		return k, err
	}
	for rows.Next() {
		var table, name, kind, def string
		if err := rows.Scan(&table, &name, &kind, &def); err != nil {
			rows.Close()
			return k, err
		}
		add := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s", table, name, def)
		drop := fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s", table, name)
		if kind == "f" {
			k.foreign = append(k.foreign, add)
			drops = slices.Insert(drops, 0, drop)
		} else {
			k.constraints = append(k.constraints, add)
			drops = append(drops, drop)
		}
	}
	rows.Close()
	rows, err = raw.QueryContext(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
		AND tablename IN (`+list+`) AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`)
	if err != nil {
		return k, err
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return k, err
		}
		k.indexes = append(k.indexes, def)
		drops = append(drops, "DROP INDEX "+name)
	}
	rows.Close()
	for _, q := range drops {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			return k, fmt.Errorf("%s: %w", q, err)
		}
	}
	return k, nil
}

// remakeKeys makes the dropped keys and indexes again, two at a time, with
// the memory an index build wants.
func remakeKeys(ctx context.Context, raw *sql.DB, k keys) error {
	for _, group := range [][]string{k.constraints, k.indexes, k.foreign} {
		work := make(chan string)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for w := range errs {
			wg.Go(func() {
				conn, err := raw.Conn(ctx)
				if err == nil {
					defer conn.Close()
					_, err = conn.ExecContext(ctx, "SET maintenance_work_mem = '1GB'")
				}
				for q := range work {
					if err != nil {
						continue
					}
					t0 := time.Now()
					if _, err = conn.ExecContext(ctx, q); err != nil {
						err = fmt.Errorf("%s: %w", q, err)
					}
					fmt.Fprintf(os.Stderr, "%6.1f s  %s\n", time.Since(t0).Seconds(), q)
				}
				errs[w] = err
			})
		}
		for _, q := range group {
			work <- q
		}
		close(work)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// provinceBench generates, or reuses, a province of total cases and one of
// a hundred thousand with the same template and large towns on the
// PostgreSQL server dsn names, in schemas of their own that it keeps, and
// measures them side by side.
func provinceBench(ctx context.Context, dsn string, total, rounds int, httpFor time.Duration) error {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer admin.Close()
	// Every town but the large one holds as many cases as the province's
	// share, in the small database too.
	perTown := (total - largeTownCases) / (provinceTowns - 1)
	small, err := ensureProvince(ctx, admin, dsn, "bench_province_small", 100_000, perTown)
	if err != nil {
		return err
	}
	large, err := ensureProvince(ctx, admin, dsn, "bench_province", total, perTown)
	if err != nil {
		return err
	}
	fmt.Printf("\na province on PostgreSQL: %d cases generated in %s, %.1f GB; beside it %d cases in %s, %.1f GB\n",
		large.cases, large.took, float64(large.size)/1e9, small.cases, small.took, float64(small.size)/1e9)
	few, err := small.open(ctx)
	if err != nil {
		return err
	}
	defer few.close()
	many, err := large.open(ctx)
	if err != nil {
		return err
	}
	defer many.close()
	if err := provinceLists(ctx, few, many, max(rounds, 21)); err != nil {
		return err
	}
	if err := provinceReports(ctx, many, rounds); err != nil {
		return err
	}
	if err := provinceSweep(ctx, many, rounds); err != nil {
		return err
	}
	if httpFor <= 0 {
		return nil
	}
	// The writers' town is one of the province's, under the county of the
	// highest number (see provinceLayout): a town at the top beside the
	// province would make the province no longer the whole tree, which its
	// report counts as such.
	return pgWrites(ctx, large.dsn, httpFor, fmt.Sprintf("over the province's %d cases", large.cases),
		fmt.Sprintf("P%02d-C%02d", (provinceCounties-1)%cities+1, provinceCounties))
}

// openProvince is a province open for measuring: its store, an engine on
// it whose clock stands at the generation's moment, and a raw connection
// for the baselines.
type openProvince struct {
	*provinceDB
	db  *store.DB
	e   *engine.Engine
	raw *sql.DB
}

func (p *provinceDB) open(ctx context.Context) (*openProvince, error) {
	db, err := store.Open(ctx, p.dsn)
	if err != nil {
		return nil, err
	}
	raw, err := sql.Open("pgx", p.dsn)
	if err != nil {
		db.Close()
		return nil, err
	}
	e := engine.New(db)
	now := benchNow(e.Location)
	e.Now = func() time.Time { return now }
	return &openProvince{p, db, e, raw}, nil
}

func (o *openProvince) close() {
	o.raw.Close()
	o.db.Close()
}

// provinceSweep times the deadline scheduler's pass over the province at
// the generation's moment, after the first (see ensureProvince), against
// the raw statement that counts the open cases whose deadline passed: what
// a pass costs when there is nothing new to do, as on most minutes.
func provinceSweep(ctx context.Context, p *openProvince, rounds int) error {
	db, e, raw := p.db, p.e, p.raw
	now := e.Now()
	var rawTimes []time.Duration
	var passed int
	for range rounds {
		t0 := time.Now()
		if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases WHERE closed_at IS NULL AND suspended_at IS NULL
			AND state IN `+sqlList(workflow.WorkStates())+` AND (due_at <= $1 OR (state IN `+sqlList(workflow.TierStates())+` AND overall_due_at <= $1))`,
			now).Scan(&passed); err != nil {
			return err
		}
		rawTimes = append(rawTimes, time.Since(t0))
	}
	t0 := time.Now()
	res, err := schedule.New(e, db).RunDeadlines(ctx, now)
	if err != nil {
		return err
	}
	took := time.Since(t0)
	fmt.Printf("\nthe deadline scheduler over the province's %d cases (%d with a deadline passed)\n", p.cases, passed)
	fmt.Printf("%-58s %10s\n", "raw: the count of the open cases whose deadline passed", med(rawTimes))
	fmt.Printf("%-58s %10s\n", fmt.Sprintf("engine: one pass, %d escalated and %d flagged", res.Escalated, res.Flagged), took.Round(time.Millisecond))
	return nil
}

// provinceReports times a town's month, a county's year and the
// province's year over the province, each against the hand-written
// aggregate over the same rows.
func provinceReports(ctx context.Context, p *openProvince, rounds int) error {
	db, e, raw := p.db, p.e, p.raw
	where := fmt.Sprintf("in %d towns of %d counties of %d cities, 10 years (PostgreSQL)", provinceTowns, provinceCounties, cities)
	year := func(p report.Period) [][2]time.Time { return [][2]time.Time{{p.Start.AddDate(-1, 0, 0), p.Start}} }
	for _, rc := range []reportCase{
		{unit: templateTown, period: "2026-10", what: "monthly report of one town", span: "month", spans: "three months",
			whole: "3 months, rows, sweeps", target: "under 200 ms", where: where, postgres: true,
			compared: func(p report.Period) [][2]time.Time {
				return [][2]time.Time{{p.Start.AddDate(0, -1, 0), p.Start}, {p.Start.AddDate(-1, 0, 0), p.End.AddDate(-1, 0, 0)}}
			}},
		{unit: "P01-C01", period: "2025", what: "yearly report of one county", span: "year", spans: "two years",
			whole: "2 years, town rows, sweeps", target: "within 2x, under 300 ms", where: where, postgres: true, compared: year},
		{unit: "P", period: "2025", what: "yearly report of the province", span: "year", spans: "two years",
			whole: "2 years, city rows, sweeps", target: "within 2x, under 2 s", where: where, postgres: true, compared: year},
	} {
		if err := rc.time(ctx, report.New(e, db), raw, p.cases, rounds); err != nil {
			return fmt.Errorf("%s: %w", rc.what, err)
		}
	}
	return nil
}

// provinceLists times the lists and searches of the template town's
// supervisor, and its grid mediator's and supervisor's queues, over the
// small database and over the province (the town's cases are the same in
// both), with the large town's beside them, and the case page against the
// raw statements reading the same rows.
func provinceLists(ctx context.Context, small, large *openProvince, rounds int) error {
	now := small.e.Now()
	lists := townLists(&now, "0001号", "a given name", "王伟")
	timeList := func(o *openProvince, town string, f engine.CaseFilter) (time.Duration, int, error) {
		return timeTownList(ctx, o.e, town, f, rounds)
	}
	fmt.Printf("\nlists of one town (PostgreSQL): the town %s over %d and over %d cases; the large town %s over %d\n",
		templateTown, small.cases, large.cases, largeTown, large.cases)
	fmt.Printf("%d rounds, median shown; found: the cases matching, counted as the list page counts them (up to 1,001; a search tested\n"+
		"case by case up to the page's end and one more)\n\n", rounds)
	fmt.Printf("%-46s %10s %10s %8s %16s\n", "", "A, 100k", "A, 10M", "10M/100k", "L, 10M")
	worst, slowest := 0.0, time.Duration(0)
	for _, l := range lists {
		few, fewN, err := timeList(small, templateTown, l.f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		many, manyN, err := timeList(large, templateTown, l.f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		if fewN != manyN {
			return fmt.Errorf("%s: the town's list found %d cases over 100k and %d over 10M", l.name, fewN, manyN)
		}
		big, bigN, err := timeList(large, largeTown, l.f)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		worst, slowest = max(worst, float64(many)/float64(few)), max(slowest, many, big)
		fmt.Printf("%-46s %10s %10s %7.2fx %16s\n", fmt.Sprintf("%s, %d", l.name, fewN), few.Round(10*time.Microsecond),
			many.Round(10*time.Microsecond), float64(many)/float64(few), fmt.Sprintf("%s (%d)", big.Round(10*time.Microsecond), bigN))
	}
	fmt.Printf("\nthe town's lists, 10M / 100k: at most %.2fx (target: at most 1.5x); the slowest list over 10M: %s (target: under 50 ms)\n",
		worst, slowest.Round(10*time.Microsecond))
	return provincePages(ctx, small, large, rounds)
}

// provincePages times the queues of the template town's grid mediator and
// supervisor, and the case page of its latest agreed case, over the small
// database and the province, and the page against the raw statements that
// read the same rows (the case, its parties, its events and agreements).
func provincePages(ctx context.Context, small, large *openProvince, rounds int) error {
	raw := large.raw
	timeIt := func(f func() error) (time.Duration, error) {
		var times []time.Duration
		for range rounds {
			t0 := time.Now()
			if err := f(); err != nil {
				return 0, err
			}
			times = append(times, time.Since(t0))
		}
		return medDur(times), nil
	}
	// The template town's latest case fulfilled: the same in both
	// databases, generated before any copy.
	var caseID int64
	if err := raw.QueryRowContext(ctx, `SELECT c.id FROM cases c JOIN units u ON u.id = c.location_unit_id
		WHERE u.code LIKE $1 AND c.state = $2 ORDER BY c.id DESC LIMIT 1`, templateTown+"-%", string(workflow.Fulfilled)).Scan(&caseID); err != nil {
		return err
	}
	// Each page is read by a user of the template town: its role and
	// unit name the user, and run reads the page as that user.
	type page struct {
		name string
		role workflow.Role
		unit string
		run  func(e *engine.Engine, a engine.Actor) error
	}
	queueOf := func(e *engine.Engine, a engine.Actor) error {
		_, err := queue.New(e, e.Store.(queue.Store)).Queue(ctx, a)
		return err
	}
	pages := []page{
		{"a grid mediator's queue", workflow.RoleMediator, templateTown + "-V1-G1", queueOf},
		{"the town supervisor's queue", workflow.RoleSupervisor, templateTown, queueOf},
		{"the case page of an agreed case", workflow.RoleSupervisor, templateTown, func(e *engine.Engine, a engine.Actor) error {
			_, err := casefile.New(e, e.Store.(casefile.Store)).CasePage(ctx, a, caseID, "/cases", casefile.Fold{Head: 5, Tail: 20})
			return err
		}},
	}
	open := func(e *engine.Engine, pg page) (func() error, error) {
		tree, err := e.Tree(ctx)
		if err != nil {
			return nil, err
		}
		unit := tree.ByCode(pg.unit)
		a, err := benchUser(ctx, e, string(pg.role)+"@"+unit.Code, pg.role, unit.ID)
		return func() error { return pg.run(e, a) }, err
	}
	for _, pg := range pages {
		var times []time.Duration
		for _, e := range []*engine.Engine{small.e, large.e} {
			f, err := open(e, pg)
			if err != nil {
				return fmt.Errorf("%s: %w", pg.name, err)
			}
			d, err := timeIt(f)
			if err != nil {
				return fmt.Errorf("%s: %w", pg.name, err)
			}
			times = append(times, d)
		}
		fmt.Printf("%-46s %10s %10s %7.2fx\n", pg.name, times[0].Round(10*time.Microsecond), times[1].Round(10*time.Microsecond),
			float64(times[1])/float64(times[0]))
	}
	rawPage, err := timeIt(func() error {
		for _, q := range []string{"SELECT * FROM cases WHERE id = $1", "SELECT * FROM parties WHERE case_id = $1 ORDER BY id",
			"SELECT * FROM case_events WHERE case_id = $1 ORDER BY seq", "SELECT * FROM agreements WHERE case_id = $1 ORDER BY id"} {
			rows, err := raw.QueryContext(ctx, q, caseID)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("%-46s %21s\n", "raw: the case's row, parties, events, agreements", rawPage.Round(10*time.Microsecond))
	return nil
}
