package lakeproc

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/lakedb"
)

// Defaults for Options.
const (
	// DefaultMargin is the address space the child may use beyond the Lake's
	// memory limit: the mapped binary, thread stacks, the Go runtime, the
	// allocator's arenas and what DuckDB allocates outside its buffer pool
	// before a query fails (see docs/LAKE.md, "Limits", for measurements).
	DefaultMargin int64 = 512 << 20
	// DefaultKillGrace is how long a cancelled or timed-out call may take to
	// stop before its child is killed (and restarted).
	DefaultKillGrace = 500 * time.Millisecond
	// DefaultStartTimeout bounds starting the child: opening the Lake,
	// replaying its WAL and checking its rows.
	DefaultStartTimeout = 10 * time.Minute
	// DefaultMallocArenas is MALLOC_ARENA_MAX in the child: few glibc
	// arenas, each reserving 64 MB of address space.
	DefaultMallocArenas = 2
)

// ChildCommand is the hidden cairn subcommand that runs the child; the
// executable calls ChildMain when its first argument is this.
const ChildCommand = "lake-engine"

// Options configures Start.
type Options struct {
	// Lake configures the engine in the child (Dir, MemoryLimit, Threads,
	// MaxResultBytes, QueryConns; Logger is the parent's). MemoryLimit is
	// required to bound the child: default lakedb.DefaultMemoryLimit.
	Lake lakedb.Options
	// Margin is added to the memory limit for the child's address space:
	// RLIMIT_AS is the child's size when it starts (the mapped binary and the
	// Go runtime's reservations, mostly never touched) plus the memory limit
	// plus Margin. Default DefaultMargin; negative disables the limit.
	Margin int64
	// KillGrace: see DefaultKillGrace.
	KillGrace time.Duration
	// StartTimeout: see DefaultStartTimeout.
	StartTimeout time.Duration
	// Command is the child's executable and arguments before ChildCommand.
	// Default: os.Executable(), no arguments.
	Command []string
	// Logger receives the supervisor's messages (the child logs to stderr).
	// Default Lake.Logger, else slog.Default().
	Logger *slog.Logger
}

// DefaultOptions returns Options with every default filled in (an
// in-memory Lake: set Lake.Dir for one on disk).
func DefaultOptions() Options {
	exe, _ := os.Executable()
	return Options{
		Lake:         lakedb.DefaultOptions(),
		Margin:       DefaultMargin,
		KillGrace:    DefaultKillGrace,
		StartTimeout: DefaultStartTimeout,
		Command:      []string{exe},
		Logger:       slog.Default(),
	}
}

func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Lake.MemoryLimit == "" {
		o.Lake.MemoryLimit = d.Lake.MemoryLimit
	}
	if o.Margin == 0 {
		o.Margin = d.Margin
	}
	if o.KillGrace <= 0 {
		o.KillGrace = d.KillGrace
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = d.StartTimeout
	}
	if len(o.Command) == 0 {
		if d.Command[0] == "" {
			return o, fmt.Errorf("lakeproc: cannot find the cairn executable")
		}
		o.Command = d.Command
	}
	if o.Logger == nil {
		o.Logger = o.Lake.Logger
	}
	if o.Logger == nil {
		o.Logger = d.Logger
	}
	if _, err := ParseSize(o.Lake.MemoryLimit); err != nil {
		return o, fmt.Errorf("lakeproc: memory limit: %w", err)
	}
	return o, nil
}

// addressBudget is what the child's RLIMIT_AS adds to its size at start,
// 0 for no limit.
func (o Options) addressBudget() int64 {
	if o.Margin < 0 {
		return 0
	}
	mem, _ := ParseSize(o.Lake.MemoryLimit)
	return mem + o.Margin
}

// ParseSize reads a size as DuckDB's memory_limit takes it ("512MB",
// "2 GiB", "1GB", "100000B"): decimal (KB, MB, GB, TB) and binary (KiB,
// MiB, GiB, TiB) units; a bare number is bytes.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	v, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number and a unit such as MB or GiB", s)
	}
	mult, ok := map[string]float64{
		"": 1, "b": 1, "bytes": 1,
		"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	}[strings.TrimSpace(t[i:])]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit", s)
	}
	return int64(v * mult), nil
}
