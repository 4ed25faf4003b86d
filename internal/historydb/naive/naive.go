// Package naive is the baseline the history store is measured against: the
// same events in a single DuckDB table with default compression, queried
// with VARCHAR equality filters and one ORDER BY ... LIMIT query that
// returns full rows. It exists for bench/lookupbench only.
package naive

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/historydb"
	"github.com/marcboeker/go-duckdb"
)

const fileName = "naive.duckdb"

const columns = "seq, event_time, account, region, event_id, event_name, event_source, username, access_key_id, read_only, management, category, error_code, resources, record"

// sourceColumns reads columns from a history-store partition table, whose
// resources are JSON text; the baseline keeps them as a LIST of STRUCT.
const sourceColumns = "seq, event_time, account, region, event_id, event_name, event_source, username, access_key_id, read_only, management, category, error_code, " +
	`from_json(resources_json, '[{"type":"VARCHAR","name":"VARCHAR","arn":"VARCHAR"}]') AS resources, recs.record`

// Baseline is an open naive store.
type Baseline struct {
	db *sql.DB
}

func open(path, memoryLimit string, threads int) (*sql.DB, error) {
	cfg := url.Values{"threads": {strconv.Itoa(threads)}, "memory_limit": {memoryLimit}}
	c, err := duckdb.NewConnector(path+"?"+cfg.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("naive: open %s: %w", path, err)
	}
	db := sql.OpenDB(c)
	db.SetMaxIdleConns(16)
	return db, nil
}

// Build copies every event of the (closed) history store in storeDir into
// a single table in dir, in time order.
func Build(ctx context.Context, storeDir, dir, memoryLimit string, threads int) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("naive: %w", err)
	}
	db, err := open(filepath.Join(dir, fileName), memoryLimit, threads)
	if err != nil {
		return err
	}
	defer db.Close()
	// The store keeps records in its compressed record logs, not in SQL:
	// copy them into a side table first, then join.
	if err := copyRecords(ctx, db, storeDir); err != nil {
		return err
	}
	src := filepath.Join(storeDir, "history.duckdb")
	if _, err := db.ExecContext(ctx, "ATTACH '"+strings.ReplaceAll(src, "'", "''")+"' AS src (READ_ONLY)"); err != nil {
		return fmt.Errorf("naive: attach %s: %w", src, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND starts_with(table_name, 'ev_') ORDER BY table_name")
	if err != nil {
		return fmt.Errorf("naive: list partitions: %w", err)
	}
	var parts []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		parts = append(parts, fmt.Sprintf("SELECT %s FROM src.%q JOIN recs USING (seq)", sourceColumns, t))
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if len(parts) == 0 {
		return fmt.Errorf("naive: no partitions in %s", src)
	}
	// Stored in time order, as the store's partitions are.
	for _, q := range []string{
		"CREATE TABLE events AS SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") ORDER BY event_time, seq",
		"DETACH src",
		"DROP TABLE recs",
		"CHECKPOINT",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("naive: build: %.40s: %w", q, err)
		}
	}
	return nil
}

// Open opens a baseline built by Build.
func Open(dir, memoryLimit string, threads int) (*Baseline, error) {
	path := filepath.Join(dir, fileName)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("naive: %w", err)
	}
	db, err := open(path, memoryLimit, threads)
	if err != nil {
		return nil, err
	}
	return &Baseline{db: db}, nil
}

// Close closes the database.
func (b *Baseline) Close() error { return b.db.Close() }

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Lookup answers q the straightforward way.
func (b *Baseline) Lookup(ctx context.Context, q historydb.Query) ([]event.Entry, error) {
	lo, hi := q.Start, q.End
	if lo.IsZero() {
		lo = lo.AddDate(1, 0, 0)
	}
	if hi.IsZero() {
		hi = hi.AddDate(9000, 0, 0)
	}
	args := []any{q.Account, q.Region, lo, hi}
	where := "account = $1 AND region = $2 AND event_time BETWEEN $3 AND $4"
	col := map[historydb.AttrKey]string{historydb.AttrEventID: "event_id", historydb.AttrEventName: "event_name", historydb.AttrEventSource: "event_source",
		historydb.AttrUsername: "username", historydb.AttrAccessKeyID: "access_key_id"}
	switch q.Attr {
	case historydb.AttrNone:
	case historydb.AttrReadOnly:
		args = append(args, q.Value == "true")
		where += " AND read_only = $5"
	case historydb.AttrResourceType:
		where += " AND len(list_filter(resources, r -> r.type = " + literal(q.Value) + ")) > 0"
	case historydb.AttrResourceName:
		where += " AND len(list_filter(resources, r -> r.name = " + literal(q.Value) + " OR r.arn = " + literal(q.Value) + ")) > 0"
	default:
		c, ok := col[q.Attr]
		if !ok {
			return nil, fmt.Errorf("naive: attribute %q", q.Attr)
		}
		args = append(args, q.Value)
		where += fmt.Sprintf(" AND %s = $%d", c, len(args))
	}
	if a := q.After; a != nil {
		args = append(args, a.Time, a.Seq)
		where += fmt.Sprintf(" AND (event_time < $%d OR (event_time = $%d AND seq < $%d))", len(args)-1, len(args)-1, len(args))
	}
	rows, err := b.db.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM events WHERE %s ORDER BY event_time DESC, seq DESC LIMIT %d", columns, where, q.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("naive: lookup: %w", err)
	}
	defer rows.Close()
	var out []event.Entry
	for rows.Next() {
		var e event.Entry
		m := &e.Meta
		var username, accessKey, category, errorCode sql.NullString
		var resources any
		if err := rows.Scan(&e.Seq, &m.Time, &m.Account, &m.Region, &m.EventID, &m.EventName, &m.EventSource,
			&username, &accessKey, &m.ReadOnly, &m.Management, &category, &errorCode, &resources, &e.Record); err != nil {
			return nil, fmt.Errorf("naive: scan: %w", err)
		}
		m.Username, m.AccessKeyID, m.Category, m.ErrorCode = username.String, accessKey.String, category.String, errorCode.String
		if list, ok := resources.([]any); ok {
			for _, item := range list {
				r, _ := item.(map[string]any)
				s := func(k string) string { v, _ := r[k].(string); return v }
				m.Resources = append(m.Resources, event.ResourceRef{Type: s("type"), Name: s("name"), ARN: s("arn")})
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// copyRecords fills table recs (seq, record) with every record of the
// history store in storeDir, through an appender.
func copyRecords(ctx context.Context, db *sql.DB, storeDir string) (err error) {
	if _, err := db.ExecContext(ctx, "CREATE TABLE recs (seq UBIGINT, record VARCHAR)"); err != nil {
		return fmt.Errorf("naive: create recs: %w", err)
	}
	h, err := historydb.Open(historydb.Options{Dir: storeDir})
	if err != nil {
		return fmt.Errorf("naive: open store: %w", err)
	}
	defer func() { err = errors.Join(err, h.Close()) }()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("naive: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("naive: unexpected driver connection %T", dc)
		}
		a, err := duckdb.NewAppenderFromConn(dconn, "", "recs")
		if err != nil {
			return fmt.Errorf("naive: appender: %w", err)
		}
		serr := h.Scan(ctx, func(e event.Entry) error { return a.AppendRow(e.Seq, string(e.Record)) })
		return errors.Join(serr, a.Close())
	})
}
