package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"476.8 MiB": 499961036, "2.0 GiB": 2 << 30, "512 bytes": 512, "1.5 GB": 1500000000} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseSize("lots"); err == nil {
		t.Error("ParseSize(lots) succeeded")
	}
}

// Open applies the lock-down settings and locks the configuration, with
// spilling and the checkpoint threshold as Options say.
func TestOpenLockDown(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts Options
		temp string // temp_directory: "" none, "tmp" DuckDB's default
	}{
		{name: "memory", opts: Options{MemoryLimit: "64MB", Threads: 1}},
		{name: "disk", opts: Options{Path: "db", MemoryLimit: "64MB", Threads: 1, CheckpointThreshold: "1MB"}},
		{name: "spill", opts: Options{Path: "db", Spill: true}, temp: "tmp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Path != "" {
				tc.opts.Path = filepath.Join(t.TempDir(), tc.opts.Path)
			}
			setupRan := false
			tc.opts.Setup = func(ctx context.Context, db *sql.DB) error {
				setupRan = true
				_, err := db.ExecContext(ctx, "SET threads = 1") // still allowed before the lock
				return err
			}
			db, err := Open(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if !setupRan {
				t.Error("Setup did not run")
			}
			setting := func(name string) string {
				var v string
				if err := db.QueryRowContext(ctx, "SELECT current_setting('"+name+"')::VARCHAR").Scan(&v); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return v
			}
			for name, want := range map[string]string{"enable_external_access": "false", "autoload_known_extensions": "false",
				"autoinstall_known_extensions": "false", "allow_community_extensions": "false", "lock_configuration": "true"} {
				if got := setting(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if got := setting("temp_directory"); (got != "") != (tc.temp != "") {
				t.Errorf("temp_directory = %q, want spilling %v", got, tc.temp != "")
			}
			if tc.opts.CheckpointThreshold != "" {
				if got := setting("checkpoint_threshold"); !strings.Contains(got, "KiB") && !strings.Contains(got, "MiB") {
					t.Errorf("checkpoint_threshold = %q", got)
				}
			}
			for _, q := range []string{"SET enable_external_access = true", "SET temp_directory = '/tmp'", "SET memory_limit = '100GB'"} {
				if _, err := db.ExecContext(ctx, q); err == nil {
					t.Errorf("%s succeeded after the lock", q)
				}
			}
		})
	}
}

// A failing Setup leaves nothing open.
func TestOpenSetupFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	boom := errors.New("boom")
	if _, err := Open(context.Background(), Options{Path: path, Setup: func(context.Context, *sql.DB) error { return boom }}); !errors.Is(err, boom) {
		t.Fatalf("Open: %v", err)
	}
	db, err := Open(context.Background(), Options{Path: path}) // the file is not held
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}
