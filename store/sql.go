package store

import (
	"container/list"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
)

// This file is the store's one layer for hand-written SQL. GORM opens the
// connections, runs the migrations and the simple reads; the statements that
// run on every case read, every transition, every list and every report are
// written out here and run through database/sql on GORM's own connections,
// because GORM's reflection costs more than the write itself. Every such
// statement goes through conn: written with ? placeholders, with dialect
// filling in what differs between SQLite and PostgreSQL, and, on SQLite,
// prepared once in a bounded cache. A read of hundreds of thousands of rows
// on PostgreSQL may run through pgx itself instead (readNative), on a
// connection of the same pool.

// dialect is what differs between the two databases, in one value.
type dialect struct{ postgres bool }

// pick returns the text for PostgreSQL or the one for SQLite.
func (d dialect) pick(postgres, sqlite string) string {
	if d.postgres {
		return postgres
	}
	return sqlite
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ….
func (d dialect) rebind(q string) string {
	if !d.postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// in is the condition "col is one of a list" with the whole list as one
// parameter (see list), so that a statement's text does not depend on the
// list's length: PostgreSQL takes an array, SQLite a JSON array it reads
// with json_each.
func (d dialect) in(col string) string {
	return d.pick(col+" = ANY(?)", col+" IN (SELECT value FROM json_each(?))")
}

// unindexed writes col so that the planner does not pick an index for a
// condition on it: SQLite's unary plus, which PostgreSQL's planner needs
// not (it weighs the indexes by their statistics).
func (d dialect) unindexed(col string) string { return d.pick(col, "+"+col) }

// oneOf is the condition "col is one of vs" for a list the planner should
// weigh value by value: on SQLite, whose planner cannot tell how many rows
// a JSON array's values select, each value is a parameter of its own;
// PostgreSQL takes the array. So that the statements' texts stay few, the
// parameters are a power of two in number, the last value repeated.
func oneOf[T any](d dialect, col string, vs []T) (string, []any) {
	if d.postgres {
		return d.in(col), []any{d.list(vs)}
	}
	n := 0
	if len(vs) > 0 {
		n = 1 << bits.Len(uint(len(vs)-1))
	}
	args := make([]any, n)
	for i := range args {
		args[i] = vs[min(i, len(vs)-1)]
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")", args
}

// list is the parameter of an in condition: a slice of ids or strings
// (workflow states and roles among them).
func (d dialect) list(v any) any {
	if d.postgres {
		rv := reflect.ValueOf(v)
		if el := rv.Type().Elem(); el.Kind() == reflect.String && el != reflect.TypeFor[string]() {
			// pgx encodes []string as text[], not slices of named strings.
			out := make([]string, rv.Len())
			for i := range out {
				out[i] = rv.Index(i).String()
			}
			return out
		}
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Slices of numbers and strings always marshal.
		panic(err)
	}
	return string(b)
}

// seconds is the number of seconds from the time from to the time to, to
// the millisecond on SQLite (which keeps times as text) and to the
// microsecond on PostgreSQL.
func (d dialect) seconds(from, to string) string {
	return d.pick("CAST(EXTRACT(EPOCH FROM "+to+" - "+from+") AS DOUBLE PRECISION)",
		"(unixepoch("+to+", 'subsec') - unixepoch("+from+", 'subsec'))")
}

// timeText writes a time column for a comparison made on every row: on
// SQLite, where times are kept as text in columns of numeric affinity, as
// text, so that the parameter it is compared with is not converted to a
// number on every row first.
func (d dialect) timeText(col string) string { return d.pick(col, "CAST("+col+" AS TEXT)") }

// jsonText is the text under key in col, a JSON object held as text, and
// empty text when it has none.
func (d dialect) jsonText(col, key string) string {
	return d.pick("COALESCE(CAST("+col+" AS JSONB) ->> '"+key+"', '')", "COALESCE(json_extract("+col+", '$."+key+"'), '')")
}

// bytewise writes col so that comparing and ordering it follows the bytes,
// as Go's strings do, whatever the database's collation.
func (d dialect) bytewise(col string) string {
	return d.pick(col+` COLLATE "C"`, col+" COLLATE BINARY")
}

// like is the case-insensitive LIKE of a pattern that contains made of q,
// whose escape character is the backslash: PostgreSQL's by default,
// SQLite's when told. SQLite's LIKE ignores the case of ASCII letters.
// PostgreSQL's ILIKE folds the case of every character it compares, which
// over a town's summaries costs some three times what LIKE does; a query
// with no letter that has another case (Chinese, digits) is matched with
// LIKE, for the same answer.
func (d dialect) like(q string) string {
	if !d.postgres {
		return `LIKE ? ESCAPE '\'`
	}
	for _, r := range q {
		if unicode.SimpleFold(r) != r {
			return "ILIKE ?"
		}
	}
	return "LIKE ?"
}

// correlated ends a subquery of EXISTS that is to be run for each row of the
// outer query, by the index of the row it names: PostgreSQL would otherwise
// turn it into a join, or a hash of every row that matches, which for a
// search of one character is most of the parties of every town; an OFFSET
// keeps it as it is written. SQLite runs it so by itself.
func (d dialect) correlated() string { return d.pick(" OFFSET 0", "") }

// ordered ends a subquery whose order its outer query keeps: an OFFSET 0
// on PostgreSQL and a LIMIT of none on SQLite keep either planner from
// merging it into the outer query, whose conditions would then be tested
// on every row before the order is taken.
func (d dialect) ordered() string { return d.pick(" OFFSET 0", " LIMIT -1") }

// lockRow is what a SELECT in a write transaction ends with so that no other
// writer changes the row meanwhile. SQLite's write transactions are
// exclusive already (BEGIN IMMEDIATE).
func (d dialect) lockRow() string { return d.pick(" FOR UPDATE", "") }

// lockMigrations keeps two servers starting at once from applying one
// migration twice; SQLite's writer lock does that by itself.
func (d dialect) lockMigrations() string { return d.pick("SELECT pg_advisory_xact_lock(727001)", "") }

// types turns the placeholders of the migration files into each database's
// types.
func (d dialect) types(q string) string {
	if d.postgres {
		return strings.NewReplacer("{{pk}}", "BIGSERIAL PRIMARY KEY", "{{time}}", "TIMESTAMPTZ", "{{bytes}}", "BYTEA").Replace(q)
	}
	return strings.NewReplacer("{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{time}}", "DATETIME", "{{bytes}}", "BLOB").Replace(q)
}

// prepares reports whether statements are prepared and cached here:
// PostgreSQL's driver keeps its own cache.
func (d dialect) prepares() bool { return !d.postgres }

// isUniqueViolation recognises a unique-constraint error by the drivers'
// error codes.
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// stmtCacheSize bounds each pool's prepared statements. The statements are
// few (lists take one parameter whatever their length); the bound keeps a
// statement built from an unusual combination of filters from staying
// forever.
const stmtCacheSize = 64

// stmtCache holds prepared statements by their text, the least recently
// used evicted past its bound. Closing an evicted statement waits for the
// queries still reading from it.
type stmtCache struct {
	mu    sync.Mutex
	bound int
	order *list.List // of *cached, most recent first
	byQ   map[string]*list.Element
}

type cached struct {
	q  string
	st *sql.Stmt
}

func newStmtCache(bound int) *stmtCache {
	return &stmtCache{bound: bound, order: list.New(), byQ: map[string]*list.Element{}}
}

// get returns q prepared on pool. Inside a transaction it only returns a
// statement prepared before (nil otherwise): preparing would need a second
// connection, and SQLite's writer pool has one.
func (c *stmtCache) get(ctx context.Context, pool *sql.DB, q string, inTx bool) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.byQ[q]; el != nil {
		c.order.MoveToFront(el)
		return el.Value.(*cached).st, nil
	}
	if inTx {
		return nil, nil
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.byQ[q] = c.order.PushFront(&cached{q, st})
	for c.order.Len() > c.bound {
		old := c.order.Remove(c.order.Back()).(*cached)
		delete(c.byQ, old.q)
		old.st.Close()
	}
	return st, nil
}

// Len returns how many statements the cache holds.
func (c *stmtCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.order.Front(); el != nil; el = el.Next() {
		el.Value.(*cached).st.Close()
	}
	c.order.Init()
	c.byQ = map[string]*list.Element{}
}

// conn runs hand-written statements on a pool, or in a transaction of the
// writer pool.
type conn struct {
	d     dialect
	pool  *sql.DB
	cache *stmtCache
	tx    *sql.Tx
	// db counts the statements sent (see DB.Statements) and shows them to
	// its tracer.
	db *DB
	// counts gathers what a write transaction changes in the months'
	// counts; nil outside one.
	counts monthDelta
}

func (db *DB) reader() conn {
	return conn{d: db.d, pool: db.rsql, cache: db.rstmts, db: db}
}

// stmt returns q prepared, or nil when it is to run unprepared.
func (c conn) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if !c.d.prepares() {
		return nil, nil
	}
	return c.cache.get(ctx, c.pool, q, c.tx != nil)
}

// runner is a transaction or a pool, on which a statement runs unprepared.
type runner interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// target returns the prepared statement q runs as, bound to the
// transaction when there is one, or else the transaction or pool it runs on
// unprepared.
func (c conn) target(ctx context.Context, q string) (*sql.Stmt, runner, error) {
	st, err := c.stmt(ctx, q)
	switch {
	case err != nil:
		return nil, nil, err
	case st == nil && c.tx != nil:
		return nil, c.tx, nil
	case st == nil:
		return nil, c.pool, nil
	case c.tx != nil:
		return c.tx.StmtContext(ctx, st), nil, nil
	}
	return st, nil, nil
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = c.d.rebind(q)
	c.db.sent(q, args)
	st, r, err := c.target(ctx, q)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return r.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = c.d.rebind(q)
	c.db.sent(q, args)
	st, r, err := c.target(ctx, q)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return r.ExecContext(ctx, q, args...)
	}
	return st.ExecContext(ctx, args...)
}

// scalar runs a query that returns one value, as INSERT … RETURNING id does.
func (c conn) scalar(ctx context.Context, dest any, q string, args ...any) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest); err != nil {
		return err
	}
	return rows.Close()
}

// insert runs an INSERT and returns the new row's id: from SQLite's
// last_insert_rowid, which costs no result set, or from PostgreSQL's
// RETURNING.
func (c conn) insert(ctx context.Context, q string, args ...any) (int64, error) {
	if c.d.postgres {
		var id int64
		err := c.scalar(ctx, &id, q+" RETURNING id", args...)
		return id, err
	}
	res, err := c.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// each runs q and calls scan for every row.
func (c conn) each(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := eachRow(rows, scan); err != nil {
		return err
	}
	return rows.Close()
}

// eachRow calls scan for every row of rows, database/sql's or pgx's, and
// returns the first error of either.
func eachRow[R interface {
	Next() bool
	Err() error
}](rows R, scan func(R) error) error {
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// readNative runs q on a connection of the reader's pool through pgx
// itself, without database/sql, for reads of hundreds of thousands of rows
// on PostgreSQL: scan reads each row.
func (db *DB) readNative(ctx context.Context, q string, args []any, scan func(pgx.Rows) error) error {
	q = db.d.rebind(q)
	db.sent(q, args)
	c, err := db.rsql.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(driverConn any) error {
		pc, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: a connection of %T is not pgx's", driverConn)
		}
		rows, err := pc.Conn().Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachRow(rows, scan)
	})
}

// sent counts a hand-written statement, and shows it to the tracer if one
// watches.
func (db *DB) sent(q string, args []any) {
	db.statements.Add(1)
	if trace := db.tracer.Load(); trace != nil {
		(*trace)(q, args)
	}
}

// write runs fn in a transaction on the writer pool.
func (db *DB) write(ctx context.Context, fn func(conn) error) error {
	tx, err := db.wsql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	c := conn{d: db.d, pool: db.wsql, cache: db.wstmts, tx: tx, db: db, counts: monthDelta{}}
	if err := fn(c); err != nil {
		return err
	}
	if err := c.counts.flush(ctx, c); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.commits.Add(1)
	return nil
}

// where collects the conditions of a query and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// and returns w's conditions and then o's.
func (w where) and(o where) where {
	return where{conds: append(slices.Clip(w.conds), o.conds...), args: append(slices.Clip(w.args), o.args...)}
}

// String returns the conditions joined by AND, or TRUE when there are none.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(w.conds, " AND ")
}
