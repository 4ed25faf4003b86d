package lakedb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// The row check: every row of a partition must be well-formed: one event ID
// (1 to maxCheckedEventID bytes), and for a row stored from JSON a record of
// exactly the length it was given (cairn_bytes, an integer column a
// spliced string cannot reach) that is valid JSON whose eventID is the
// row's. A malformed row is moved to the quarantine table, out of every
// query (a record that is not JSON where the view expects one fails every
// statement reading the lazy columns, eventData among them).
//
// Open checks the rows appended since the last check, up to
// DefaultOpenCheckRows, with the cheap tests (ID length, record length: they
// catch a spliced row and read no JSON); `cairn lake check` runs every test
// on every row. Each partition's checked row count is kept in
// cairn.checked; rows are only ever appended to a partition (or the whole
// partition dropped), so the rows past the count are the new ones.

const (
	lakeCheckedTable    = lakeSchema + ".checked"
	lakeQuarantineTable = lakeSchema + ".quarantine"
	// maxCheckedEventID bounds a well-formed event ID.
	maxCheckedEventID = 128
	// DefaultOpenCheckRows bounds the rows Open checks; the rest are
	// checked at the next open (see docs/LAKE.md, "Row check").
	DefaultOpenCheckRows = 200_000
	// maxReportedRows bounds CheckReport.Rows.
	maxReportedRows = 100
)

var lakeCheckDDL = []string{
	"CREATE TABLE IF NOT EXISTS " + lakeCheckedTable + " (tbl VARCHAR NOT NULL, rows BIGINT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS " + lakeQuarantineTable + ` (store VARCHAR NOT NULL, tbl VARCHAR NOT NULL,
		eventtime TIMESTAMP, eventid VARCHAR, bytes BIGINT, reason VARCHAR NOT NULL, found TIMESTAMP NOT NULL, record BLOB)`,
}

// CheckOptions configure CheckRows.
type CheckOptions struct {
	// All checks every row; by default only the rows appended since the
	// last check.
	All bool
	// Deep also parses each record (valid JSON, its eventID the row's).
	Deep bool
	// MaxRows bounds the rows checked (0: no bound); partitions left out
	// are counted in Pending and checked next time.
	MaxRows int64
	// Quarantine moves the malformed rows into cairn.quarantine (else they
	// are only reported).
	Quarantine bool
}

// CheckReport is what CheckRows found.
type CheckReport struct {
	Partitions  int   // partitions checked
	Checked     int64 // rows checked
	Pending     int64 // rows left unchecked (MaxRows)
	Malformed   int64 // malformed rows found
	Quarantined int64 // of them, moved to the quarantine
	Took        time.Duration
	Rows        []MalformedRow // the first maxReportedRows
}

// MalformedRow is a malformed row found by CheckRows.
type MalformedRow struct {
	Store   string
	Time    time.Time
	EventID string // its first 100 bytes
	IDBytes int    // the event ID's length
	Bytes   int64  // the record's length as stored
	Reason  string
}

// QuarantinedRow is a row in the quarantine.
type QuarantinedRow struct {
	MalformedRow
	Found time.Time
}

// malformedReason is the SQL reason a row is malformed, NULL when it is
// well-formed; deep adds the JSON tests.
func malformedReason(deep bool) string {
	var b strings.Builder
	b.WriteString("CASE WHEN eventid IS NULL OR length(eventid) = 0 THEN 'no eventID'")
	fmt.Fprintf(&b, " WHEN length(eventid) > %d THEN 'eventID of ' || length(eventid) || ' characters'", maxCheckedEventID)
	b.WriteString(" WHEN " + parsedColumn + " AND octet_length(" + recordColumn + ") <> " + bytesColumn +
		" THEN 'record of ' || octet_length(" + recordColumn + ") || ' bytes, stored from ' || " + bytesColumn)
	if deep {
		rec := "decode(" + recordColumn + ")"
		b.WriteString(" WHEN " + parsedColumn + " AND NOT json_valid(" + rec + ") THEN 'record is not valid JSON'")
		b.WriteString(" WHEN " + parsedColumn + " AND json_extract_string(" + rec + ", '$.eventID') IS DISTINCT FROM eventid" +
			" AND json_extract_string(" + rec + ", '$.eventID') IS NOT NULL THEN 'record eventID differs from the row'")
	}
	b.WriteString(" END")
	return b.String()
}

// OpenUnchecked is Open without the row check at open, for
// `cairn lake check`, which reports without moving rows.
func OpenUnchecked(opts Options) (*DB, error) { return openDB(opts, false) }

// checkAtOpen runs the cheap check over the rows appended since the last
// one and quarantines what it finds, logging the outcome.
func (l *DB) checkAtOpen(ctx context.Context) error {
	rep, err := l.CheckRows(ctx, CheckOptions{MaxRows: DefaultOpenCheckRows, Quarantine: true})
	if err != nil {
		return fmt.Errorf("check rows: %w", err)
	}
	args := []any{"partitions", rep.Partitions, "rows", rep.Checked, "pending", rep.Pending, "took", rep.Took.Round(time.Millisecond)}
	if rep.Malformed == 0 {
		if rep.Checked > 0 {
			l.log.Info("lake rows checked", args...)
		}
		return nil
	}
	for _, r := range rep.Rows {
		l.log.Error("lake: malformed row quarantined", "store", r.Store, "eventTime", r.Time, "eventID", r.EventID,
			"eventIDBytes", r.IDBytes, "bytes", r.Bytes, "reason", r.Reason)
	}
	l.log.Error("lake: malformed rows moved to the quarantine; run `cairn lake repair` (server stopped) to re-derive them from the journal",
		append(args, "malformed", rep.Malformed, "quarantined", rep.Quarantined)...)
	return nil
}

// CheckRows checks the Lake's rows (see CheckOptions) and, with Quarantine,
// moves the malformed ones out of their partitions. Writers wait meanwhile.
func (l *DB) CheckRows(ctx context.Context, opts CheckOptions) (CheckReport, error) {
	began := time.Now()
	var rep CheckReport
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Load() {
		return rep, ErrClosed
	}
	if err := l.recover(ctx); err != nil {
		return rep, err
	}
	db := l.db
	checked := map[string]int64{}
	rows, err := db.QueryContext(ctx, "SELECT tbl, max(rows) FROM "+lakeCheckedTable+" GROUP BY tbl")
	if err != nil {
		return rep, fmt.Errorf("read checked rows: %w", err)
	}
	for rows.Next() {
		var tbl string
		var n int64
		if err := rows.Scan(&tbl, &n); err != nil {
			rows.Close()
			return rep, fmt.Errorf("read checked rows: %w", err)
		}
		checked[tbl] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("read checked rows: %w", err)
	}
	l.cat.mu.RLock()
	var parts []lakePart
	for _, ps := range l.cat.parts {
		parts = append(parts, ps...)
	}
	l.cat.mu.RUnlock()
	// Newest months first: a bad row comes from a recent write.
	slices.SortFunc(parts, func(a, b lakePart) int { return b.month.Compare(a.month) })
	for _, p := range parts {
		if !opts.All && checked[p.table] >= p.rows {
			continue // nothing appended since (an append raises rows past the mark)
		}
		// Rowids run 0..span-1, with holes where rows were quarantined.
		var span int64
		if err := l.db.QueryRowContext(ctx, "SELECT coalesce(max(rowid) + 1, 0) FROM "+lakeTable(p.table)).Scan(&span); err != nil {
			return rep, fmt.Errorf("check %s: %w", p.table, err)
		}
		from := checked[p.table]
		if opts.All || from > span {
			from = 0
		}
		to := span
		if opts.MaxRows > 0 {
			to = min(to, from+max(opts.MaxRows-rep.Checked, 0))
		}
		rep.Pending += span - to
		if to <= from {
			continue
		}
		if err := l.checkPartition(ctx, p, from, to, opts, &rep); err != nil {
			return rep, fmt.Errorf("check %s: %w", p.table, err)
		}
	}
	rep.Took = time.Since(began)
	return rep, nil
}

// checkPartition checks p's rows of rowids [from, to) (rows are only
// appended: the new ones have the highest rowids), quarantines the bad ones
// if asked, and records the rows up to to checked when they are clean.
func (l *DB) checkPartition(ctx context.Context, p lakePart, from, to int64, opts CheckOptions, rep *CheckReport) error {
	rep.Partitions++
	rep.Checked += to - from
	table := lakeTable(p.table)
	rows, err := l.db.QueryContext(ctx, "SELECT * FROM (SELECT rowid, "+malformedReason(opts.Deep)+" AS reason, eventtime, coalesce(left(eventid, 100), ''), "+
		"coalesce(length(eventid), 0), octet_length("+recordColumn+") FROM "+table+" WHERE rowid >= $1 AND rowid < $2) WHERE reason IS NOT NULL ORDER BY rowid", from, to)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		m := MalformedRow{Store: p.store}
		if err := rows.Scan(&id, &m.Reason, &m.Time, &m.EventID, &m.IDBytes, &m.Bytes); err != nil {
			rows.Close()
			return err
		}
		m.Time = m.Time.UTC()
		ids = append(ids, id)
		if len(rep.Rows) < maxReportedRows {
			rep.Rows = append(rep.Rows, m)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rep.Malformed += int64(len(ids))
	if len(ids) > 0 && !opts.Quarantine {
		return nil // not clean: checked again next time
	}
	var removed lakePart
	err = l.inTx(ctx, func(tx *duckdb.Tx) error {
		if len(ids) > 0 {
			var list strings.Builder
			for i, id := range ids {
				if i > 0 {
					list.WriteString(", ")
				}
				fmt.Fprint(&list, id)
			}
			in := " WHERE rowid IN (" + list.String() + ")"
			removed = lakePart{store: p.store, month: p.month, table: p.table}
			if err := tx.Query("SELECT count(*), coalesce(sum("+bytesColumn+"), 0)::BIGINT FROM "+table+in, nil, func(v []any) error {
				removed.rows, _ = v[0].(int64)
				removed.bytes, _ = v[1].(int64)
				return nil
			}); err != nil {
				return err
			}
			if err := tx.Exec("INSERT INTO "+lakeQuarantineTable+" SELECT $1, $2, eventtime, eventid, "+bytesColumn+", "+
				malformedReason(opts.Deep)+", now()::TIMESTAMP, "+recordColumn+" FROM "+table+in, p.store, p.table); err != nil {
				return err
			}
			if err := tx.Exec("DELETE FROM " + table + in); err != nil {
				return err
			}
			if err := tx.Exec("UPDATE "+lakePartsTable+" SET rows = rows - $1, bytes = bytes - $2 WHERE tbl = $3",
				removed.rows, removed.bytes, p.table); err != nil {
				return err
			}
		}
		if err := tx.Exec("DELETE FROM "+lakeCheckedTable+" WHERE tbl = $1", p.table); err != nil {
			return err
		}
		// Rows appended later get rowids of at least to, or of at least the
		// rows left if a checkpoint renumbers the partition past its
		// quarantined rows: start the next check at the lower.
		return tx.Exec("INSERT INTO "+lakeCheckedTable+" VALUES ($1, $2)", p.table, min(to, p.rows-removed.rows))
	})
	if err != nil {
		return err
	}
	if removed.rows > 0 {
		rep.Quarantined += removed.rows
		removed.rows, removed.bytes = -removed.rows, -removed.bytes
		l.cat.mu.Lock()
		l.cat.add(removed)
		l.cat.mu.Unlock()
	}
	return nil
}

// Quarantined returns the rows in the quarantine, oldest found first.
func (l *DB) Quarantined(ctx context.Context) ([]QuarantinedRow, error) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Load() {
		return nil, ErrClosed
	}
	if err := l.recover(ctx); err != nil {
		return nil, err
	}
	rows, err := l.db.QueryContext(ctx, "SELECT store, eventtime, left(eventid, 100), length(eventid), bytes, reason, found FROM "+
		lakeQuarantineTable+" ORDER BY found, store, eventtime")
	if err != nil {
		return nil, fmt.Errorf("lakedb: read the quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantinedRow
	for rows.Next() {
		var q QuarantinedRow
		if err := rows.Scan(&q.Store, &q.Time, &q.EventID, &q.IDBytes, &q.Bytes, &q.Reason, &q.Found); err != nil {
			return nil, fmt.Errorf("lakedb: read the quarantine: %w", err)
		}
		q.Time, q.Found = q.Time.UTC(), q.Found.UTC()
		out = append(out, q)
	}
	return out, rows.Err()
}
