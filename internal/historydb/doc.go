// Package historydb is Cairn's event-history store: the CloudTrail management
// events that LookupEvents serves, kept in an embedded DuckDB database.
//
// Events are stored in one table per time partition (retention drops whole
// tables), with a 64-bit hash column per lookup attribute so that attribute
// filters are integer comparisons, a per-partition key filter (a Bloom filter
// kept in memory and persisted in the database) so that rare values only touch
// the partitions that hold them, and a two-phase lookup (find the newest keys
// on narrow columns, then fetch full rows only for those) so a time window
// never decodes more records than it returns. docs/HISTORY-STORE.md describes
// the layout and the measurements behind it.
//
// The DuckDB open, transactions and the reopen after a failed commit are
// internal/duckdb's; the Lake engine is internal/lakedb.
package historydb
