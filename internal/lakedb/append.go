package lakedb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/cairn-audit/cairn/internal/duckdb"
	"github.com/cairn-audit/cairn/internal/lake"
)

// errMalformedRecord marks an INSERT that failed on a record that is not
// valid JSON; the write is retried with the guarded transform.
var errMalformedRecord = errors.New("a record is not valid JSON")

// Cursors returns the ingest cursors committed by the last Append.
func (l *DB) Cursors(ctx context.Context) (map[string]uint64, error) {
	if l.closed.Load() {
		return nil, ErrClosed
	}
	// After a failed commit the catalog's cursors are what was committed
	// only once the database is reopened.
	l.wmu.Lock()
	err := l.recover(ctx)
	l.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("lakedb: cursors: %w", err)
	}
	l.cat.mu.RLock()
	defer l.cat.mu.RUnlock()
	return maps.Clone(l.cat.cursors), nil
}

// Append stores rows and sets cursors in one transaction.
func (l *DB) Append(ctx context.Context, rows []lake.Row, cursors map[string]uint64) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Load() {
		return ErrClosed
	}
	for i := range rows {
		if err := checkStoreID(rows[i].Store); err != nil {
			return err
		}
	}
	if _, err := l.write(ctx, rows, false, cursors); err != nil {
		return fmt.Errorf("lakedb: append of %d rows: %w", len(rows), err)
	}
	return nil
}

// Import stores rows into store, skipping rows whose EventID the store
// already holds or that repeat an earlier row's, and returns how many it
// stored. Rows' Store must be store or empty.
func (l *DB) Import(ctx context.Context, store string, rows []lake.Row) (int, error) {
	if err := checkStoreID(store); err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(rows))
	unique := make([]lake.Row, 0, len(rows))
	for _, r := range rows {
		if r.Store != "" && r.Store != store {
			return 0, fmt.Errorf("lakedb: import into %s: row of store %s", store, r.Store)
		}
		if seen[r.EventID] {
			continue
		}
		seen[r.EventID] = true
		r.Store = store
		unique = append(unique, r)
	}
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Load() {
		return 0, ErrClosed
	}
	n, err := l.write(ctx, unique, true, nil)
	if err != nil {
		return 0, fmt.Errorf("lakedb: import of %d rows into %s: %w", len(rows), store, err)
	}
	return int(n), nil
}

// write stores rows and sets cursors in one transaction, then publishes the
// new partition counts. With dedup, rows whose EventID their store holds
// are skipped. It returns the rows stored. The caller holds wmu.
func (l *DB) write(ctx context.Context, rows []lake.Row, dedup bool, cursors map[string]uint64) (int64, error) {
	if len(rows) == 0 && len(cursors) == 0 {
		return 0, nil
	}
	if err := l.recover(ctx); err != nil {
		return 0, err
	}
	var added []lakePart
	var err error
	for _, guard := range []bool{false, true} {
		added, err = l.writeTx(ctx, rows, dedup, cursors, guard)
		if !errors.Is(err, errMalformedRecord) {
			break
		}
		l.log.Warn("lake: a record is not valid JSON; storing such records with only their time, ID and text", "err", err)
	}
	if err != nil {
		return 0, err
	}
	var n int64
	l.cat.mu.Lock()
	defer l.cat.mu.Unlock()
	for _, p := range added {
		l.cat.add(p)
		n += p.rows
	}
	for name, seq := range cursors {
		l.cat.cursors[name] = seq
	}
	return n, nil
}

// writeTx is write's transaction; it returns the rows added per partition.
func (l *DB) writeTx(ctx context.Context, rows []lake.Row, dedup bool, cursors map[string]uint64, guard bool) ([]lakePart, error) {
	groups := groupByPartition(rows)
	var added []lakePart
	err := l.inTx(ctx, func(tx *duckdb.Tx) error {
		added = nil
		for _, g := range groups {
			p, err := l.insertPartition(tx, g, dedup, guard)
			if err != nil {
				return err
			}
			if p.rows > 0 {
				added = append(added, p)
			}
		}
		for name, seq := range cursors {
			if err := tx.Exec("DELETE FROM "+lakeCursorTable+" WHERE name = $1", name); err != nil {
				return err
			}
			if err := tx.Exec("INSERT INTO "+lakeCursorTable+" VALUES ($1, $2)", name, seq); err != nil {
				return err
			}
		}
		return nil
	})
	return added, err
}

// partGroup is the rows of one partition.
type partGroup struct {
	part lakePart
	rows []*lake.Row
}

// groupByPartition splits rows by partition, in the order partitions first
// appear, keeping the rows' order.
func groupByPartition(rows []lake.Row) []*partGroup {
	var groups []*partGroup
	byTable := map[string]*partGroup{}
	for i := range rows {
		r := &rows[i]
		month := monthOf(r.Time)
		table := partitionTableName(r.Store, month)
		g := byTable[table]
		if g == nil {
			g = &partGroup{part: lakePart{store: r.Store, month: month, table: table}}
			byTable[table] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
		g.part.rows++
		g.part.bytes += int64(len(r.Record))
	}
	return groups
}

// insertPartition stores a group's rows in its partition, creating the
// table and its catalog entry if new, and returns what it added. With
// dedup, rows whose EventID the partition holds are skipped (an event's
// copies share its eventTime, so they are in the same partition; the scan
// reads only the group's time range).
func (l *DB) insertPartition(tx *duckdb.Tx, g *partGroup, dedup, guard bool) (lakePart, error) {
	p := g.part
	l.cat.mu.RLock()
	known := l.cat.find(p.store, p.month) >= 0
	l.cat.mu.RUnlock()
	if !known {
		if err := tx.Exec(createPartitionSQL(p.table)); err != nil {
			return p, err
		}
	}
	staged := stageRows(g.rows)
	insert := insertPartitionSQL(p.table, guard)
	var err error
	if dedup && known {
		lo, hi := g.rows[0].Time, g.rows[0].Time
		for _, r := range g.rows[1:] {
			if r.Time.Before(lo) {
				lo = r.Time
			}
			if r.Time.After(hi) {
				hi = r.Time
			}
		}
		insert += " WHERE s.eventid NOT IN (SELECT eventid FROM " + lakeTable(p.table) + " WHERE eventtime BETWEEN " +
			timestampLiteral(lo) + " AND " + timestampLiteral(hi) + ") RETURNING " + bytesColumn
		p.rows, p.bytes = 0, 0
		err = tx.Query(insert, []any{staged}, func(vals []any) error {
			n, _ := vals[0].(int32)
			p.rows++
			p.bytes += int64(n)
			return nil
		})
	} else {
		err = tx.Exec(insert, staged)
	}
	if err != nil && !guard && strings.Contains(err.Error(), "Malformed JSON") {
		err = fmt.Errorf("%w: %w", errMalformedRecord, err)
	}
	if err != nil {
		return p, err
	}
	switch {
	case p.rows == 0:
	case known:
		err = tx.Exec("UPDATE "+lakePartsTable+" SET rows = rows + $1, bytes = bytes + $2 WHERE tbl = $3", p.rows, p.bytes, p.table)
	default:
		err = tx.Exec("INSERT INTO "+lakePartsTable+" VALUES ($1, $2, $3, $4, $5)", p.store, p.month, p.table, p.rows, p.bytes)
	}
	return p, err
}
