package channel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Defaults for Options.
const (
	// DefaultFlushInterval is how often changed ingestion status is written.
	DefaultFlushInterval = 5 * time.Second
)

// ErrClosed (Begin after Close) and ErrTxDone (a Tx used after Commit or
// Abort) are jsonstore's; returned errors wrap them.
var ErrClosed, ErrTxDone = jsonstore.ErrClosed, jsonstore.ErrTxDone

// Errors of the channels; returned errors wrap them.
var (
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
// written atomically to channels.json (a jsonstore) before they are
// published.
type Store struct {
	js   *jsonstore.Store[state]
	opts Options

	closeOnce sync.Once
	closed    chan struct{} // closed by Close: stops the flush loop
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

// Open opens (creating if needed) the store in dir and locks the directory
// until Close.
func Open(dir string, opts Options) (*Store, error) {
	if opts.FlushInterval == 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{opts: opts, closed: make(chan struct{}), flushDone: make(chan struct{}), write: writeFile}
	js, err := jsonstore.Open(dir, jsonstore.Options[state]{
		File: stateFile, Format: fileFormat, Version: formatVersion,
		Clone: (*state).clone, Published: s.ing.prune,
		WriteFile: func(path string, data []byte, _ os.FileMode) error { return s.write(path, data) },
	})
	if err != nil {
		return nil, fmt.Errorf("open channel store: %w", err)
	}
	ing, err := loadIngestion(dir)
	if err != nil {
		_ = js.Close()
		return nil, fmt.Errorf("open channel store %s: %w", dir, err)
	}
	s.js = js
	s.ing.status = ing
	s.ing.prune(js.Load())
	go s.flushLoop()
	return s, nil
}

// Applied reports whether the call recorded at stream seq committed its
// change here with CommitAt (jsonstore.Store.Applied), for recovery.
func (s *Store) Applied(seq uint64) (applied, known bool) { return s.js.Applied(seq) }

// Close waits for the open transaction (if any), persists the ingestion
// status and releases the directory lock. Begin fails with ErrClosed
// afterwards; reads and ingestion updates keep working in memory.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		<-s.flushDone
		err = s.flushLast()
		if cerr := s.js.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

// flushLast persists the ingestion status once the open transaction (if
// any) ended, so that the channels it deletes lose their status on disk too.
func (s *Store) flushLast() error {
	tx, err := s.js.Begin(context.Background())
	if err != nil {
		return fmt.Errorf("close channel store: %w", err)
	}
	defer tx.Abort()
	return s.Flush()
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.js.Dir() }

// Get returns the channel with this ARN.
func (s *Store) Get(arn string) (Channel, bool) { return get(s.js.Load(), arn) }

// ByID returns the channel with this ID (the UUID ending its ARN).
func (s *Store) ByID(id string) (Channel, bool) { return byID(s.js.Load(), id) }

// List returns the channels of an account in a region, oldest first.
func (s *Store) List(account, region string) []Channel { return list(s.js.Load(), account, region) }

// All returns every channel, ordered by ARN.
func (s *Store) All() []Channel {
	out := s.js.Load().sorted()
	for i, c := range out {
		out[i] = c.Clone()
	}
	return out
}

// sorted returns every channel, ordered by ARN, without copying them.
func (st *state) sorted() []Channel {
	out := make([]Channel, 0, len(st.channels))
	for _, c := range st.channels {
		out = append(out, c)
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
