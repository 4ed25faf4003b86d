// Package lakedb is the CloudTrail Lake SQL engine: every event data
// store's events in one DuckDB database (monthly partition tables, a
// catalog, ingest cursors, a quarantine of malformed rows), and user SQL
// run over them under lock-down: a lexer pass for store references, a
// parse-tree check (one SELECT, allowed tables and functions), rewrites of
// JSON access onto stored columns, per-query memory and result bounds.
// docs/LAKE.md ("Engine") describes it.
//
// DB implements lake.Engine; it runs inside the Lake's child process
// (internal/lakeproc) and in `cairn query --logs`. The database is opened
// with the lock-down settings of internal/duckdb, and its reopen after a
// failed commit is a duckdb.Reopener (reopen.go).
//
// Errors: a refused or failing user statement wraps lake.ErrInvalidQuery
// (the engine contract's sentinel: the statement is the caller's fault, AWS
// InvalidQueryStatementException); this package defines no ErrInvalidQuery
// of its own. store.ErrInvalidQuery is another thing: a malformed
// LookupEvents query of the event-history store. ErrClosed: the DB is
// closed; ErrUnavailable: its database could not be reopened after a
// failed commit.
package lakedb
