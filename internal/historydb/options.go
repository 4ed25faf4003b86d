package historydb

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults for Options.
const (
	DefaultMemoryLimit    = "512MB"
	DefaultThreads        = 2
	DefaultPartitionWidth = 24 * time.Hour
)

// Options configures Open.
type Options struct {
	// Dir is the directory that holds the database file; it is created if
	// missing. Required.
	Dir string
	// MemoryLimit is DuckDB's memory_limit (buffer pool). Default "512MB".
	MemoryLimit string
	// Threads is DuckDB's worker thread count. Default 2.
	Threads int
	// PartitionWidth is the span of one time partition, aligned to the Unix
	// epoch (so 24h partitions are UTC days). It must be a whole number of
	// seconds. It is fixed when the store is created; reopening an existing
	// store with a different width keeps the stored width. Default 24h.
	PartitionWidth time.Duration
	// Logger receives informational messages. Default slog.Default().
	Logger *slog.Logger
}

// DefaultOptions returns Options with every default filled in except Dir.
func DefaultOptions() Options {
	return Options{
		MemoryLimit:    DefaultMemoryLimit,
		Threads:        DefaultThreads,
		PartitionWidth: DefaultPartitionWidth,
		Logger:         slog.Default(),
	}
}

func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Dir == "" {
		return o, errors.New("store: Options.Dir is required")
	}
	if o.MemoryLimit == "" {
		o.MemoryLimit = d.MemoryLimit
	}
	if o.Threads <= 0 {
		o.Threads = d.Threads
	}
	if o.PartitionWidth == 0 {
		o.PartitionWidth = d.PartitionWidth
	}
	if o.PartitionWidth < time.Second || o.PartitionWidth%time.Second != 0 {
		return o, fmt.Errorf("store: PartitionWidth %v must be a positive whole number of seconds", o.PartitionWidth)
	}
	if o.Logger == nil {
		o.Logger = d.Logger
	}
	return o, nil
}
