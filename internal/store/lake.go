package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/marcboeker/go-duckdb"
)

// ErrLakeClosed is returned by calls on a closed Lake.
var ErrLakeClosed = errors.New("store: lake is closed")

// Lake is the CloudTrail Lake engine: every event data store's events in
// one DuckDB database, and user SQL run over them under lock-down (see
// docs/LAKE.md, "Engine"). All methods are safe for concurrent use.
type Lake struct {
	opts           LakeOptions // as opened (with defaults)
	db             *sql.DB     // replaced by reopen: outside wmu and qmu, read it with handle
	dbmu           sync.RWMutex
	log            *slog.Logger
	maxResultBytes int64
	cat            *lakeCatalog
	tmpl           *templates // statement rewrites
	mem            *memWatch

	// wmu serialises writers (Append, Import, Expire, Drop): DuckDB would
	// abort one of two transactions updating the same catalog row.
	wmu sync.Mutex
	// conns are the query connections, made with profiling on before the
	// configuration was locked (profiling counts EventsMatched).
	conns  chan *queryConn
	closed atomic.Bool
	// suspect is why the database must be reopened before the next write
	// (a failed commit, see lake_reopen.go); down is why it is not open
	// (a reopen failed). suspect is guarded by wmu, down by qmu.
	suspect   error
	down      error
	unsettled atomic.Bool // suspect is set (read without wmu)
	// qmu is held shared by each query while it has a connection, and
	// exclusively by Close.
	qmu sync.RWMutex
}

var _ lake.Engine = (*Lake)(nil)

// queryConn is a connection that runs user statements.
type queryConn struct {
	conn     *sql.Conn
	profiled bool
}

// profilingMetrics are the per-operator metrics the query connections
// collect; EventsMatched is read from them.
const profilingMetrics = `{"OPERATOR_TYPE": "true", "OPERATOR_CARDINALITY": "true", "OPERATOR_ROWS_SCANNED": "true"}`

// OpenLake opens (creating if needed) the Lake in opts.Dir, or an in-memory
// Lake when opts.Dir is empty.
func OpenLake(opts LakeOptions) (*Lake, error) { return openLake(opts, true) }

// openLake is OpenLake, with or without the row check at open.
func openLake(opts LakeOptions, check bool) (*Lake, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", opts.Dir, err)
		}
	}
	began := time.Now()
	l := &Lake{opts: opts, log: opts.Logger, maxResultBytes: opts.MaxResultBytes}
	if err := l.open(context.Background()); err != nil {
		return nil, fmt.Errorf("store: open lake %q: %w", l.path(), err)
	}
	var parts int
	var events int64
	for _, ps := range l.cat.parts {
		for _, p := range ps {
			parts++
			events += p.rows
		}
	}
	l.log.Info("lake open", "dir", opts.Dir, "stores", len(l.cat.parts), "partitions", parts, "events", events,
		"took", time.Since(began).Round(time.Millisecond))
	if !check {
		return l, nil
	}
	if err := l.checkAtOpen(context.Background()); err != nil {
		return nil, errors.Join(fmt.Errorf("store: open lake %q: %w", l.path(), err), l.Close())
	}
	return l, nil
}

// path is the database file, "" for an in-memory Lake.
func (l *Lake) path() string {
	if l.opts.Dir == "" {
		return ""
	}
	return filepath.Join(l.opts.Dir, lakeDBFile)
}

// open opens the database and sets it up (OpenLake, and reopen after a
// failed write); on failure nothing of it stays open.
func (l *Lake) open(ctx context.Context) error {
	opts, path := l.opts, l.path()
	// Lock-down, first layer: no file, network or extension access, whatever
	// the statement. The configuration is locked once the query connections
	// are set up (below).
	cfg := url.Values{
		"threads":                      {strconv.Itoa(opts.Threads)},
		"memory_limit":                 {opts.MemoryLimit},
		"enable_external_access":       {"false"},
		"autoinstall_known_extensions": {"false"},
		"autoload_known_extensions":    {"false"},
		"allow_community_extensions":   {"false"},
	}
	connector, err := duckdb.NewConnector(path+"?"+cfg.Encode(), nil)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	db.SetMaxIdleConns(4)
	l.dbmu.Lock()
	l.db = db
	l.dbmu.Unlock()
	l.conns = make(chan *queryConn, opts.QueryConns)
	if err := l.setup(ctx, opts.QueryConns, path != ""); err != nil {
		if l.mem != nil {
			l.mem.close()
			l.mem = nil
		}
		return errors.Join(err, l.closeConns(), db.Close())
	}
	return nil
}

// setup sets the memory-related settings, creates the catalog and
// functions and the query connections, and then locks the configuration.
func (l *Lake) setup(ctx context.Context, queryConns int, onDisk bool) error {
	// Nothing spills to disk: a query over the memory limit fails.
	if _, err := l.db.ExecContext(ctx, "SET temp_directory = ''"); err != nil {
		return fmt.Errorf("disable spilling: %w", err)
	}
	var limit string
	if err := l.db.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
		return fmt.Errorf("read memory limit: %w", err)
	}
	memory, err := parseDuckDBSize(limit)
	if err != nil {
		return fmt.Errorf("read memory limit: %w", err)
	}
	if onDisk {
		// Closing must never checkpoint on its own: after a failed
		// checkpoint DuckDB deletes the WAL on close, committed rows with it
		// (Close checkpoints explicitly; see lake_reopen.go).
		if _, err := l.db.ExecContext(ctx, noCheckpointOnShutdown); err != nil {
			return fmt.Errorf("disable checkpoint on shutdown: %w", err)
		}
		threshold := max(memory/lakeCheckpointDivisor, lakeMinCheckpointThreshold)
		if _, err := l.db.ExecContext(ctx, fmt.Sprintf("SET checkpoint_threshold = '%dB'", threshold)); err != nil {
			return fmt.Errorf("set checkpoint threshold: %w", err)
		}
	}
	cat, err := loadLakeCatalog(ctx, l.db)
	if err != nil {
		return err
	}
	for _, q := range lakeCheckDDL { // see lake_check.go
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create lake check tables: %w", err)
		}
	}
	if l.cat == nil {
		l.cat = cat
	} else { // reopen: the catalog as committed
		l.cat.replace(cat)
	}
	if err := createLakeFunctions(ctx, l.db); err != nil {
		return err
	}
	if l.tmpl == nil {
		if l.tmpl, err = l.parseTemplates(ctx); err != nil {
			return err
		}
	}
	for range queryConns {
		conn, err := l.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("query connection: %w", err)
		}
		l.conns <- &queryConn{conn: conn, profiled: true}
		for _, q := range []string{
			"PRAGMA enable_profiling = 'no_output'",
			"SET custom_profiling_settings = " + sqlString(profilingMetrics),
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("query connection: %w", err)
			}
		}
	}
	if _, err := l.db.ExecContext(ctx, "SET lock_configuration = true"); err != nil {
		return fmt.Errorf("lock configuration: %w", err)
	}
	l.mem = newMemWatch(2 * memory)
	return nil
}

// acquire takes a query connection, waiting for one if all are busy.
func (l *Lake) acquire(ctx context.Context) (*queryConn, error) {
	l.qmu.RLock()
	if l.closed.Load() {
		l.qmu.RUnlock()
		return nil, ErrLakeClosed
	}
	if l.down != nil {
		err := l.down
		l.qmu.RUnlock()
		return nil, err
	}
	select {
	case qc := <-l.conns:
		return qc, nil
	case <-ctx.Done():
		l.qmu.RUnlock()
		return nil, ctx.Err()
	}
}

// release returns a query connection; a broken one is replaced by a fresh
// connection, which cannot be profiled once the configuration is locked.
func (l *Lake) release(qc *queryConn, broken bool) {
	defer l.qmu.RUnlock()
	if broken {
		l.log.Warn("lake query connection replaced; EventsMatched is approximated on the new one")
		if err := qc.conn.Close(); err != nil {
			l.log.Warn("closing broken lake query connection", "err", err)
		}
		conn, err := l.db.Conn(context.Background())
		if err != nil {
			l.log.Error("lake query connection lost", "err", err)
			return
		}
		qc = &queryConn{conn: conn}
	}
	l.conns <- qc
}

// Close checkpoints and closes the database. Queries still running are
// waited for.
func (l *Lake) Close() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Swap(true) {
		return nil
	}
	l.qmu.Lock() // wait for queries in flight
	defer l.qmu.Unlock()
	if l.down != nil { // a reopen failed: nothing is open
		return nil
	}
	if l.mem != nil {
		l.mem.close()
	}
	// A suspect database is not checkpointed: its WAL replays at the next open.
	if err := closeDuckDB(l.db, l.suspect == nil, l.closeConns); err != nil {
		return fmt.Errorf("store: close lake: %w", err)
	}
	return nil
}

func (l *Lake) closeConns() error {
	var errs []error
	for {
		select {
		case qc := <-l.conns:
			errs = append(errs, qc.conn.Close())
		default:
			return errors.Join(errs...)
		}
	}
}
