package lakeproc

import (
	"bufio"
	"context"
	"encoding/gob"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
)

// childFD is the child's end of the socket (ExtraFiles[0]).
const childFD = 3

// lockRetry is how long the child retries opening a Lake whose file lock is
// still held (by a child of a server killed a moment ago, which its parent's
// death is killing).
const lockRetry = 30 * time.Second

// ChildMain runs the engine child (cairn lake-engine) and returns its exit
// code. It is started by Start, never by hand.
func ChildMain() int {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("proc", "lake-engine", "pid", os.Getpid())
	// The parent closes the child (opClose); a Ctrl-C or SIGTERM to the
	// process group is the parent's to handle.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	conn, err := net.FileConn(os.NewFile(childFD, "lake-engine-socket"))
	if err != nil {
		log.Error("lake engine: no socket from the parent", "err", err)
		return 2
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(conn, 1<<20))
	var cfg config
	if err := dec.Decode(&cfg); err != nil {
		log.Error("lake engine: read config", "err", err)
		return 2
	}
	if cfg.Silent {
		log = slog.New(slog.DiscardHandler)
	} else {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})).With("proc", "lake-engine", "pid", os.Getpid())
	}
	s := &server{enc: gob.NewEncoder(conn), calls: map[uint64]*childCall{}, log: log}
	if err := limitAddressSpace(cfg.AddressBudget, log); err != nil {
		_ = s.send(response{Final: true, Err: toWire(err)})
		return 2
	}
	l, err := openWithRetry(lakedb.Options{Dir: cfg.Dir, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads,
		MaxResultBytes: cfg.MaxResultBytes, QueryConns: cfg.QueryConns, Logger: log})
	if err != nil {
		_ = s.send(response{Final: true, Err: toWire(err)})
		return 1
	}
	s.lake = l
	if err := s.send(response{Final: true}); err != nil {
		return 1
	}
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			// The parent is gone (or closed the socket): the Lake is as after
			// a kill -9, which it is safe against; exit at once.
			return 0
		}
		switch req.Op {
		case opCancel:
			s.cancel(req.ID)
		case opAck:
			s.ack(req.ID)
		case opClose:
			s.cancelAll() // Close waits for the queries in flight
			err := l.Close()
			_ = s.send(response{ID: req.ID, Final: true, Err: toWire(err)})
			return 0
		default:
			s.start(req)
		}
	}
}

// limitAddressSpace sets RLIMIT_AS to the process's size now plus budget.
func limitAddressSpace(budget int64, log *slog.Logger) error {
	if budget <= 0 {
		return nil
	}
	size, err := virtualSize()
	if err != nil {
		return fmt.Errorf("lake engine: %w", err)
	}
	log.Info("lake engine address space bounded", "start_bytes", size, "budget_bytes", budget, "limit_bytes", size+budget)
	return setAddressLimit(size + budget)
}

// virtualSize is the process's VmSize (Linux; 0 elsewhere).
func virtualSize() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmSize %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmSize in /proc/self/status")
}

func openWithRetry(opts lakedb.Options) (*lakedb.DB, error) {
	deadline := time.Now().Add(lockRetry)
	for {
		l, err := lakedb.Open(opts)
		if err == nil || !strings.Contains(err.Error(), "lock") || time.Now().After(deadline) {
			return l, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// server is the child's side of the socket.
type server struct {
	lake  *lakedb.DB
	log   *slog.Logger
	encMu sync.Mutex
	enc   *gob.Encoder
	mu    sync.Mutex
	calls map[uint64]*childCall
}

type childCall struct {
	cancel context.CancelFunc
	ack    chan struct{}
}

func (s *server) send(r response) error {
	s.encMu.Lock()
	defer s.encMu.Unlock()
	if err := s.enc.Encode(&r); err != nil {
		// The parent is gone: nothing can be answered any more.
		s.log.Error("lake engine: write to parent", "err", err)
		os.Exit(1)
	}
	return nil
}

func (s *server) cancel(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.calls[id]; c != nil {
		c.cancel()
	}
}

func (s *server) cancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		c.cancel()
	}
}

func (s *server) ack(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.calls[id]; c != nil {
		select {
		case c.ack <- struct{}{}:
		default:
		}
	}
}

// start runs a request in its own goroutine.
func (s *server) start(req request) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &childCall{cancel: cancel, ack: make(chan struct{}, 1)}
	s.mu.Lock()
	s.calls[req.ID] = c
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.calls, req.ID)
			s.mu.Unlock()
			cancel()
		}()
		s.send(s.handle(ctx, req, c))
	}()
}

func (s *server) handle(ctx context.Context, req request, c *childCall) response {
	r := response{ID: req.ID, Final: true}
	var err error
	switch req.Op {
	case opCursors:
		r.Cursors, err = s.lake.Cursors(ctx)
	case opAppend:
		err = s.lake.Append(ctx, req.Rows, req.Cursors)
	case opImport:
		r.N, err = s.lake.Import(ctx, req.Store, req.Rows)
	case opExpire:
		r.N, err = s.lake.Expire(ctx, req.Store, req.Time)
	case opDrop:
		err = s.lake.Drop(ctx, req.Store)
	case opSize:
		r.Events, r.Bytes, err = s.lake.Size(ctx, req.Store, req.Time)
	case opCheck:
		r.Stores, err = s.lake.Check(ctx, req.SQL)
	case opRun:
		w := &batchWriter{s: s, id: req.ID, ctx: ctx, ack: c.ack}
		r.Stats, err = s.lake.Run(ctx, req.Query, w)
		r.Rows = w.rows
	default:
		err = fmt.Errorf("lake engine: unknown operation %d", req.Op)
	}
	r.Err = toWire(err)
	return r
}

// batchWriter sends a Run's results to the parent in batches, one batch in
// flight at a time.
type batchWriter struct {
	s     *server
	id    uint64
	ctx   context.Context
	ack   chan struct{}
	rows  [][]lake.Value
	bytes int
}

func (w *batchWriter) Columns(names []string) error {
	return w.s.send(response{ID: w.id, Columns: names})
}

func (w *batchWriter) Row(values []lake.Value) error {
	row := make([]lake.Value, len(values))
	copy(row, values)
	w.rows = append(w.rows, row)
	size := 0
	for _, v := range values {
		size += len(v.S) + 1
	}
	if size > MaxRowBytes {
		return fmt.Errorf("%w: a result row is larger than %d MiB", lake.ErrQueryLimit, MaxRowBytes>>20)
	}
	w.bytes += size
	if len(w.rows) < batchRows && w.bytes < batchBytes {
		return nil
	}
	if err := w.s.send(response{ID: w.id, Rows: w.rows}); err != nil {
		return err
	}
	w.rows, w.bytes = nil, 0
	select {
	case <-w.ack:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}
