package duckdb

import (
	"context"
	"database/sql"
	"runtime"
)

// Defaults for Options.
const (
	// DefaultMemoryLimit is DuckDB's memory_limit when Options sets none.
	DefaultMemoryLimit = "512MB"
	// DefaultMaxIdleConns is how many idle connections the pool keeps.
	DefaultMaxIdleConns = 4
)

// Options configures Open.
type Options struct {
	// Path is the database file. Empty: an in-memory database.
	Path string
	// MemoryLimit is DuckDB's memory_limit. Default DefaultMemoryLimit.
	MemoryLimit string
	// Threads is DuckDB's worker thread count. Default runtime.NumCPU().
	Threads int
	// CheckpointThreshold is DuckDB's checkpoint_threshold (the WAL size
	// that triggers an automatic checkpoint), for a database on disk.
	// Default "": DuckDB's own (16MB).
	CheckpointThreshold string
	// Spill lets a statement over MemoryLimit spill to DuckDB's temporary
	// directory (<Path>.tmp). Default false: temp_directory is '' and such
	// a statement fails.
	Spill bool
	// MaxIdleConns is the pool's idle connection count. Default
	// DefaultMaxIdleConns.
	MaxIdleConns int
	// Setup runs after the lock-down settings and before the configuration
	// is locked: settings of its own, per-connection settings, the catalog.
	// If it fails, Open closes the database; Setup closes what it opened
	// itself (connections held outside the pool) before returning. Default
	// nil: nothing.
	Setup func(ctx context.Context, db *sql.DB) error
}

// DefaultOptions returns Options with every default filled in (an in-memory
// database: set Path for one on disk).
func DefaultOptions() Options {
	return Options{
		MemoryLimit:  DefaultMemoryLimit,
		Threads:      runtime.NumCPU(),
		MaxIdleConns: DefaultMaxIdleConns,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MemoryLimit == "" {
		o.MemoryLimit = d.MemoryLimit
	}
	if o.Threads <= 0 {
		o.Threads = d.Threads
	}
	if o.MaxIdleConns <= 0 {
		o.MaxIdleConns = d.MaxIdleConns
	}
	return o
}
