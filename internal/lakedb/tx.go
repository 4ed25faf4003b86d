package lakedb

import (
	"context"

	"github.com/cairn-audit/cairn/internal/duckdb"
)

// inTx runs fn in one transaction of the Lake's database. A failed COMMIT
// (or an invalidated database) marks the database for reopening before the
// next write (see reopen.go); the error wraps duckdb.ErrCommitFailed then.
// The caller holds wmu and has called recover.
func (l *DB) inTx(ctx context.Context, fn func(tx *duckdb.Tx) error) error {
	return l.re.Commit(ctx, l.db, fn)
}
