package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
)

// inTx runs fn in one transaction of the Lake's database. A failed COMMIT
// (or an invalidated database) marks the database for reopening before the
// next write (see lake_reopen.go); the error wraps errCommitFailed then. The
// caller holds wmu and has called recover.
func (l *Lake) inTx(ctx context.Context, fn func(tx *rawTx) error) error {
	if l.down != nil {
		return l.down
	}
	err := commitTx(ctx, l.db, fn)
	if needsReopen(err) {
		l.markSuspect(err)
	}
	return err
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
