package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Failed commits, shared by the Lake and the event-history store.
//
// DuckDB 1.1.3 (up to 1.5.1, duckdb/duckdb#22279) cannot be trusted after a
// failed COMMIT (e.g. a full disk): it reverts the commit's appends without
// shrinking the string dictionaries they grew, so the next row appended to
// such a segment reads back as every reverted string followed by its own.
// A failed checkpoint invalidates the database outright, and closing a
// database in that state with checkpoint-on-shutdown on deletes its WAL,
// committed transactions with it. So both stores:
//
//   - open with checkpoint-on-shutdown off (noCheckpointOnShutdown) and
//     checkpoint explicitly at Close, only while healthy (closeDuckDB);
//   - run writes through commitTx, which marks a failed COMMIT with
//     errCommitFailed; after such an error (needsReopen) the database is
//     closed without checkpointing (its WAL holds exactly the committed
//     transactions) and opened again from disk before the next use, so a
//     retry starts from what was committed and nothing of the failed commit.

// noCheckpointOnShutdown turns DuckDB's checkpoint at close off (a global
// setting: run it before the configuration is locked).
const noCheckpointOnShutdown = "PRAGMA disable_checkpoint_on_shutdown"

// errCommitFailed marks a transaction whose statements all succeeded but
// whose COMMIT did not. Whether it committed is known only after a reopen.
var errCommitFailed = errors.New("commit failed")

// commitTx is inTx, with a failed COMMIT wrapped in errCommitFailed.
func commitTx(ctx context.Context, db *sql.DB, fn func(tx *rawTx) error) error {
	committing := false
	err := inTx(ctx, db, func(tx *rawTx) error {
		if err := fn(tx); err != nil {
			return err
		}
		committing = true
		return nil
	})
	if err != nil && committing {
		err = fmt.Errorf("%w: %w", errCommitFailed, err)
	}
	return err
}

// needsReopen reports whether err leaves the database suspect: a failed
// COMMIT, or a database DuckDB invalidated.
func needsReopen(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return errors.Is(err, errCommitFailed) || strings.Contains(msg, "database has been invalidated") ||
		strings.Contains(msg, "FATAL Error")
}

// closeDuckDB closes db, checkpointing it first when checkpoint is set (the
// database is healthy), and running closeFirst (e.g. closing connections
// held outside the pool) just before the close. A suspect database is
// closed as it is: its WAL replays at the next open.
func closeDuckDB(db *sql.DB, checkpoint bool, closeFirst ...func() error) error {
	var errs []error
	if checkpoint {
		if _, err := db.ExecContext(context.Background(), "CHECKPOINT"); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: %w", err))
		}
	}
	for _, f := range closeFirst {
		errs = append(errs, f())
	}
	return errors.Join(append(errs, db.Close())...)
}
