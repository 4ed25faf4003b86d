// Package duckdb is what Cairn's two DuckDB databases share: the event-history
// store (internal/historydb) and the Lake engine (internal/lakedb). It opens a
// database under one lock-down (Open), runs raw transactions on a driver
// connection (InTx, CommitTx, Tx), closes a database with or without a
// checkpoint (Close), and holds the one suspect→reopen state machine both use
// after a failed COMMIT (Reopener).
//
// # Lock-down
//
// Open applies, for every database:
//
//   - enable_external_access=false, autoinstall_known_extensions=false,
//     autoload_known_extensions=false, allow_community_extensions=false: no
//     file, network or extension access, whatever the statement;
//   - temp_directory empty unless Options.Spill: nothing spills to disk, a
//     statement over memory_limit fails;
//   - PRAGMA disable_checkpoint_on_shutdown for a database on disk (see
//     "Failed commits");
//   - threads, memory_limit and (on disk) checkpoint_threshold from Options;
//   - then Options.Setup (per-connection settings, catalog), and last
//     SET lock_configuration = true: no statement can change a setting.
//
// The two products used to open DuckDB each with their own copy of this; the
// copies had drifted, and were reconciled as follows (the product values are
// kept, the mechanism is one):
//
//   - temp_directory: the Lake set it empty (no spilling), the history store
//     left DuckDB's default (<file>.tmp). Spill is an option, off by default;
//     the history store turns it on (it runs only its own statements, and the
//     key catch-up of a large partition at open may exceed its memory limit).
//   - checkpoint_threshold: the history store passed it in the connection
//     string (128MB), the Lake SET it after open from its effective memory
//     limit (a quarter of it, at least 16MB). Options.CheckpointThreshold is
//     the fixed form (history); the Lake's value depends on the memory limit
//     as DuckDB parsed it (MemoryLimit), known only once the database is
//     open, so the Lake still sets it in Options.Setup, before the lock.
//   - disable_checkpoint_on_shutdown: the history store always ran it, the
//     Lake only on disk. Open runs it whenever Options.Path is set (an
//     in-memory database has nothing to checkpoint).
//   - lock_configuration: the history store locked right after open, the
//     Lake after setting up its query connections. Open locks after
//     Options.Setup, for both.
//   - idle connections: 16 (history, concurrent lookups) and 4 (Lake, whose
//     query connections are held outside the pool). Options.MaxIdleConns,
//     default 4; each product keeps its value.
//   - threads and memory_limit already came from each product's options; they
//     keep their own defaults (history 2 threads and 512MB, Lake NumCPU and
//     2GB).
//
// # Failed commits
//
// DuckDB 1.1.3 (up to 1.5.1, duckdb/duckdb#22279) cannot be trusted after a
// failed COMMIT (e.g. a full disk): it reverts the commit's appends without
// shrinking the string dictionaries they grew, so the next row appended to
// such a segment reads back as every reverted string followed by its own. A
// failed checkpoint invalidates the database outright, and closing a database
// in that state with checkpoint-on-shutdown on deletes its WAL, committed
// transactions with it. So every database:
//
//   - is opened with checkpoint-on-shutdown off and checkpointed explicitly
//     at close, only while healthy (Close);
//   - runs its writes through CommitTx, which marks a failed COMMIT with
//     ErrCommitFailed; after such an error (NeedsReopen) the database is
//     closed without checkpointing (its WAL holds exactly the committed
//     transactions) and opened again from disk before its next use, so a
//     retry starts from what was committed and nothing of the failed commit.
//     Reopener holds that state.
//
// Only this package, internal/lakedb and internal/historydb (with its baseline
// internal/historydb/naive) import go-duckdb (cgo); TestCgoConfined checks it.
package duckdb
