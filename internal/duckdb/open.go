package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	goduckdb "github.com/marcboeker/go-duckdb"
)

// NoCheckpointOnShutdown turns DuckDB's checkpoint at close off (a global
// setting: it must run before the configuration is locked). Open runs it for
// every database on disk.
const NoCheckpointOnShutdown = "PRAGMA disable_checkpoint_on_shutdown"

// Open opens (creating if needed) the database at opts.Path, or an in-memory
// one, under the lock-down settings (see the package doc), runs opts.Setup
// and locks the configuration. On failure nothing of it stays open.
func Open(ctx context.Context, opts Options) (*sql.DB, error) {
	opts = opts.withDefaults()
	cfg := url.Values{
		"threads":                      {strconv.Itoa(opts.Threads)},
		"memory_limit":                 {opts.MemoryLimit},
		"enable_external_access":       {"false"},
		"autoinstall_known_extensions": {"false"},
		"autoload_known_extensions":    {"false"},
		"allow_community_extensions":   {"false"},
	}
	if opts.Path != "" && opts.CheckpointThreshold != "" {
		cfg.Set("checkpoint_threshold", opts.CheckpointThreshold)
	}
	connector, err := goduckdb.NewConnector(opts.Path+"?"+cfg.Encode(), nil)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxIdleConns(opts.MaxIdleConns)
	var setup []string
	if !opts.Spill {
		setup = append(setup, "SET temp_directory = ''")
	}
	if opts.Path != "" {
		// Closing never checkpoints on its own (see Close).
		setup = append(setup, NoCheckpointOnShutdown)
	}
	for _, q := range setup {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, errors.Join(fmt.Errorf("configure (%s): %w", q, err), db.Close())
		}
	}
	if opts.Setup != nil {
		if err := opts.Setup(ctx, db); err != nil {
			return nil, errors.Join(err, db.Close())
		}
	}
	if _, err := db.ExecContext(ctx, "SET lock_configuration = true"); err != nil {
		return nil, errors.Join(fmt.Errorf("lock configuration: %w", err), db.Close())
	}
	return db, nil
}

// MemoryLimit returns db's memory_limit in bytes, as DuckDB parsed it.
func MemoryLimit(ctx context.Context, db *sql.DB) (int64, error) {
	var limit string
	if err := db.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
		return 0, fmt.Errorf("read memory limit: %w", err)
	}
	n, err := ParseSize(limit)
	if err != nil {
		return 0, fmt.Errorf("read memory limit: %w", err)
	}
	return n, nil
}

// ParseSize reads a size as DuckDB shows its settings ("476.8 MiB",
// "2.0 GiB", "512 bytes").
func ParseSize(s string) (int64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	mult := map[string]float64{
		"": 1, "bytes": 1, "b": 1,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit", s)
	}
	return int64(v * mult), nil
}

// QuoteIdent quotes s as an SQL identifier.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
