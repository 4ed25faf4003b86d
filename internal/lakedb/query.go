package lakedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
	"github.com/cairn-audit/cairn/internal/lake"
	goduckdb "github.com/marcboeker/go-duckdb"
)

// Check validates a statement without running it and returns the stores
// (lower-case IDs) it names. Names that are not UUIDs are refused.
func (l *DB) Check(ctx context.Context, sql string) ([]string, error) {
	if l.closed.Load() {
		return nil, ErrClosed
	}
	_, stores, err := l.prepare(ctx, sql, func(name string) bool {
		id, ok := storeRefID(name)
		return ok && id == name
	})
	return stores, err
}

// Run validates and runs the statement over the stores of q.Stores it
// names, streaming rendered results to w.
func (l *DB) Run(ctx context.Context, q lake.Query, w lake.ResultWriter) (lake.QueryStats, error) {
	var st lake.QueryStats
	if l.closed.Load() {
		return st, ErrClosed
	}
	scopes := make(map[string]lake.Scope, len(q.Stores))
	for id, s := range q.Stores {
		scopes[strings.ToLower(id)] = s
	}
	final, stores, err := l.prepare(ctx, q.SQL, func(name string) bool {
		_, ok := scopes[name]
		return ok
	})
	if err != nil {
		return st, err
	}
	limit := q.MaxResultBytes
	if limit <= 0 {
		limit = l.maxResultBytes
	}
	qc, err := l.acquire(ctx)
	if err != nil {
		return st, err
	}
	broken := false
	defer func() { l.release(qc, broken) }()
	qctx, done := l.mem.track(ctx)
	defer done()
	st, broken, err = l.execute(qctx, qc, final, stores, scopes, &limitedWriter{w: w, limit: limit})
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return st, ctx.Err()
	case errors.Is(context.Cause(qctx), errQueryMemory):
		return st, errQueryMemory
	}
	return st, err
}

// prepare turns a user statement into the statement to run: store
// references normalized, parsed and validated by DuckDB, rewritten, and, if
// rewritten, printed and validated again (what runs is what was checked).
// It returns the stores the statement reads.
func (l *DB) prepare(ctx context.Context, sql string, isStore func(string) bool) (string, []string, error) {
	norm, err := normalizeStoreRefs(sql)
	if err != nil {
		return "", nil, err
	}
	p, err := l.parse(ctx, norm)
	if err != nil {
		return "", nil, err
	}
	v := &validator{isStore: isStore}
	if err := v.validate(p); err != nil {
		return "", nil, err
	}
	r := &rewriter{t: l.tmpl}
	if !r.rewrite(p) {
		return norm, v.stores, nil
	}
	if err := l.label(ctx, r); err != nil {
		return "", nil, err
	}
	final, err := l.deserialize(ctx, p.doc)
	if err != nil {
		return "", nil, err
	}
	p2, err := l.parse(ctx, final)
	if err != nil {
		return "", nil, fmt.Errorf("the rewritten statement does not parse: %w", err)
	}
	if err := (&validator{isStore: isStore}).validate(p2); err != nil {
		return "", nil, fmt.Errorf("the rewritten statement: %w", err)
	}
	return final, v.stores, nil
}

// execute runs a prepared statement on a query connection, in a
// transaction holding the views of its stores. broken reports that the
// connection could not be cleaned up.
func (l *DB) execute(ctx context.Context, qc *queryConn, stmt string, stores []string, scopes map[string]lake.Scope,
	w *limitedWriter) (st lake.QueryStats, broken bool, err error) {
	conn := qc.conn
	parts, err := l.openViews(ctx, conn, stores, scopes)
	defer func() {
		if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil && !strings.Contains(rbErr.Error(), "no transaction") {
			broken = true
			err = errors.Join(err, fmt.Errorf("roll back query: %w", rbErr))
		}
	}()
	if err != nil {
		return st, false, err
	}
	for _, id := range stores {
		n, b, err := exposedSize(ctx, conn, parts[id], scopes[id].Since)
		if err != nil {
			return st, false, err
		}
		st.EventsScanned += n
		st.BytesScanned += b
	}
	var cols []resultColumn
	err = queryOne(ctx, conn, "DESCRIBE "+stmt, false, func(_ []string, vals []driver.Value) error {
		name, _ := vals[0].(string)
		typ, _ := vals[1].(string)
		cols = append(cols, resultColumn{name: name, typ: typ})
		return nil
	})
	if err != nil {
		return st, false, classifyQueryError(err)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	if err := w.w.Columns(names); err != nil {
		return st, false, fmt.Errorf("write columns: %w", err)
	}
	vals := make([]any, len(cols))
	err = queryOne(ctx, conn, renderSQL(stmt, cols), true, func(_ []string, row []driver.Value) error {
		for i, v := range row {
			vals[i] = v
		}
		return w.row(vals)
	})
	st.EventsMatched = st.EventsScanned // without a profile
	if qc.profiled && err == nil {
		info, perr := goduckdb.GetProfilingInfo(conn)
		if perr != nil {
			return st, false, fmt.Errorf("read query profile: %w", perr)
		}
		st.EventsMatched = min(eventsMatched(info), st.EventsScanned)
	}
	if err != nil {
		return st, false, classifyQueryError(err)
	}
	return st, false, nil
}

// openViews begins the query's transaction and creates the connection-local
// view of each store: its partitions from Since on. The catalog is held
// shared until the transaction has bound the partition tables, so a
// concurrent Expire cannot drop one in between (dropping one later does not
// affect this transaction). It returns the partitions of each view.
func (l *DB) openViews(ctx context.Context, conn *sql.Conn, stores []string, scopes map[string]lake.Scope) (map[string][]lakePart, error) {
	l.cat.mu.RLock()
	defer l.cat.mu.RUnlock()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("begin query: %w", err)
	}
	parts := map[string][]lakePart{}
	for _, id := range stores {
		since := scopes[id].Since
		var selects []string
		for _, p := range l.cat.storeParts(id) {
			switch {
			case !since.IsZero() && !p.end().After(since):
			case !since.IsZero() && p.month.Before(since):
				parts[id] = append(parts[id], p)
				selects = append(selects, partitionView(p.table, since))
			default:
				parts[id] = append(parts[id], p)
				selects = append(selects, partitionView(p.table, time.Time{}))
			}
		}
		if len(selects) == 0 {
			selects = append(selects, partitionView(lakeTemplate, time.Time{}))
		}
		view := "CREATE TEMP VIEW " + duckdb.QuoteIdent(id) + " AS " + strings.Join(selects, " UNION ALL ")
		if _, err := conn.ExecContext(ctx, view); err != nil {
			return nil, fmt.Errorf("view of %s: %w", id, err)
		}
	}
	return parts, nil
}

// queryOne runs one statement on conn and calls fn with each row. It
// prepares through the driver, which refuses a text of several statements
// (database/sql would run all of them); with onlySelect, it refuses
// anything but a SELECT.
func queryOne(ctx context.Context, conn *sql.Conn, query string, onlySelect bool, fn func(cols []string, vals []driver.Value) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		stmt, err := c.Prepare(query)
		if err != nil {
			return err
		}
		defer stmt.Close()
		ds, ok := stmt.(*goduckdb.Stmt)
		if !ok {
			return fmt.Errorf("unexpected driver statement %T", stmt)
		}
		typ, err := ds.StatementType()
		if err != nil {
			return err
		}
		if onlySelect && typ != goduckdb.STATEMENT_TYPE_SELECT {
			return fmt.Errorf("%w: Only SELECT statements are allowed", lake.ErrInvalidQuery)
		}
		rows, err := ds.QueryContext(ctx, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols := rows.Columns()
		vals := make([]driver.Value, len(cols))
		for {
			err := rows.Next(vals)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := fn(cols, vals); err != nil {
				return err
			}
		}
	})
}
