package lakedb

import (
	"errors"
	"log/slog"
	"runtime"
)

// Defaults for Options.
const (
	// DefaultMemoryLimit is DuckDB's memory_limit for the Lake. Nothing
	// spills to disk, so a query that needs more fails with ErrQueryLimit.
	DefaultMemoryLimit = "2GB"
	// DefaultMaxResultBytes bounds one query's rendered results (the
	// sum of its cells' lengths) when the query sets no bound of its own.
	DefaultMaxResultBytes int64 = 1 << 30
	// DefaultQueryConns is how many queries run at once (AWS allows 10
	// concurrent queries per account); more wait for a free connection.
	DefaultQueryConns = 10
)

// lakeCheckpointDivisor sets DuckDB's checkpoint_threshold (the WAL size
// that triggers a checkpoint) to the memory limit divided by it. Rows
// appended since the last checkpoint stay in memory (nothing spills to
// disk), taking about twice their WAL size, so a quarter of the limit
// leaves the rest to queries; a larger threshold checkpoints less often
// (Append at 20,000 rows a batch: 36k events/s with 64 MB, 53k with 512 MB).
const lakeCheckpointDivisor = 4

// lakeMinCheckpointThreshold is the smallest checkpoint_threshold.
const lakeMinCheckpointThreshold = 16 << 20

// Options configures Open.
type Options struct {
	// Dir holds the database file lake.duckdb; it is created if missing.
	// Empty: an in-memory Lake (as `cairn query --logs` uses), gone on Close.
	Dir string
	// MemoryLimit is DuckDB's memory_limit. Default DefaultMemoryLimit.
	MemoryLimit string
	// Threads is DuckDB's worker thread count. Default runtime.NumCPU().
	Threads int
	// MaxResultBytes bounds a query's rendered results when lake.Query does
	// not. Default DefaultMaxResultBytes.
	MaxResultBytes int64
	// QueryConns is how many queries may run at once. Default
	// DefaultQueryConns.
	QueryConns int
	// Logger receives informational messages. Default slog.Default().
	Logger *slog.Logger
}

// DefaultOptions returns Options with every default filled in (an
// in-memory Lake: set Dir for one on disk).
func DefaultOptions() Options {
	return Options{
		MemoryLimit:    DefaultMemoryLimit,
		Threads:        runtime.NumCPU(),
		MaxResultBytes: DefaultMaxResultBytes,
		QueryConns:     DefaultQueryConns,
		Logger:         slog.Default(),
	}
}

func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.MemoryLimit == "" {
		o.MemoryLimit = d.MemoryLimit
	}
	if o.Threads <= 0 {
		o.Threads = d.Threads
	}
	if o.MaxResultBytes == 0 {
		o.MaxResultBytes = d.MaxResultBytes
	}
	if o.MaxResultBytes < 0 {
		return o, errors.New("lakedb: Options.MaxResultBytes must not be negative")
	}
	if o.QueryConns <= 0 {
		o.QueryConns = d.QueryConns
	}
	if o.Logger == nil {
		o.Logger = d.Logger
	}
	return o, nil
}
