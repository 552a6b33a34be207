// Package store keeps the engine's data with GORM: SQLite (the embedded
// default, one file) or PostgreSQL (several servers on one database), chosen
// by the DSN. One DB implements engine.Store and the store interface of
// every room of the engine (report, casefile, account, notify, partner,
// importer, schedule, apply).
//
// Two layers share GORM's connections, each for what it does best:
//
//   - GORM (store.go, units.go, partners.go, the record reads of cases.go,
//     the sweeps of report.go)
//     opens and pools the connections, runs the versioned migrations (each
//     file whole, in one transaction, recorded in schema_migrations) and
//     does the reads and writes of one row or one small table: units,
//     accounts, tokens, settings, a case's agreements, sessions, visits,
//     referrals and confirmations. These run at the pace of a person and
//     read best as GORM's chains.
//   - The hand-written layer (sql.go's conn and dialect; cases.go's lists,
//     casewrite.go, group.go, report.go, counts.go, notify.go, attach.go, audit.go,
//     websessions.go, failures.go) runs the statements that run on every
//     case read, every transition, every list, every report and every
//     request's session: written out with ? placeholders, the differences
//     between SQLite and PostgreSQL filled in by dialect, and on SQLite
//     prepared once in a bounded cache. There GORM's reflection and
//     statement building cost more than the statement itself (see the
//     README's Speed section), and the report's sums and the lists' index
//     choices need SQL that GORM would only pass through as text.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/queue"
	"github.com/grassroots/mediation/engine/report"
	"github.com/grassroots/mediation/workflow"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DefaultDSN is the embedded SQLite database beside the working directory.
const DefaultDSN = "file:data/mediation.db"

// DB is an open database. On SQLite, writes go through a pool of one
// connection (SQLite has one writer; a queue in Go beats a fight in its busy
// handler) and reads through a larger pool. On PostgreSQL both are one pool.
type DB struct {
	w, r       *gorm.DB
	wsql, rsql *sql.DB // the same pools, for the hand-written statements
	wstmts     *stmtCache
	rstmts     *stmtCache
	d          dialect
	// Path is the SQLite file, "" on PostgreSQL.
	Path string
	// statements counts the statements sent (see Statements), commits the
	// write transactions committed (see Commits).
	statements, commits atomic.Int64
	// tracer, when set, is shown every hand-written statement before it is
	// sent, with its arguments: the plan tests ask the database how it
	// reads each one.
	tracer atomic.Pointer[func(q string, args []any)]
	// group queues the changes of cases waiting for SQLite's writer.
	group group
	// zone is the time zone of the months of the months' counts.
	zone *time.Location
}

// Statements counts the SQL statements sent since the database was opened,
// by hand or through GORM: for the metrics, and for tests that bound what
// a page costs.
func (db *DB) Statements() int64 { return db.statements.Load() }

// Commits counts the write transactions of the store's own statements
// committed since the database was opened: against the transitions
// written, it shows how many changes of cases share a transaction on
// SQLite (see writeGrouped).
func (db *DB) Commits() int64 { return db.commits.Load() }

// countStatements has GORM count its statements with the hand-written ones.
func (db *DB) countStatements(g *gorm.DB) error {
	count := func(*gorm.DB) { db.statements.Add(1) }
	cb := g.Callback()
	return errors.Join(
		cb.Create().After("gorm:create").Register("mediation:count", count),
		cb.Query().After("gorm:query").Register("mediation:count", count),
		cb.Update().After("gorm:update").Register("mediation:count", count),
		cb.Delete().After("gorm:delete").Register("mediation:count", count),
		cb.Row().After("gorm:row").Register("mediation:count", count),
		cb.Raw().After("gorm:raw").Register("mediation:count", count))
}

var (
	_ engine.Store = (*DB)(nil)
	_ report.Store = (*DB)(nil)
	_ queue.Store  = (*DB)(nil)
)

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || strings.Contains(dsn, "host=")
}

// sqliteDefaults are the pragmas of every SQLite connection: WAL so readers
// never wait for the writer, synchronous=FULL so that a committed case
// survives a power cut, foreign keys on, and a busy timeout.
var sqliteDefaults = map[string]string{
	"_journal_mode": "WAL",
	"_synchronous":  "FULL",
	"_busy_timeout": "5000",
	"_foreign_keys": "on",
}

// SQLiteDSN returns the mattn DSN for a "file:" DSN or a plain path, with the
// defaults under any parameters the caller gave, and the file's path.
func SQLiteDSN(dsn string) (string, string, error) {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" || path == ":memory:" {
		return "", "", fmt.Errorf("store: a SQLite database needs a file path, got %q", dsn)
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", "", fmt.Errorf("store: bad parameters in %q: %w", dsn, err)
	}
	for k, v := range sqliteDefaults {
		if params.Get(k) == "" {
			params.Set(k, v)
		}
	}
	return "file:" + path + "?" + params.Encode(), path, nil
}

// Open opens the database that dsn names, creating it if need be, and
// brings its schema up to date: OpenWith with both options set.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{Create: true, Migrate: true})
}

// Options say what opening a database may do besides opening it.
type Options struct {
	// Create makes the database if there is none: a SQLite file that does
	// not exist, or a database without tables, is given the schema.
	// Without it, a missing file is refused before anything is written,
	// so that a mistyped path is not a new empty database.
	Create bool
	// Migrate applies the migrations an older schema lacks. Without it an
	// older schema is refused, naming both versions.
	Migrate bool
	// Zone is the engine's time zone, whose months the reports' counts are
	// to be kept by (engine.DefaultLocation when nil). A database keeps
	// them in the zone they were first made in; with Migrate and Zone set,
	// it makes them again in Zone if that is another.
	Zone *time.Location
}

// SchemaVersion is the schema this program writes: its last migration.
func SchemaVersion() int {
	ms, err := migrations(dialect{})
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// OpenWith opens the database that dsn names as o allows. Whatever o says,
// a database whose schema is newer than this program's is refused: it was
// migrated by a newer version, and this one would write what that one
// does not expect.
func OpenWith(ctx context.Context, dsn string, o Options) (*DB, error) {
	if !IsPostgres(dsn) {
		if err := checkFullText(); err != nil {
			return nil, err
		}
	}
	if !IsPostgres(dsn) && !o.Create {
		_, path, err := SQLiteDSN(dsn)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("数据库文件 %s 不存在（路径写错了？）；新建数据库请用 mediation migrate 或 mediation serve --init", path)
		}
	}
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: func() time.Time { return time.Now().UTC() }}
	db := &DB{wstmts: newStmtCache(stmtCacheSize), rstmts: newStmtCache(stmtCacheSize)}
	if IsPostgres(dsn) {
		g, err := gorm.Open(postgres.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.w, db.r, db.d = g, g, dialect{postgres: true}
	} else {
		full, path, err := SQLiteDSN(dsn)
		if err != nil {
			return nil, err
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: %w", err)
			}
		}
		// A new database file is readable by its owner alone: it will hold
		// ID numbers and phones. SQLite gives its journal files the mode of
		// the database's.
		if f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.Path = path
		// The writer's one connection keeps more of the database in its
		// page cache (writerCache) than a reader needs: each change
		// rewrites pages of many indexes.
		if db.w, err = gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: full + "&_txlock=immediate&_cache_size=" + writerCache}), cfg); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		if db.r, err = gorm.Open(sqlite.New(sqlite.Config{DriverName: sqliteDriver, DSN: full}), cfg); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		w, _ := db.w.DB()
		w.SetMaxOpenConns(1)
	}
	db.wsql, _ = db.w.DB()
	db.rsql, _ = db.r.DB()
	// The pool keeps as many connections idle as it opens: database/sql
	// keeps two by default, and a report's reads side by side opened new
	// connections for the rest each time, each parsing its statements
	// afresh (on PostgreSQL a third of a town's report over ten million
	// cases went to parsing).
	db.SetPoolSize(DefaultPoolSize)
	for _, g := range slices.Compact([]*gorm.DB{db.w, db.r}) {
		if err := db.countStatements(g); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.w.WithContext(ctx).Exec("SELECT 1").Error; err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot reach the database: %w", err)
	}
	if err := db.checkSchema(ctx, o); err != nil {
		db.Close()
		return nil, err
	}
	applied, err := db.migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	// New indexes are weighed by fresh statistics.
	if applied > 0 {
		if err := db.Optimize(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: analyze: %w", err)
		}
	}
	if err := db.ensureCounts(ctx, o); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.prepareWriter(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Optimize refreshes the statistics the planner weighs the indexes by:
// SQLite's ANALYZE, on the first 20,000 rows of each index, which takes a
// tenth of a second over a million cases (all of them took four seconds,
// the writer's lock held; a thousand gave estimates off by twenty times),
// and PostgreSQL's ANALYZE, which its autovacuum also runs. On SQLite it
// then merges each text index into one b-tree: the search looks a query up
// in every b-tree an index holds, and each transaction that writes to it
// adds one, which FTS5 merges by fours only. Over a million cases the
// names' index held 20 of them and the summaries' 32, a lookup took 23 µs
// and 27 µs, and 5 to 8 µs once merged; the merge took 2 s (87 MB), each
// index in a transaction of its own.
func (db *DB) Optimize(ctx context.Context) error {
	if !db.d.postgres {
		for _, tx := range [][]string{{"PRAGMA analysis_limit = 20000", "ANALYZE"},
			{"INSERT INTO party_text (party_text) VALUES ('optimize')"},
			{"INSERT INTO summary_text (summary_text) VALUES ('optimize')"},
			{"INSERT INTO number_text (number_text) VALUES ('optimize')"}} {
			if err := db.write(ctx, func(c conn) error {
				for _, q := range tx {
					if _, err := c.exec(ctx, q); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}
	return db.write(ctx, func(c conn) error {
		// PostgreSQL's bare ANALYZE reads every table of the database, those
		// of other schemas too: two at once, in another order, deadlock.
		// The store's own tables, in one order, queue instead.
		var tables []string
		err := c.each(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename", nil,
			func(rows *sql.Rows) error {
				var t string
				err := rows.Scan(&t)
				tables = append(tables, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
				return err
			})
		if err != nil || len(tables) == 0 {
			return err
		}
		_, err = c.exec(ctx, "ANALYZE "+strings.Join(tables, ", "))
		return err
	})
}

// writerCache is the page cache of SQLite's writer connection, in KiB as a
// negative number: 64 MiB, against SQLite's 2 MiB by default, took a first
// deadline sweep over a million cases from 6.9 s to 5.9 s.
const writerCache = "-65536"

// DefaultPoolSize is how many connections a server keeps to PostgreSQL,
// open and idle, and how many readers to SQLite (whose writer is one
// connection).
const DefaultPoolSize = 16

// SetPoolSize bounds the connections of the pool that serves many at once:
// PostgreSQL's, or SQLite's readers. Several servers on one PostgreSQL
// share its connections: together they should stay under what it allows.
func (db *DB) SetPoolSize(n int) {
	db.rsql.SetMaxOpenConns(n)
	db.rsql.SetMaxIdleConns(n)
}

// Pools returns the connection pools by name, for their statistics: the
// writer and the readers on SQLite, one pool on PostgreSQL.
func (db *DB) Pools() map[string]*sql.DB {
	if db.wsql == db.rsql {
		return map[string]*sql.DB{"db": db.wsql}
	}
	return map[string]*sql.DB{"writer": db.wsql, "reader": db.rsql}
}

// Postgres reports whether the database is PostgreSQL.
func (db *DB) Postgres() bool { return db.d.postgres }

// Close closes the statements and the connections.
func (db *DB) Close() error {
	db.wstmts.close()
	db.rstmts.close()
	var errs []error
	for i, g := range []*gorm.DB{db.w, db.r} {
		if g == nil || (i == 1 && db.r == db.w) {
			continue
		}
		if s, err := g.DB(); err == nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

// migration is one embedded SQL file, numbered by its name's prefix.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the migrations for d, in order. A file named
// NNNN_name.sqlite.sql or NNNN_name.postgres.sql is for that database alone.
func migrations(d dialect) ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for _, n := range names {
		base := filepath.Base(n)
		if other := d.pick(".sqlite.sql", ".postgres.sql"); strings.HasSuffix(base, other) {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("store: migration %s has no number", base)
		}
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, base, string(b)})
	}
	return out, nil
}

// workflowNames lets a migration that moves data, or indexes one kind of
// event, name the workflow's states, levels, roles and activities as the
// workflow package spells them: {{Referred}} for the state, {{LevelPartner}}
// for the level, quoted.
var workflowNames = strings.NewReplacer("{{Referred}}", quoted(workflow.Referred),
	"{{Agreed}}", quoted(workflow.Agreed), "{{Failed}}", quoted(workflow.Failed), "{{Withdrawn}}", quoted(workflow.Withdrawn),
	"{{LevelPartner}}", quoted(workflow.LevelPartner), "{{LevelGrid}}", quoted(workflow.LevelGrid),
	"{{LevelVillage}}", quoted(workflow.LevelVillage), "{{LevelTown}}", quoted(workflow.LevelTown),
	"{{RoleParty}}", quoted(workflow.RoleParty), "{{RoleMediator}}", quoted(workflow.RoleMediator), "{{PartyRating}}", quoted(workflow.PartyRating),
	"{{MajorReport}}", quoted(workflow.MajorReport.Step()))

func quoted[T ~string](s T) string { return "'" + string(s) + "'" }

// checkFullText refuses, before any database is touched, a program built
// without SQLite's full-text search (FTS5): the driver compiles it in only
// with the build tag sqlite_fts5, and a database such a program migrated
// would stop half way.
func checkFullText() error {
	db, err := sql.Open(sqliteDriver, ":memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE VIRTUAL TABLE probe USING fts5(x)"); err != nil {
		if strings.Contains(err.Error(), "no such module: fts5") {
			return errors.New("本程序编译时没有包含 SQLite 的全文检索（FTS5）：请用 make build 构建，或 go build -tags sqlite_fts5 ./cmd/mediation（go install 也要加 -tags sqlite_fts5）")
		}
		return fmt.Errorf("store: SQLite: %w", err)
	}
	return nil
}

// checkSchema compares the database's schema with this program's: newer
// is refused always, older unless o.Migrate, none (a new database) unless
// o.Create.
func (db *DB) checkSchema(ctx context.Context, o Options) error {
	var found int64
	if err := db.r.WithContext(ctx).Raw(db.d.pick(
		"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
		"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")).Scan(&found).Error; err != nil {
		return fmt.Errorf("store: read the schema version: %w", err)
	}
	ours := SchemaVersion()
	if found == 0 {
		if !o.Create {
			return fmt.Errorf("数据库是空的（没有任何表）：新建数据库请用 mediation migrate 或 mediation serve --init")
		}
		return nil
	}
	var theirs int
	if err := db.r.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&theirs).Error; err != nil {
		return fmt.Errorf("store: read the schema version: %w", err)
	}
	switch {
	case theirs > ours:
		return fmt.Errorf("数据库的结构版本为 %d，本程序（%d）比它旧：数据库已由更新版本的程序迁移。请使用新版本程序，或恢复升级前的备份后再用本版本", theirs, ours)
	case theirs < ours && !o.Migrate:
		return fmt.Errorf("数据库的结构版本为 %d，本程序需要 %d：请先备份，再运行 mediation migrate（或 mediation serve --migrate）", theirs, ours)
	}
	return nil
}

// migrate applies the migrations not yet recorded, each in its own
// transaction, and returns how many it applied. On PostgreSQL an advisory
// lock keeps two servers starting at once from applying the same one twice.
func (db *DB) migrate(ctx context.Context) (int, error) {
	ms, err := migrations(db.d)
	if err != nil {
		return 0, err
	}
	applied := 0
	if err := db.w.WithContext(ctx).Exec(db.d.types(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at {{time}} NOT NULL)`)).Error; err != nil {
		return 0, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := db.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if lock := db.d.lockMigrations(); lock != "" {
				if err := tx.Exec(lock).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Table("schema_migrations").Where("version = ?", m.version).Count(&n).Error; err != nil || n > 0 {
				return err
			}
			applied++
			// A migration file is applied whole: both drivers run the
			// statements of one string in turn.
			if err := tx.Exec(workflowNames.Replace(db.d.types(m.sql))).Error; err != nil {
				return err
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, time.Now().UTC()).Error
		})
		if err != nil && strings.Contains(err.Error(), "no such module: fts5") {
			return applied, fmt.Errorf("store: migration %s: this program was built without SQLite's full-text search: build it with -tags sqlite_fts5, as make does: %w", m.name, err)
		}
		if err != nil {
			return applied, fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	return applied, nil
}

// Migrations returns the applied migrations' names, oldest first.
func (db *DB) Migrations(ctx context.Context) ([]string, error) {
	var names []string
	err := db.r.WithContext(ctx).Table("schema_migrations").Order("version").Pluck("name", &names).Error
	return names, err
}

// notFound turns GORM's not-found into the engine's; it is the one place that
// does.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.Errorf(engine.ENOTFOUND, format, args...)
	}
	return err
}

// Backup writes a consistent copy of a SQLite database to path while the
// server runs (VACUUM INTO reads one snapshot).
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d.postgres {
		return engine.Errorf(engine.EINVALID, "PostgreSQL 请用 pg_dump 备份。")
	}
	// The copy holds what the database holds, ID numbers and phones among
	// it: it is made readable by its owner alone, and VACUUM INTO fills
	// the empty file.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return engine.Errorf(engine.EINVALID, "备份文件 %s 已存在，请换一个文件名。", path)
	}
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := db.r.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
