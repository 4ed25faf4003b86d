package historydb

import (
	"github.com/cairn-audit/cairn/internal/duckdb"
	goduckdb "github.com/marcboeker/go-duckdb"
)

// rawTx is an explicit transaction on one raw DuckDB connection
// (duckdb.Tx): appended rows, DDL and the cursor update commit together.
type rawTx struct{ *duckdb.Tx }

func (t *rawTx) exec(query string, args ...any) error { return t.Exec(query, args...) }

func (t *rawTx) appender(table string) (*goduckdb.Appender, error) { return t.Appender(table) }
