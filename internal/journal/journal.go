// Package journal is Cairn's durable, append-only event stream.
//
// Entries are opaque payloads (an encoded event.Entry) numbered with dense
// sequence numbers. Append returns only once the entry is on stable storage
// (fdatasync'd); concurrent appends are group-committed by a single writer
// goroutine, one write and one fdatasync per batch. Consumers read the
// ordered stream from their own cursors with Read and WaitDurable and never
// see an entry that is not durable. The on-disk format and recovery rules are
// described in docs/JOURNAL.md.
package journal

import (
	"context"
	"errors"
	"fmt"
	"github.com/cairn-audit/cairn/internal/fsutil"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
)

// Defaults for Options.
const (
	DefaultSegmentSize   = 64 << 20
	DefaultMaxBatchBytes = 4 << 20

	// defaultCheckpointEvery is the spacing, in segment bytes, of the sparse
	// (seq -> offset) index kept for each segment.
	defaultCheckpointEvery = 1 << 20
)

// Errors callers may test for with errors.Is.
var (
	ErrClosed   = errors.New("journal: closed")
	ErrBroken   = errors.New("journal: broken (a failed write could not be rolled back); reopen to recover")
	ErrCorrupt  = errors.New("journal: corrupt segment")
	ErrTrimmed  = errors.New("journal: entries trimmed")
	ErrTooLarge = errors.New("journal: payload too large")
)

// Options configure a Journal. The zero value of every field means its
// default.
type Options struct {
	// SegmentSize is the size at which the active segment is rolled over: a
	// batch that would take it past SegmentSize goes to a new segment. A
	// segment is larger only when a single Append/AppendBatch is. Default
	// DefaultSegmentSize (64 MiB).
	SegmentSize int64
	// MaxBatchBytes caps the frame bytes of one group commit (one write and
	// one fdatasync); a single larger AppendBatch is committed on its own.
	// Default DefaultMaxBatchBytes (4 MiB).
	MaxBatchBytes int
	// FirstSeq is the sequence number of the first entry when the journal
	// holds no entries (new, or only an empty segment). It only ever moves
	// the start forward and is ignored once the journal has entries. Use it
	// when a consumer's cursor is already ahead of an empty or removed
	// journal. Default 1.
	FirstSeq uint64
	// Logger receives recovery notices (a torn tail truncated away).
	// Default slog.Default().
	Logger *slog.Logger

	// Test seams; nil / zero in production.
	ops             *fileOps
	checkpointEvery int64
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{
		SegmentSize:   DefaultSegmentSize,
		MaxBatchBytes: DefaultMaxBatchBytes,
		FirstSeq:      1,
		Logger:        slog.Default(),
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.SegmentSize <= 0 {
		o.SegmentSize = d.SegmentSize
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = d.MaxBatchBytes
	}
	if o.FirstSeq == 0 {
		o.FirstSeq = d.FirstSeq
	}
	if o.Logger == nil {
		o.Logger = d.Logger
	}
	if o.ops == nil {
		o.ops = defaultFileOps()
	}
	if o.checkpointEvery <= 0 {
		o.checkpointEvery = defaultCheckpointEvery
	}
	return o
}

// Journal is an open journal directory. All methods are safe for concurrent
// use.
type Journal struct {
	dir  string
	opts Options
	ops  *fileOps
	lock *os.File

	// Append queue: groups waiting for the writer, oldest first.
	qmu     sync.Mutex
	queue   []*group
	qclosed bool
	wake    chan struct{} // capacity 1: "the queue may be non-empty"
	broken  atomic.Pointer[error]
	done    chan struct{} // closed when the writer goroutine exits

	w writer // owned by the writer goroutine

	// Index of durable entries.
	mu      sync.RWMutex
	segs    []*segment    // ascending by first; the last one is active
	notify  chan struct{} // closed and replaced whenever durable advances
	durable atomic.Uint64
	closed  atomic.Bool

	pos    posCache
	trimMu sync.Mutex

	commits atomic.Uint64 // successful fdatasyncs of batches
	entries atomic.Uint64 // entries made durable
}

// lockFileName is the advisory lock that keeps two processes from writing
// the same journal.
const lockFileName = "journal.lock"

// Open opens (creating if needed) the journal in dir, recovering from a
// crash: a torn or corrupt tail of the last segment is truncated away, while
// corruption anywhere else is an error wrapping ErrCorrupt. Only one Journal
// may have dir open at a time.
func Open(dir string, opts Options) (*Journal, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("open journal: create dir: %w", err)
	}
	lock, err := fsutil.LockDir(dir, lockFileName, filePerm)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w", dir, err)
	}
	j := &Journal{
		dir:    dir,
		opts:   opts,
		ops:    opts.ops,
		lock:   lock,
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		notify: make(chan struct{}),
	}
	if err := j.recover(); err != nil {
		if j.w.f != nil {
			j.w.f.Close()
		}
		lock.Close()
		return nil, fmt.Errorf("open journal %s: %w", dir, err)
	}
	go j.writeLoop()
	return j, nil
}

// Durable returns the highest durable sequence number: every entry up to it
// has been made durable (and may since have been trimmed). It is 0 for a new
// journal and FirstSeq-1 for an empty journal started at FirstSeq.
func (j *Journal) Durable() uint64 { return j.durable.Load() }

// First returns the oldest sequence number still stored, or Durable()+1 if
// the journal holds no entries.
func (j *Journal) First() uint64 {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.segs[0].first
}

// WaitDurable blocks until Durable() > after and returns it. It returns
// ctx.Err() if ctx ends first and ErrClosed once the journal is closed.
func (j *Journal) WaitDurable(ctx context.Context, after uint64) (uint64, error) {
	for {
		j.mu.RLock()
		d, ch := j.durable.Load(), j.notify
		j.mu.RUnlock()
		if d > after {
			return d, nil
		}
		if j.closed.Load() {
			return d, ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return d, ctx.Err()
		}
	}
}

// Close commits every append already queued, then closes the files. Appends
// after Close fail with ErrClosed. Close is idempotent.
func (j *Journal) Close() error {
	j.qmu.Lock()
	if j.qclosed {
		j.qmu.Unlock()
		<-j.done
		return nil
	}
	j.qclosed = true
	j.qmu.Unlock()
	j.signal()
	<-j.done

	var errs []error
	if err := j.w.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close active segment: %w", err))
	}
	j.mu.Lock()
	j.closed.Store(true)
	close(j.notify)
	segs := j.segs
	j.mu.Unlock()
	for _, s := range segs {
		if err := s.retire(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := j.lock.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close lock file: %w", err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("close journal %s: %w", j.dir, errors.Join(errs...))
	}
	return nil
}

// publish makes entries up to last (ending at byte size of segment s)
// visible to readers and wakes WaitDurable. Called by the writer only.
func (j *Journal) publish(s *segment, last uint64, size int64, cks []checkpoint) {
	j.mu.Lock()
	s.last, s.size = last, size
	s.cks = append(s.cks, cks...)
	j.durable.Store(last)
	close(j.notify)
	j.notify = make(chan struct{})
	j.mu.Unlock()
}
