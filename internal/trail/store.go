package trail

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// DefaultMaxWindows is how many logging windows the store keeps per trail.
const DefaultMaxWindows = 100

// Errors of the store; returned errors wrap them.
var (
	ErrClosed   = errors.New("trail: store closed")
	ErrTxDone   = errors.New("trail: transaction already committed or aborted")
	ErrNotFound = errors.New("trail: no such trail")
	ErrInvalid  = errors.New("trail: invalid trail")
)

// Options tune a Store.
type Options struct {
	// MaxWindows is how many logging windows (the most recent) a trail
	// keeps; older ones are dropped when it is stored. Default DefaultMaxWindows.
	MaxWindows int
}

// Store holds every trail of every account in one JSON file in a directory.
// Reads see the last committed version without locking or I/O; changes go
// through a Tx, one at a time, and are written atomically before they are
// published.
type Store struct {
	dir  string
	opts Options
	lock *os.File

	cur    atomic.Pointer[state] // published version, never mutated
	writer chan struct{}         // capacity 1: held by the open Tx

	closeOnce sync.Once
	closed    chan struct{}

	subMu  sync.Mutex
	subs   map[int]chan struct{}
	nextID int

	// write persists the state file; replaced in tests to inject failures.
	write func(path string, data []byte) error
}

// state is one immutable version of the store.
type state struct {
	trails map[key]Trail
}

type key struct{ account, arn string }

func keyOf(t Trail) key { return key{t.Account, t.ARN} }

func (st *state) clone() *state {
	m := make(map[key]Trail, len(st.trails))
	for k, t := range st.trails {
		m[k] = t // stored trails are never mutated in place: a shallow copy is enough
	}
	return &state{trails: m}
}

const lockFile = "LOCK"

// Open opens (creating if needed) the store in dir and locks the directory
// until Close.
func Open(dir string, opts Options) (*Store, error) {
	if opts.MaxWindows <= 0 {
		opts.MaxWindows = DefaultMaxWindows
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open trail store: %w", err)
	}
	lock, err := fsutil.LockDir(dir, lockFile, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open trail store: %w", err)
	}
	st, err := load(dir)
	if err != nil {
		_ = lock.Close()
		return nil, fmt.Errorf("open trail store %s: %w", dir, err)
	}
	s := &Store{dir: dir, opts: opts, lock: lock, writer: make(chan struct{}, 1), closed: make(chan struct{}),
		subs: map[int]chan struct{}{}, write: writeState}
	s.cur.Store(st)
	return s, nil
}

// Close waits for the open transaction (if any), then releases the
// directory lock. Begin fails with ErrClosed afterwards; reads keep working.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		s.writer <- struct{}{}
		err = s.lock.Close()
	})
	return err
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Get returns the account's trail with this ARN.
func (s *Store) Get(account, arn string) (Trail, bool) {
	t, ok := s.cur.Load().trails[key{account, arn}]
	if !ok {
		return Trail{}, false
	}
	return t.Clone(), true
}

// ByAccount returns the account's trails (all regions), ordered by ARN.
func (s *Store) ByAccount(account string) []Trail { return byAccount(s.cur.Load(), account) }

// All returns every trail, ordered by account and ARN.
func (s *Store) All() []Trail { return byAccount(s.cur.Load(), "") }

// byAccount lists the trails of account ("" for all accounts) as copies.
func byAccount(st *state, account string) []Trail {
	out := []Trail{}
	for k, t := range st.trails {
		if account == "" || k.account == account {
			out = append(out, t.Clone())
		}
	}
	slices.SortFunc(out, func(a, b Trail) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.ARN, b.ARN))
	})
	return out
}

// Subscribe returns a channel that receives a value after every committed
// change (buffered 1: changes while the reader is busy coalesce into one
// notification) and a function that ends the subscription. The channel is
// never closed.
func (s *Store) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.subMu.Lock()
	id := s.nextID
	s.nextID++
	s.subs[id] = ch
	s.subMu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.subMu.Lock()
			delete(s.subs, id)
			s.subMu.Unlock()
		})
	}
}

func (s *Store) notify() {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default: // a notification is already pending
		}
	}
}
