package lakedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// lakeFormatVersion is the on-disk layout version of lake.duckdb; a
// database of another version is refused.
const lakeFormatVersion = 2

const (
	lakeDBFile = "lake.duckdb"
	// lakeSchema holds every Lake table. It is not on DuckDB's search path,
	// so no unqualified name in a user's statement can reach a table in it.
	lakeSchema      = "cairn"
	lakeStateTable  = lakeSchema + ".state"
	lakePartsTable  = lakeSchema + ".partitions"
	lakeCursorTable = lakeSchema + ".cursors"
	// lakeTemplate is an empty partition: the view of a store without events.
	lakeTemplate = "template"
	monthLayout  = "200601"
)

var lakeCatalogDDL = []string{
	"CREATE SCHEMA IF NOT EXISTS " + lakeSchema,
	"CREATE TABLE IF NOT EXISTS " + lakeStateTable + " (format_version INTEGER NOT NULL)",
	"CREATE TABLE IF NOT EXISTS " + lakePartsTable + ` (
		store VARCHAR NOT NULL, month DATE NOT NULL, tbl VARCHAR NOT NULL,
		rows BIGINT NOT NULL, bytes BIGINT NOT NULL)`,
	"CREATE TABLE IF NOT EXISTS " + lakeCursorTable + " (name VARCHAR NOT NULL, seq UBIGINT NOT NULL)",
}

// storeIDPattern: a lower-case UUID (an event data store) or a short plain
// name (e.g. "logs", the store `cairn query --logs` builds in memory).
var storeIDPattern = regexp.MustCompile(`^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z][a-z0-9_]{0,30})$`)

func checkStoreID(id string) error {
	if !storeIDPattern.MatchString(id) {
		return fmt.Errorf("lakedb: invalid event data store ID %q", id)
	}
	return nil
}

// lakeTable is the qualified, quoted name of a table in the lake schema.
func lakeTable(name string) string { return lakeSchema + "." + duckdb.QuoteIdent(name) }

// partitionTableName is the table of one store's events of one UTC month,
// e.g. p_6f1b2c3d..._202611 (a UUID's dashes dropped; plain names are
// shorter than 32 characters, so they never collide with a UUID's).
func partitionTableName(store string, month time.Time) string {
	return "p_" + strings.ReplaceAll(store, "-", "") + "_" + month.Format(monthLayout)
}

// monthOf is the first instant of t's UTC month.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// lakePart is one partition: a store's events of one month.
type lakePart struct {
	store string
	month time.Time // first instant of the UTC month
	table string
	rows  int64
	bytes int64 // record bytes
}

// end is the first instant after the partition's month.
func (p lakePart) end() time.Time { return p.month.AddDate(0, 1, 0) }

// lakeCatalog is the in-memory copy of the partition and cursor tables,
// updated after each commit. Expire and Drop hold mu exclusively while
// dropping tables; a query holds it shared from choosing its partitions
// until its transaction has bound them, so it never sees a dropped table.
type lakeCatalog struct {
	mu      sync.RWMutex
	parts   map[string][]lakePart // by store, oldest month first
	cursors map[string]uint64
}

// storeParts returns a copy of the store's partitions.
func (c *lakeCatalog) storeParts(store string) []lakePart {
	return slices.Clone(c.parts[store])
}

// find returns the index of the store's partition of month, or -1.
func (c *lakeCatalog) find(store string, month time.Time) int {
	for i, p := range c.parts[store] {
		if p.month.Equal(month) {
			return i
		}
	}
	return -1
}

// add records rows appended to a partition, creating its entry if new.
func (c *lakeCatalog) add(p lakePart) {
	if i := c.find(p.store, p.month); i >= 0 {
		ps := slices.Clone(c.parts[p.store])
		ps[i].rows += p.rows
		ps[i].bytes += p.bytes
		c.parts[p.store] = ps
		return
	}
	ps := append(slices.Clone(c.parts[p.store]), p)
	slices.SortFunc(ps, func(a, b lakePart) int { return a.month.Compare(b.month) })
	c.parts[p.store] = ps
}

// remove forgets the given partitions of a store.
func (c *lakeCatalog) remove(store string, drop []lakePart) {
	ps := slices.DeleteFunc(slices.Clone(c.parts[store]), func(p lakePart) bool {
		return slices.ContainsFunc(drop, func(d lakePart) bool { return d.table == p.table })
	})
	if len(ps) == 0 {
		delete(c.parts, store)
		return
	}
	c.parts[store] = ps
}

// loadLakeCatalog creates the catalog tables if needed and reads them.
func loadLakeCatalog(ctx context.Context, db *sql.DB) (*lakeCatalog, error) {
	for _, q := range lakeCatalogDDL {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("create lake catalog: %w", err)
		}
	}
	var version int
	err := db.QueryRowContext(ctx, "SELECT format_version FROM "+lakeStateTable).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		version = lakeFormatVersion
		if _, err := db.ExecContext(ctx, "INSERT INTO "+lakeStateTable+" VALUES ($1)", version); err != nil {
			return nil, fmt.Errorf("init lake state: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("read lake state: %w", err)
	}
	if version != lakeFormatVersion {
		return nil, fmt.Errorf("lake format version %d, want %d", version, lakeFormatVersion)
	}
	// The template follows the current schema.
	for _, q := range []string{"DROP TABLE IF EXISTS " + lakeTable(lakeTemplate), createPartitionSQL(lakeTemplate)} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("create lake template: %w", err)
		}
	}
	c := &lakeCatalog{parts: map[string][]lakePart{}, cursors: map[string]uint64{}}
	if err := c.loadParts(ctx, db); err != nil {
		return nil, err
	}
	if err := c.loadCursors(ctx, db); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *lakeCatalog) loadParts(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT store, month, tbl, rows, bytes FROM "+lakePartsTable+" ORDER BY store, month")
	if err != nil {
		return fmt.Errorf("read lake partitions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p lakePart
		if err := rows.Scan(&p.store, &p.month, &p.table, &p.rows, &p.bytes); err != nil {
			return fmt.Errorf("read lake partitions: %w", err)
		}
		p.month = p.month.UTC()
		c.parts[p.store] = append(c.parts[p.store], p)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read lake partitions: %w", err)
	}
	return nil
}

func (c *lakeCatalog) loadCursors(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name, seq FROM "+lakeCursorTable)
	if err != nil {
		return fmt.Errorf("read lake cursors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var seq uint64
		if err := rows.Scan(&name, &seq); err != nil {
			return fmt.Errorf("read lake cursors: %w", err)
		}
		c.cursors[name] = seq
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read lake cursors: %w", err)
	}
	return nil
}
