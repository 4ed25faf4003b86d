package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"

	goduckdb "github.com/marcboeker/go-duckdb"
)

// Tx is an explicit transaction on one raw DuckDB connection: the appender
// only works on a driver connection, and appended rows, DDL and cursor
// updates must commit together.
type Tx struct {
	ctx  context.Context
	conn driver.Conn
}

// InTx runs fn between BEGIN and COMMIT on one raw connection of db (the
// driver connection, for statements go-duckdb only offers there), rolling
// back if either fails. Writers use CommitTx (or Reopener.Commit), which
// also tells a failed COMMIT apart.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *Tx) error) error {
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
		tx := &Tx{ctx: ctx, conn: dconn}
		if err := tx.Exec("BEGIN TRANSACTION"); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return errors.Join(err, tx.rollback())
		}
		if err := tx.Exec("COMMIT"); err != nil {
			return errors.Join(err, tx.rollback())
		}
		return nil
	})
}

func (t *Tx) rollback() error {
	// Roll back even when the caller's context is what failed.
	rt := &Tx{ctx: context.WithoutCancel(t.ctx), conn: t.conn}
	if err := rt.Exec("ROLLBACK"); err != nil {
		// Nothing to roll back (e.g. a failed COMMIT already aborted) is fine;
		// anything else leaves the connection suspect.
		return fmt.Errorf("rollback: %w: %w", err, driver.ErrBadConn)
	}
	return nil
}

func namedValues(args []any) []driver.NamedValue {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return named
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(query string, args ...any) error {
	ex, ok := t.conn.(driver.ExecerContext)
	if !ok {
		return fmt.Errorf("driver connection %T cannot exec", t.conn)
	}
	if _, err := ex.ExecContext(t.ctx, query, namedValues(args)); err != nil {
		return fmt.Errorf("exec %.60q: %w", query, err)
	}
	return nil
}

// Query runs a statement in the transaction and calls fn with each row's
// values.
func (t *Tx) Query(query string, args []any, fn func(vals []any) error) error {
	q, ok := t.conn.(driver.QueryerContext)
	if !ok {
		return fmt.Errorf("driver connection %T cannot query", t.conn)
	}
	rows, err := q.QueryContext(t.ctx, query, namedValues(args))
	if err != nil {
		return fmt.Errorf("query %.60q: %w", query, err)
	}
	vals := make([]driver.Value, len(rows.Columns()))
	for {
		err := rows.Next(vals)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errors.Join(fmt.Errorf("query %.60q: %w", query, err), rows.Close())
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		if err := fn(out); err != nil {
			return errors.Join(err, rows.Close())
		}
	}
	return rows.Close()
}

// Appender returns an appender for table on the transaction's connection.
func (t *Tx) Appender(table string) (*goduckdb.Appender, error) {
	a, err := goduckdb.NewAppenderFromConn(t.conn, "", table)
	if err != nil {
		return nil, fmt.Errorf("appender for %s: %w", table, err)
	}
	return a, nil
}
