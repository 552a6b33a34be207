//go:build cgo

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is the name under which the store opens SQLite: the
// driver's own, with the caller's cancellation taken off every statement.
// Given a context that can be cancelled (every web request's can), the
// driver runs each statement, and reads each row, in a goroutine of its
// own, so as to interrupt it when the context ends: two goroutine switches
// per statement and per row, which on two cores cost a note posted through
// the API about a fifth of its time. A statement here is short, or a
// report's bounded read, so the store checks the context before each
// statement and lets a started one finish; database/sql still rolls back
// a transaction whose context ends.
const sqliteDriver = "sqlite3-detached"

func init() {
	sql.Register(sqliteDriver, detachedDriver{})
}

type detachedDriver struct{ sqlite3.SQLiteDriver }

func (d detachedDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.SQLiteDriver.Open(dsn)
	if err != nil {
		return nil, err
	}
	return detachedConn{c.(*sqlite3.SQLiteConn)}, nil
}

// detachedConn is a connection whose statements run without the caller's
// cancellation once it has been checked.
type detachedConn struct{ *sqlite3.SQLiteConn }

func (c detachedConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.SQLiteConn.QueryContext(context.WithoutCancel(ctx), q, args)
}

func (c detachedConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.SQLiteConn.ExecContext(context.WithoutCancel(ctx), q, args)
}

func (c detachedConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.SQLiteConn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return detachedStmt{st.(*sqlite3.SQLiteStmt)}, nil
}

func (c detachedConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c detachedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.SQLiteConn.BeginTx(context.WithoutCancel(ctx), opts)
}

// detachedStmt is a prepared statement that runs as detachedConn's do.
type detachedStmt struct{ *sqlite3.SQLiteStmt }

func (s detachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.SQLiteStmt.QueryContext(context.WithoutCancel(ctx), args)
}

func (s detachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.SQLiteStmt.ExecContext(context.WithoutCancel(ctx), args)
}
