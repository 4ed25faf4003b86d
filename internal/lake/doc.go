// Package lake is CloudTrail Lake: event data stores, SQL queries over them,
// imports from trail buckets, and the ingest consumer that feeds stores from
// the recorded streams.
//
// The package is pure Go. Events live in an Engine (the DuckDB implementation
// is lakedb.DB, in internal/lakedb), which also validates and runs user SQL under
// lock-down. Store definitions, query metadata and import progress are kept
// here as JSON files (see docs/LAKE.md).
package lake
