package lakedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/duckdb"
	"github.com/cairn-audit/cairn/internal/lake"
)

// ErrClosed is returned by calls on a closed DB.
var ErrClosed = errors.New("lakedb: closed")

// DB is the CloudTrail Lake engine: every event data store's events in
// one DuckDB database, and user SQL run over them under lock-down (see
// docs/LAKE.md, "Engine"). All methods are safe for concurrent use.
type DB struct {
	opts           Options // as opened (with defaults)
	db             *sql.DB // replaced by reopen: outside wmu and qmu, read it with handle
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
	// re is the suspect→reopen state after a failed commit (reopen.go):
	// Suspect is why the database must be reopened before the next write,
	// Down why it is not open (a reopen failed).
	re *duckdb.Reopener
	// qmu is held shared by each query while it has a connection, and
	// exclusively by Close.
	qmu sync.RWMutex
}

var _ lake.Engine = (*DB)(nil)

// queryConn is a connection that runs user statements.
type queryConn struct {
	conn     *sql.Conn
	profiled bool
}

// profilingMetrics are the per-operator metrics the query connections
// collect; EventsMatched is read from them.
const profilingMetrics = `{"OPERATOR_TYPE": "true", "OPERATOR_CARDINALITY": "true", "OPERATOR_ROWS_SCANNED": "true"}`

// Open opens (creating if needed) the Lake in opts.Dir, or an in-memory
// Lake when opts.Dir is empty.
func Open(opts Options) (*DB, error) { return openDB(opts, true) }

// openDB is Open, with or without the row check at open.
func openDB(opts Options, check bool) (*DB, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("lakedb: create %s: %w", opts.Dir, err)
		}
	}
	began := time.Now()
	l := &DB{opts: opts, log: opts.Logger, maxResultBytes: opts.MaxResultBytes}
	l.re = l.newReopener()
	if err := l.open(context.Background()); err != nil {
		return nil, fmt.Errorf("lakedb: open %q: %w", l.path(), err)
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
		return nil, errors.Join(fmt.Errorf("lakedb: open %q: %w", l.path(), err), l.Close())
	}
	return l, nil
}

// path is the database file, "" for an in-memory Lake.
func (l *DB) path() string {
	if l.opts.Dir == "" {
		return ""
	}
	return filepath.Join(l.opts.Dir, lakeDBFile)
}

// open opens the database and sets it up (Open, and the reopen after a
// failed write); on failure nothing of it stays open.
func (l *DB) open(ctx context.Context) error {
	opts, path := l.opts, l.path()
	// Lock-down, first layer: no file, network or extension access, whatever
	// the statement, nothing spills to disk (internal/duckdb). The
	// configuration is locked once the query connections are set up.
	l.conns = make(chan *queryConn, opts.QueryConns)
	var memory int64
	_, err := duckdb.Open(ctx, duckdb.Options{
		Path:         path,
		MemoryLimit:  opts.MemoryLimit,
		Threads:      opts.Threads,
		MaxIdleConns: maxIdleConns,
		Setup: func(ctx context.Context, db *sql.DB) error {
			l.dbmu.Lock()
			l.db = db
			l.dbmu.Unlock()
			var err error
			if memory, err = l.setup(ctx, opts.QueryConns, path != ""); err != nil {
				return errors.Join(err, l.closeConns())
			}
			return nil
		},
	})
	if err != nil {
		return errors.Join(err, l.closeConns())
	}
	l.mem = newMemWatch(2 * memory)
	return nil
}

// maxIdleConns is the pool's idle connections: the query connections are
// held outside the pool.
const maxIdleConns = 4

// setup sets the checkpoint threshold, creates the catalog, functions and
// query connections (before the configuration is locked: profiling is a
// setting) and returns the memory limit in bytes.
func (l *DB) setup(ctx context.Context, queryConns int, onDisk bool) (memory int64, err error) {
	if memory, err = duckdb.MemoryLimit(ctx, l.db); err != nil {
		return 0, err
	}
	if onDisk {
		threshold := max(memory/lakeCheckpointDivisor, lakeMinCheckpointThreshold)
		if _, err := l.db.ExecContext(ctx, fmt.Sprintf("SET checkpoint_threshold = '%dB'", threshold)); err != nil {
			return 0, fmt.Errorf("set checkpoint threshold: %w", err)
		}
	}
	cat, err := loadLakeCatalog(ctx, l.db)
	if err != nil {
		return 0, err
	}
	for _, q := range lakeCheckDDL { // see check.go
		if _, err := l.db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("create lake check tables: %w", err)
		}
	}
	if l.cat == nil {
		l.cat = cat
	} else { // reopen: the catalog as committed
		l.cat.replace(cat)
	}
	if err := createLakeFunctions(ctx, l.db); err != nil {
		return 0, err
	}
	if l.tmpl == nil {
		if l.tmpl, err = l.parseTemplates(ctx); err != nil {
			return 0, err
		}
	}
	for range queryConns {
		conn, err := l.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("query connection: %w", err)
		}
		l.conns <- &queryConn{conn: conn, profiled: true}
		for _, q := range []string{
			"PRAGMA enable_profiling = 'no_output'",
			"SET custom_profiling_settings = " + sqlString(profilingMetrics),
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return 0, fmt.Errorf("query connection: %w", err)
			}
		}
	}
	return memory, nil
}

// acquire takes a query connection, waiting for one if all are busy.
func (l *DB) acquire(ctx context.Context) (*queryConn, error) {
	l.qmu.RLock()
	if l.closed.Load() {
		l.qmu.RUnlock()
		return nil, ErrClosed
	}
	if err := l.re.Down(); err != nil {
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
func (l *DB) release(qc *queryConn, broken bool) {
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
func (l *DB) Close() error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.closed.Swap(true) {
		return nil
	}
	l.qmu.Lock() // wait for queries in flight
	defer l.qmu.Unlock()
	if l.re.Down() != nil { // a reopen failed: nothing is open
		return nil
	}
	if l.mem != nil {
		l.mem.close()
	}
	// A suspect database is not checkpointed: its WAL replays at the next open.
	if err := duckdb.Close(l.db, l.re.Suspect() == nil, l.closeConns); err != nil {
		return fmt.Errorf("lakedb: close: %w", err)
	}
	return nil
}

func (l *DB) closeConns() error {
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
