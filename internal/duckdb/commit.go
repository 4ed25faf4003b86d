package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrCommitFailed marks a transaction whose statements all succeeded but
// whose COMMIT did not. Whether it committed is known only after a reopen
// (see the package doc, "Failed commits").
var ErrCommitFailed = errors.New("commit failed")

// CommitTx is InTx, with a failed COMMIT wrapped in ErrCommitFailed.
func CommitTx(ctx context.Context, db *sql.DB, fn func(tx *Tx) error) error {
	committing := false
	err := InTx(ctx, db, func(tx *Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		committing = true
		return nil
	})
	if err != nil && committing {
		err = fmt.Errorf("%w: %w", ErrCommitFailed, err)
	}
	return err
}

// NeedsReopen reports whether err leaves the database suspect: a failed
// COMMIT, or a database DuckDB invalidated.
func NeedsReopen(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return errors.Is(err, ErrCommitFailed) || strings.Contains(msg, "database has been invalidated") ||
		strings.Contains(msg, "FATAL Error")
}

// Close closes db, checkpointing it first when checkpoint is set (the
// database is healthy), and running closeFirst (e.g. closing connections
// held outside the pool) just before the close. A suspect database is
// closed as it is: its WAL replays at the next open.
func Close(db *sql.DB, checkpoint bool, closeFirst ...func() error) error {
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
