package channel

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// Defaults for Options.
const (
	// DefaultFlushInterval is how often changed ingestion status is written.
	DefaultFlushInterval = 5 * time.Second
)

// Errors of the store; returned errors wrap them.
var (
	ErrClosed   = errors.New("channel: store closed")
	ErrTxDone   = errors.New("channel: transaction already committed or aborted")
	ErrNotFound = errors.New("channel: no such channel")
	ErrInvalid  = errors.New("channel: invalid channel")
)

// Options tune a Store.
type Options struct {
	// FlushInterval is how often changed ingestion status is persisted
	// (Close persists it too); default DefaultFlushInterval, negative for
	// never in the background.
	FlushInterval time.Duration
	Logger        *slog.Logger
}

// Store holds every channel of every account. Reads see the last committed
// version without locking or I/O; changes go through a Tx, one at a time,
// written atomically to channels.json before they are published.
type Store struct {
	dir  string
	opts Options
	lock *os.File

	cur    atomic.Pointer[state] // published version, never mutated
	writer chan struct{}         // capacity 1: held by the open Tx

	closeOnce sync.Once
	closed    chan struct{}
	flushDone chan struct{}

	ing ingestion

	// write persists a file atomically; replaced in tests to inject failures.
	write func(path string, data []byte) error
}

// state is one immutable version of the store.
type state struct {
	channels map[string]Channel // by ARN
	byID     map[string]string  // channel ID -> ARN
}

func (st *state) clone() *state {
	n := &state{channels: make(map[string]Channel, len(st.channels)), byID: make(map[string]string, len(st.byID))}
	for k, c := range st.channels {
		n.channels[k] = c // stored channels are never mutated in place
	}
	for k, v := range st.byID {
		n.byID[k] = v
	}
	return n
}

func (st *state) put(c Channel) {
	st.channels[c.ARN] = c
	st.byID[c.ID] = c.ARN
}

const lockFile = "LOCK"

// Open opens (creating if needed) the store in dir and locks the directory
// until Close.
func Open(dir string, opts Options) (*Store, error) {
	if opts.FlushInterval == 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open channel store: %w", err)
	}
	lock, err := fsutil.LockDir(dir, lockFile, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open channel store: %w", err)
	}
	st, err := load(dir)
	if err == nil {
		var ing map[string]Ingestion
		if ing, err = loadIngestion(dir); err == nil {
			s := &Store{dir: dir, opts: opts, lock: lock, writer: make(chan struct{}, 1), closed: make(chan struct{}),
				flushDone: make(chan struct{}), write: writeFile}
			s.cur.Store(st)
			s.ing.status = ing
			s.ing.prune(st)
			go s.flushLoop()
			return s, nil
		}
	}
	_ = lock.Close()
	return nil, fmt.Errorf("open channel store %s: %w", dir, err)
}

// Close waits for the open transaction (if any), persists the ingestion
// status and releases the directory lock. Begin fails with ErrClosed
// afterwards; reads and ingestion updates keep working in memory.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		<-s.flushDone
		s.writer <- struct{}{}
		err = s.Flush()
		if lerr := s.lock.Close(); err == nil {
			err = lerr
		}
	})
	return err
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Get returns the channel with this ARN.
func (s *Store) Get(arn string) (Channel, bool) { return get(s.cur.Load(), arn) }

// ByID returns the channel with this ID (the UUID ending its ARN).
func (s *Store) ByID(id string) (Channel, bool) { return byID(s.cur.Load(), id) }

// List returns the channels of an account in a region, oldest first.
func (s *Store) List(account, region string) []Channel { return list(s.cur.Load(), account, region) }

// All returns every channel, ordered by ARN.
func (s *Store) All() []Channel {
	st := s.cur.Load()
	out := make([]Channel, 0, len(st.channels))
	for _, c := range st.channels {
		out = append(out, c.Clone())
	}
	slices.SortFunc(out, func(a, b Channel) int { return cmp.Compare(a.ARN, b.ARN) })
	return out
}

func get(st *state, arn string) (Channel, bool) {
	c, ok := st.channels[arn]
	if !ok {
		return Channel{}, false
	}
	return c.Clone(), true
}

func byID(st *state, id string) (Channel, bool) {
	arn, ok := st.byID[id]
	if !ok {
		return Channel{}, false
	}
	return get(st, arn)
}

func list(st *state, account, region string) []Channel {
	out := []Channel{}
	for _, c := range st.channels {
		if c.Account == account && c.Region == region {
			out = append(out, c.Clone())
		}
	}
	slices.SortFunc(out, func(a, b Channel) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ARN, b.ARN)) })
	return out
}

func writeFile(path string, data []byte) error { return fsutil.WriteFileAtomic(path, data, 0o600) }
