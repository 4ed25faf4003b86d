package lakedb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// DuckDB's memory_limit bounds its buffer pool, but not what some
// operators allocate outside it: string_agg(repeat('x', 100000)) over a
// range grows the process by about 1 GB/s without ever failing. The memory
// watch samples the process's resident size while queries run and stops
// each query (as lake.ErrQueryLimit) once the process has grown by more
// than twice the memory limit since that query started. (Memory is not
// accounted per query: a query running when another blows up may be
// stopped with it, if it started before the growth.)
//
// The watch is best effort: an operator that allocates in one call that
// nothing interrupts outgrows it. The bound that holds whatever the
// statement is the engine's process (internal/lakeproc): cairn runs this
// Lake in a child limited to the memory limit plus a margin (RLIMIT_AS),
// killed when a cancelled query does not stop.

// memWatchInterval is how often the watch samples the resident size.
const memWatchInterval = 50 * time.Millisecond

// errQueryMemory is the cause given to queries the watch stops.
var errQueryMemory = fmt.Errorf("%w: the query used too much memory", lake.ErrQueryLimit)

// memWatch tracks running queries.
type memWatch struct {
	budget int64 // growth allowed, bytes; 0 disables the watch
	mu     sync.Mutex
	// running maps each running query's cancel function to the resident
	// size when it started.
	running map[*context.CancelCauseFunc]int64
	stop    chan struct{}
	done    chan struct{}
}

func newMemWatch(budget int64) *memWatch {
	w := &memWatch{budget: budget, running: map[*context.CancelCauseFunc]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	if _, err := residentBytes(); err != nil || budget <= 0 {
		w.budget = 0 // no /proc: no watch
		close(w.done)
		return w
	}
	go w.loop()
	return w
}

// track registers a query; the returned context is cancelled (with cause
// errQueryMemory) if the process grows too much. Call the release function
// when the query ends.
func (w *memWatch) track(ctx context.Context) (context.Context, func()) {
	if w.budget == 0 {
		return ctx, func() {}
	}
	qctx, cancel := context.WithCancelCause(ctx)
	base, _ := residentBytes()
	w.mu.Lock()
	w.running[&cancel] = base
	w.mu.Unlock()
	return qctx, func() {
		w.mu.Lock()
		delete(w.running, &cancel)
		w.mu.Unlock()
		cancel(nil)
	}
}

func (w *memWatch) loop() {
	defer close(w.done)
	t := time.NewTicker(memWatchInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.check()
		}
	}
}

func (w *memWatch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.running) == 0 {
		return
	}
	rss, err := residentBytes()
	if err != nil {
		return
	}
	for cancel, base := range w.running {
		if rss-base > w.budget {
			(*cancel)(errQueryMemory)
		}
	}
}

func (w *memWatch) close() {
	if w.budget != 0 {
		close(w.stop)
	}
	<-w.done
}

// residentBytes is the process's resident set size (Linux).
func residentBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, errors.New("unexpected /proc/self/statm")
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}
