package historydb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
	"github.com/cairn-audit/cairn/internal/fsutil"
)

// walCheckpointThreshold is DuckDB's checkpoint_threshold: the WAL size that
// triggers an automatic checkpoint. Larger than DuckDB's 16MB default so the
// partially filled newest row group is rewritten less often under ingest.
// A variable so that tests can make every commit checkpoint.
var walCheckpointThreshold = "128MB"

// maxIdleConns keeps DuckDB connections around for concurrent lookups.
const maxIdleConns = 16

// ErrClosed is returned by calls on a closed History.
var ErrClosed = errors.New("store: history is closed")

// History is the event-history store. All methods are safe for concurrent
// use; Apply and Expire are serialised internally.
type History struct {
	opts       Options // as opened (with defaults)
	db         *sql.DB // replaced by a reopen, under wmu and dropMu
	log        *slog.Logger
	width      time.Duration
	recordsDir string

	parts  atomic.Pointer[partitionSet]
	cursor atomic.Uint64
	closed atomic.Bool

	// wmu serialises writers (Apply, Expire, Close) and guards the fields
	// below and partition.dirty.
	wmu            sync.Mutex
	filtersThrough uint64 // cursor at which the stored filters were saved
	sinceSave      int    // rows applied since then
	frameBuf       []byte // record-log frames being written

	block   blockBuilder // the record-log block being built (format 2); guarded by wmu
	version int          // on-disk format (schema.go), from cairn_state
	// re is the suspect→reopen state after a failed commit
	// (history_reopen.go): Suspect is why the database must be reopened
	// before its next use, Down why it is not open (a reopen failed).
	re *duckdb.Reopener

	// dropMu: lookups hold it shared; Expire takes it exclusively, after
	// unpublishing partitions, to wait out lookups still reading them.
	dropMu sync.RWMutex
}

// Open opens (creating if needed) the store in opts.Dir.
func Open(opts Options) (*History, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	recDir := filepath.Join(opts.Dir, recordsDir)
	if err := os.MkdirAll(recDir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create %s: %w", recDir, err)
	}
	h := &History{log: opts.Logger, opts: opts, width: opts.PartitionWidth, recordsDir: recDir}
	h.re = h.newReopener()
	began := time.Now()
	if err := h.open(context.Background()); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", h.dbPath(), err)
	}
	var rows int64
	var filterBytes int
	parts := h.parts.Load().parts
	for _, p := range parts {
		rows += p.rows.Load()
		filterBytes += p.filter.sizeBytes()
	}
	h.log.Info("history store open", "dir", opts.Dir, "partitions", len(parts), "events", rows,
		"cursor", h.cursor.Load(), "filter_bytes", filterBytes, "took", time.Since(began).Round(time.Millisecond))
	return h, nil
}

func (h *History) dbPath() string { return filepath.Join(h.opts.Dir, dbFileName) }

// open opens the database and loads the store (Open, and the reopen after a
// failed commit, history_reopen.go); on failure nothing of it stays open.
func (h *History) open(ctx context.Context) error {
	// The lock-down settings, and closing never checkpoints on its own
	// (internal/duckdb). Spilling stays on: only the store's own
	// statements run here.
	db, err := duckdb.Open(ctx, duckdb.Options{
		Path:                h.dbPath(),
		MemoryLimit:         h.opts.MemoryLimit,
		Threads:             h.opts.Threads,
		CheckpointThreshold: walCheckpointThreshold,
		Spill:               true,
		MaxIdleConns:        maxIdleConns,
	})
	if err != nil {
		return err
	}
	h.db = db
	if err := h.load(ctx, h.width); err != nil {
		return errors.Join(err, h.closeLogs(), db.Close())
	}
	return nil
}

// load creates the catalog if needed and loads state, partitions and filters.
func (h *History) load(ctx context.Context, width time.Duration) error {
	for _, q := range catalogDDL {
		if _, err := h.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create catalog: %w", err)
		}
	}
	var version int
	var cursor, through uint64
	var widthSec int64
	err := h.db.QueryRowContext(ctx, "SELECT format_version, cursor, filters_through, partition_width_seconds FROM "+stateTable).
		Scan(&version, &cursor, &through, &widthSec)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		version, widthSec = newStoreVersion, int64(width/time.Second)
		if _, err := h.db.ExecContext(ctx, "INSERT INTO "+stateTable+" VALUES ($1, 0, 0, $2)", version, widthSec); err != nil {
			return fmt.Errorf("init state: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read state: %w", err)
	}
	if version != formatVersion && version != formatVersionUncompressed {
		return fmt.Errorf("format version %d: this build reads %d and %d", version, formatVersionUncompressed, formatVersion)
	}
	if h.version != version { // the same on a reopen, so readers need no lock
		h.version = version
	}
	if stored := time.Duration(widthSec) * time.Second; stored != width {
		h.log.Info("history store keeps its partition width", "stored", stored, "requested", width)
	}
	h.width = time.Duration(widthSec) * time.Second
	h.cursor.Store(cursor)
	h.filtersThrough = through

	h.parts.Store(&partitionSet{})
	parts, err := h.loadPartitions(ctx, through)
	h.parts.Store(&partitionSet{parts: parts}) // so a failed open closes what it opened
	if err != nil {
		return err
	}
	return h.removeOrphanLogs(parts)
}

func (h *History) logPath(p *partition) string {
	return filepath.Join(h.recordsDir, p.name+recordLogExt)
}

// openLog opens p's record log and cuts what no committed row references.
func (h *History) openLog(ctx context.Context, p *partition) error {
	var end, n int64
	q := fmt.Sprintf("SELECT coalesce(max(rec_off + %d + rec_len), 0), count(*) FROM %s", frameHeader, quoteIdent(p.events))
	if h.version >= 2 { // rec_off is the block's offset << blockIndexBits | row (reclog_block.go)
		q = fmt.Sprintf("SELECT coalesce(max((rec_off >> %d) + %d + rec_len), 0), count(*) FROM %s", blockIndexBits, frameHeader, quoteIdent(p.events))
	}
	if err := h.db.QueryRowContext(ctx, q).Scan(&end, &n); err != nil {
		return fmt.Errorf("scan %s: %w", p.events, err)
	}
	p.rows.Store(n)
	l, err := openRecordLog(h.logPath(p), false, h.version >= 2)
	if errors.Is(err, os.ErrNotExist) && n == 0 {
		l, err = openRecordLog(h.logPath(p), true, h.version >= 2)
	}
	if err != nil {
		return fmt.Errorf("partition %s: %w", p.name, err)
	}
	p.log = l
	switch {
	case l.size < end:
		return fmt.Errorf("%w: %s is %d bytes, rows reference %d", errCorruptRecord, l.path, l.size, end)
	case l.size > end:
		h.log.Info("cutting uncommitted record-log tail", "file", l.path, "bytes", l.size-end)
		if err := l.truncate(end); err != nil {
			return err
		}
		return l.sync()
	}
	return nil
}

// removeOrphanLogs deletes record logs of partitions that no longer exist
// (an Expire or a failed Apply interrupted before it removed them).
func (h *History) removeOrphanLogs(parts []*partition) error {
	ents, err := os.ReadDir(h.recordsDir)
	if err != nil {
		return fmt.Errorf("list %s: %w", h.recordsDir, err)
	}
	keep := map[string]bool{}
	for _, p := range parts {
		keep[p.name+recordLogExt] = true
	}
	removed := false
	for _, e := range ents {
		if name := e.Name(); strings.HasSuffix(name, recordLogExt) && !keep[name] {
			if err := os.Remove(filepath.Join(h.recordsDir, name)); err != nil {
				return fmt.Errorf("remove orphan record log: %w", err)
			}
			removed = true
		}
	}
	if removed {
		return fsutil.SyncDir(h.recordsDir)
	}
	return nil
}

func (h *History) closeLogs() error {
	var errs []error
	if set := h.parts.Load(); set != nil {
		for _, p := range set.parts {
			if p.log != nil {
				errs = append(errs, p.log.close())
			}
		}
	}
	return errors.Join(errs...)
}

func (h *History) loadPartitions(ctx context.Context, through uint64) ([]*partition, error) {
	rows, err := h.db.QueryContext(ctx, "SELECT start_time, filter FROM "+partitionsTable+" ORDER BY start_time")
	if err != nil {
		return nil, fmt.Errorf("read partitions: %w", err)
	}
	type saved struct {
		start  time.Time
		filter []byte
	}
	var all []saved
	for rows.Next() {
		var s saved
		if err := rows.Scan(&s.start, &s.filter); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read partitions: %w", err)
		}
		all = append(all, s)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read partitions: %w", err)
	}
	parts := make([]*partition, 0, len(all))
	for _, s := range all {
		p := newPartition(s.start, h.width, nil)
		from := through + 1
		if s.filter != nil {
			f, err := unmarshalKeyFilter(s.filter)
			if err != nil {
				h.log.Warn("rebuilding history partition filter", "partition", p.name, "err", err)
			} else {
				p.filter = f
			}
		}
		if p.filter == nil {
			p.filter, from = newKeyFilter(filterMinCapacity), 0
		}
		added, err := h.catchUpFilter(ctx, p, from)
		if err != nil {
			return parts, err
		}
		p.dirty = added > 0
		parts = append(parts, p)
		if err := h.openLog(ctx, p); err != nil {
			return parts, err
		}
	}
	return parts, nil
}

// catchUpFilter adds the keys of p's rows with seq >= from to its filter:
// rows applied after the filter was last saved (all rows when from is 0).
func (h *History) catchUpFilter(ctx context.Context, p *partition, from uint64) (int, error) {
	q := fmt.Sprintf("SELECT DISTINCT k FROM (SELECT unnest([%s]) AS k FROM %s WHERE seq >= $1 UNION ALL SELECT k FROM %s WHERE seq >= $1)",
		strings.Join(keyColumns, ", "), quoteIdent(p.events), quoteIdent(p.resKeys))
	rows, err := h.db.QueryContext(ctx, q, from)
	if err != nil {
		return 0, fmt.Errorf("catch up filter of %s: %w", p.name, err)
	}
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, fmt.Errorf("catch up filter of %s: %w", p.name, err)
		}
		keys = append(keys, k)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, fmt.Errorf("catch up filter of %s: %w", p.name, err)
	}
	p.filter.add(keys...)
	return len(keys), nil
}

// Cursor returns the last applied stream seq, 0 if none; after a failed
// commit, the one on disk (the database is reopened first).
func (h *History) Cursor(ctx context.Context) (uint64, error) {
	if h.closed.Load() {
		return 0, ErrClosed
	}
	if err := h.ready(ctx); err != nil { // the cursor as committed
		return 0, fmt.Errorf("store: cursor: %w", err)
	}
	return h.cursor.Load(), nil
}

// Close saves the partition filters, checkpoints and closes the database
// (after a failed commit, it only closes it).
func (h *History) Close() error {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed.Swap(true) {
		return nil
	}
	h.dropMu.Lock() // wait for lookups in flight
	defer h.dropMu.Unlock()
	if h.re.Down() != nil { // a reopen failed: nothing is open
		return nil
	}
	var errSave error
	if h.re.Suspect() == nil { // else the WAL replays, and filters catch up, at the next open
		errSave = h.inTx(context.Background(), func(tx *rawTx) error { return h.saveFiltersTx(tx, h.cursor.Load()) })
		if errSave == nil {
			h.markFiltersSaved(h.cursor.Load())
		}
	}
	// A suspect database is not checkpointed (internal/duckdb).
	if err := errors.Join(errSave, duckdb.Close(h.db, h.re.Suspect() == nil), h.closeLogs()); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// saveFiltersTx writes every dirty partition filter and records that the
// stored filters cover all rows with seq <= through.
func (h *History) saveFiltersTx(tx *rawTx, through uint64, extra ...*partition) error {
	for _, p := range slices.Concat(h.parts.Load().parts, extra) {
		if !p.dirty {
			continue
		}
		b, err := p.filter.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode filter of %s: %w", p.name, err)
		}
		if err := tx.exec("UPDATE "+partitionsTable+" SET filter = $1 WHERE name = $2", b, p.name); err != nil {
			return err
		}
	}
	return tx.exec("UPDATE "+stateTable+" SET filters_through = $1", through)
}

func (h *History) markFiltersSaved(through uint64, extra ...*partition) {
	for _, p := range slices.Concat(h.parts.Load().parts, extra) {
		p.dirty = false
	}
	h.filtersThrough, h.sinceSave = through, 0
}
