package historydb

import (
	"fmt"
	"strings"
	"time"
)

// formatVersion is the on-disk layout version kept in cairn_state, and the
// one new stores get: 2 keeps records only in compressed record-log blocks
// (reclog_block.go), not in the events tables. A format 1 store (one
// uncompressed frame per row, a record column) is still read and written
// in its own format.
const (
	formatVersion             = 2
	formatVersionUncompressed = 1
)

// newStoreVersion is the format a new store is created in (tests create
// format 1 stores to check they are still read).
var newStoreVersion = formatVersion

// dbFileName is the DuckDB database file inside Options.Dir.
const dbFileName = "history.duckdb"

const (
	stateTable      = "cairn_state"
	partitionsTable = "cairn_partitions"
	eventsView      = "events"
	eventsPrefix    = "ev_"
	resKeysPrefix   = "rk_"
	partitionLayout = "20060102_150405"
)

var catalogDDL = []string{
	`CREATE TABLE IF NOT EXISTS ` + stateTable + ` (
		format_version INTEGER NOT NULL,
		cursor UBIGINT NOT NULL,
		filters_through UBIGINT NOT NULL,
		partition_width_seconds BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS ` + partitionsTable + ` (
		name VARCHAR NOT NULL,
		start_time TIMESTAMP NOT NULL,
		end_time TIMESTAMP NOT NULL,
		filter BLOB)`,
}

// eventColumns is the column list of a partition's events table, in
// appender order: the plain columns (for SQL), the hash columns lookups
// filter on, and where the row's frame is in the partition's record log
// (which is what lookups read the entry from).
var eventColumns = []struct{ name, typ string }{
	{"seq", "UBIGINT NOT NULL"},
	{"event_time", "TIMESTAMP NOT NULL"},
	{"account", "VARCHAR NOT NULL"},
	{"region", "VARCHAR NOT NULL"},
	{"event_id", "VARCHAR NOT NULL"},
	{"event_name", "VARCHAR NOT NULL"},
	{"event_source", "VARCHAR NOT NULL"},
	{"username", "VARCHAR"},
	{"access_key_id", "VARCHAR"},
	{"read_only", "BOOLEAN NOT NULL"},
	{"management", "BOOLEAN NOT NULL"},
	{"category", "VARCHAR"},
	{"error_code", "VARCHAR"},
	{"resources_json", "VARCHAR"},
	{"record", "VARCHAR NOT NULL"},
	{"k_scope", "BIGINT NOT NULL"},
	{"k_event_id", "BIGINT NOT NULL"},
	{"k_event_name", "BIGINT NOT NULL"},
	{"k_event_source", "BIGINT NOT NULL"},
	{"k_username", "BIGINT NOT NULL"},
	{"k_access_key_id", "BIGINT NOT NULL"},
	{"rec_off", "BIGINT NOT NULL"},
	{"rec_len", "INTEGER NOT NULL"},
}

// viewColumns are the columns the events view exposes: the plain columns,
// with resources decoded to a list of structs. They are stored as JSON text
// because appending and checkpointing a LIST of STRUCT column made Apply
// about 35% slower.
const viewColumns = "seq, event_time, account, region, event_id, event_name, event_source, username, access_key_id, read_only, management, category, error_code, " +
	"from_json(resources_json, '" + resourcesJSONType + "') AS resources, record"

const resourcesJSONType = `[{"type":"VARCHAR","name":"VARCHAR","arn":"VARCHAR"}]`

// keyColumns are the hash columns; rebuildFilter reads them.
var keyColumns = []string{"k_scope", "k_event_id", "k_event_name", "k_event_source", "k_username", "k_access_key_id"}

func createEventsSQL(table string, version int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", quoteIdent(table))
	for i, c := range eventColumns {
		if c.name == "record" && version >= 2 {
			continue
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name + " " + c.typ)
	}
	b.WriteString(")")
	return b.String()
}

// createResKeysSQL: one row per distinct resource key of an event, with the
// event's record-log position.
func createResKeysSQL(table string) string {
	return fmt.Sprintf("CREATE TABLE %s (seq UBIGINT NOT NULL, event_time TIMESTAMP NOT NULL, k BIGINT NOT NULL, rec_off BIGINT NOT NULL, rec_len INTEGER NOT NULL)", quoteIdent(table))
}

// eventsViewSQL is the events view over every partition, for ad-hoc SQL.
// In format 2 it has no record column: records are read through Lookup.
func eventsViewSQL(parts []*partition, version int) string {
	cols := viewColumns
	if version >= 2 {
		cols = strings.TrimSuffix(viewColumns, ", record")
	}
	if len(parts) == 0 {
		q := "CREATE OR REPLACE VIEW " + eventsView + " AS SELECT " +
			"NULL::UBIGINT AS seq, NULL::TIMESTAMP AS event_time, NULL::VARCHAR AS account, NULL::VARCHAR AS region, " +
			"NULL::VARCHAR AS event_id, NULL::VARCHAR AS event_name, NULL::VARCHAR AS event_source, NULL::VARCHAR AS username, " +
			"NULL::VARCHAR AS access_key_id, NULL::BOOLEAN AS read_only, NULL::BOOLEAN AS management, NULL::VARCHAR AS category, " +
			"NULL::VARCHAR AS error_code, NULL::STRUCT(type VARCHAR, name VARCHAR, arn VARCHAR)[] AS resources, " +
			"NULL::VARCHAR AS record WHERE false"
		if version >= 2 {
			return strings.Replace(q, ", NULL::VARCHAR AS record", "", 1)
		}
		return q
	}
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW " + eventsView + " AS ")
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "SELECT %s FROM %s", cols, quoteIdent(p.events))
	}
	return b.String()
}

// partitionName is the suffix shared by a partition's tables.
func partitionName(start time.Time) string {
	return start.UTC().Format(partitionLayout)
}

// quoteIdent quotes a DuckDB identifier. Table names are generated from
// timestamps, never from input, but quote anyway.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
