package lakedb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// Expire drops the store's partitions whose month ended at or before
// cutoff and returns how many it dropped. Events of the month holding
// cutoff stay until that month is over; queries hide them (Scope.Since).
func (l *DB) Expire(ctx context.Context, store string, cutoff time.Time) (int, error) {
	n, err := l.dropParts(ctx, store, func(p lakePart) bool { return !p.end().After(cutoff) })
	if err != nil {
		return 0, fmt.Errorf("lakedb: expire %s before %s: %w", store, cutoff.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}

// Drop deletes every event of the store.
func (l *DB) Drop(ctx context.Context, store string) error {
	if _, err := l.dropParts(ctx, store, func(lakePart) bool { return true }); err != nil {
		return fmt.Errorf("lakedb: drop %s: %w", store, err)
	}
	return nil
}

// dropParts drops the store's partitions that match, in one transaction.
// It holds the catalog exclusively meanwhile, so no query starts on them;
// queries already running keep reading them (DuckDB's catalog is
// versioned by transaction).
func (l *DB) dropParts(ctx context.Context, store string, match func(lakePart) bool) (int, error) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Load() {
		return 0, ErrClosed
	}
	if err := l.recover(ctx); err != nil { // before taking the catalog, which a reopen replaces
		return 0, err
	}
	l.cat.mu.Lock()
	defer l.cat.mu.Unlock()
	var victims []lakePart
	for _, p := range l.cat.parts[store] {
		if match(p) {
			victims = append(victims, p)
		}
	}
	if len(victims) == 0 {
		return 0, nil
	}
	err := l.inTx(ctx, func(tx *duckdb.Tx) error {
		for _, p := range victims {
			if err := tx.Exec("DROP TABLE IF EXISTS " + lakeTable(p.table)); err != nil {
				return err
			}
			if err := tx.Exec("DELETE FROM "+lakePartsTable+" WHERE tbl = $1", p.table); err != nil {
				return err
			}
			// A partition made again later is checked from its first row.
			if err := tx.Exec("DELETE FROM "+lakeCheckedTable+" WHERE tbl = $1", p.table); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	l.cat.remove(store, victims)
	return len(victims), nil
}

// Size returns the number of the store's events at or after since, and
// their record bytes.
func (l *DB) Size(ctx context.Context, store string, since time.Time) (events, bytes int64, err error) {
	if l.closed.Load() {
		return 0, 0, ErrClosed
	}
	l.cat.mu.RLock()
	defer l.cat.mu.RUnlock()
	events, bytes, err = exposedSize(ctx, l.handle(), l.cat.storeParts(store), since)
	if err != nil {
		return 0, 0, fmt.Errorf("lakedb: size of %s: %w", store, err)
	}
	return events, bytes, nil
}

// rowQueryer is *sql.DB or *sql.Conn.
type rowQueryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// exposedSize counts the events of parts at or after since, and their
// record bytes: whole partitions from the catalog, and the one partition
// that since falls inside by scanning its (narrow) time and size columns.
func exposedSize(ctx context.Context, q rowQueryer, parts []lakePart, since time.Time) (events, bytes int64, err error) {
	for _, p := range parts {
		switch {
		case !p.end().After(since):
		case !p.month.Before(since):
			events += p.rows
			bytes += p.bytes
		default:
			var n, b int64
			row := q.QueryRowContext(ctx, "SELECT count(*), coalesce(sum("+bytesColumn+"), 0)::BIGINT FROM "+lakeTable(p.table)+
				" WHERE eventtime >= $1", since.UTC())
			if err := row.Scan(&n, &b); err != nil {
				return 0, 0, fmt.Errorf("count %s since %s: %w", p.table, since.UTC().Format(time.RFC3339), err)
			}
			events += n
			bytes += b
		}
	}
	return events, bytes, nil
}
