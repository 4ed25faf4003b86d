package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// inTx runs fn between BEGIN and COMMIT on one raw connection of the
// Lake's pool (the appender needs the driver connection), rolling back if
// either fails.
func (l *Lake) inTx(ctx context.Context, fn func(tx *rawTx) error) error {
	conn, err := l.db.Conn(ctx)
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

// query runs a statement on the transaction's connection and calls fn with
// each row's values.
func (t *rawTx) query(query string, args []any, fn func(vals []any) error) error {
	q, ok := t.conn.(driver.QueryerContext)
	if !ok {
		return fmt.Errorf("driver connection %T cannot query", t.conn)
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	rows, err := q.QueryContext(t.ctx, query, named)
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
