package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/marcboeker/go-duckdb"
)

// rawTx is an explicit transaction on one raw DuckDB connection: the
// appender only works on a driver connection, and appended rows, DDL and the
// cursor update must commit together.
type rawTx struct {
	ctx  context.Context
	conn driver.Conn
}

// inTx runs fn between BEGIN and COMMIT on one raw connection of db (the
// driver connection, for statements go-duckdb only offers there), rolling
// back if either fails.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *rawTx) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		tx := &rawTx{ctx: ctx, conn: dconn}
		if err := tx.exec("BEGIN TRANSACTION"); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return errors.Join(err, tx.rollback())
		}
		if err := tx.exec("COMMIT"); err != nil {
			return errors.Join(err, tx.rollback())
		}
		return nil
	})
}

func (t *rawTx) rollback() error {
	// Roll back even when the caller's context is what failed.
	rt := &rawTx{ctx: context.WithoutCancel(t.ctx), conn: t.conn}
	if err := rt.exec("ROLLBACK"); err != nil {
		// Nothing to roll back (e.g. a failed COMMIT already aborted) is fine;
		// anything else leaves the connection suspect.
		return fmt.Errorf("rollback: %w: %w", err, driver.ErrBadConn)
	}
	return nil
}

func (t *rawTx) exec(query string, args ...any) error {
	ex, ok := t.conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("driver connection %T cannot exec", t.conn)
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	if _, err := ex.ExecContext(t.ctx, query, named); err != nil {
		return fmt.Errorf("exec %.60q: %w", query, err)
	}
	return nil
}

func (t *rawTx) appender(table string) (*duckdb.Appender, error) {
	a, err := duckdb.NewAppenderFromConn(t.conn, "", table)
	if err != nil {
		return nil, fmt.Errorf("appender for %s: %w", table, err)
	}
	return a, nil
}
