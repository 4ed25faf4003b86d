package main

import (
	"flag"

	"github.com/cairn-audit/cairn/internal/node"
)

// registerLake registers the serve flags of the Lake; c holds the defaults.
func registerLake(fl *flag.FlagSet, c *node.LakeConfig) {
	fl.StringVar(&c.MemoryLimit, "lake-memory-limit", c.MemoryLimit, "memory the Lake's SQL engine may use (DuckDB memory_limit, e.g. 2GB); the engine process is bounded to it plus --lake-memory-margin")
	fl.StringVar(&c.MemoryMargin, "lake-memory-margin", c.MemoryMargin, "address space the Lake's engine process may use beyond --lake-memory-limit (see docs/LAKE.md, Limits)")
	fl.DurationVar(&c.QueryTimeout, "query-timeout", c.QueryTimeout, "Lake queries running longer are stopped (TIMED_OUT)")
	fl.IntVar(&c.QueryWorkers, "query-workers", c.QueryWorkers, "Lake queries run at once; more wait QUEUED")
}
