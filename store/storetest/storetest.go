// Package storetest opens a fresh, real database for each test: a SQLite
// file in the test's temporary directory, or, when MEDIATION_TEST_POSTGRES
// holds a PostgreSQL DSN, a new schema on that server that is dropped after
// the test.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grassroots/mediation/store"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgresEnv names the variable that points the tests at PostgreSQL.
const PostgresEnv = "MEDIATION_TEST_POSTGRES"

// DSN returns a DSN for a fresh database and registers its clean-up.
func DSN(tb testing.TB) string {
	tb.Helper()
	pg := os.Getenv(PostgresEnv)
	if pg == "" {
		return "file:" + filepath.Join(tb.TempDir(), "test.db")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := gorm.Open(postgres.Open(pg), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		tb.Fatalf("storetest: %s: %v", PostgresEnv, err)
	}
	// The search's extensions are the database's, in public, where a
	// deployment keeps them too: each test's schema finds them on its path.
	for _, ext := range []string{"pg_trgm", "btree_gin"} {
		if err := admin.Exec("CREATE EXTENSION IF NOT EXISTS " + ext + " SCHEMA public").Error; err != nil {
			var n int64
			if admin.Raw("SELECT COUNT(*) FROM pg_extension WHERE extname = ?", ext).Scan(&n); n == 0 {
				tb.Fatalf("storetest: create extension %s: %v", ext, err)
			}
		}
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		tb.Fatalf("storetest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if s, err := admin.DB(); err == nil {
			s.Close()
		}
	})
	return withSearchPath(tb, pg, schema)
}

func withSearchPath(tb testing.TB, dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("storetest: %s: %v", PostgresEnv, err)
		}
		q := u.Query()
		q.Set("search_path", schema+",public")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema + ",public"
}

// Open returns a fresh, migrated database that is closed after the test.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN returns the PostgreSQL server the tests use, "" for SQLite.
func PostgresDSN() string { return os.Getenv(PostgresEnv) }
