package historydb

import "github.com/cairn-audit/cairn/internal/duckdb/duckdbtest"

// The disk-full tests' tmpfs (shared with internal/lakedb).
var (
	mountTmpfs = duckdbtest.MountTmpfs
	fillDisk   = duckdbtest.FillDisk
)
