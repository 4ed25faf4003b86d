package trail

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// DefaultMaxWindows is how many logging windows the store keeps per trail.
const DefaultMaxWindows = 100

// ErrClosed (Begin after Close) and ErrTxDone (a Tx used after Commit or
// Abort) are jsonstore's; returned errors wrap them.
var ErrClosed, ErrTxDone = jsonstore.ErrClosed, jsonstore.ErrTxDone

// Errors of the trails; returned errors wrap them.
var (
	ErrNotFound = errors.New("trail: no such trail")
	ErrInvalid  = errors.New("trail: invalid trail")
)

// Options tune a Store.
type Options struct {
	// MaxWindows is how many logging windows (the most recent) a trail
	// keeps; older ones are dropped when it is stored. Default DefaultMaxWindows.
	MaxWindows int
}

// Store holds every trail of every account in one JSON file in a directory
// (a jsonstore). Reads see the last committed version without locking or
// I/O; changes go through a Tx, one at a time, and are written atomically
// before they are published.
type Store struct {
	js   *jsonstore.Store[state]
	opts Options

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

// Open opens (creating if needed) the store in dir and locks the directory
// until Close.
func Open(dir string, opts Options) (*Store, error) {
	if opts.MaxWindows <= 0 {
		opts.MaxWindows = DefaultMaxWindows
	}
	s := &Store{opts: opts, subs: map[int]chan struct{}{}, write: writeState}
	js, err := jsonstore.Open(dir, jsonstore.Options[state]{
		File: stateFile, Format: fileFormat, Version: formatVersion,
		Clone: (*state).clone, Published: func(*state) { s.notify() },
		WriteFile: func(path string, data []byte, _ os.FileMode) error { return s.write(path, data) },
	})
	if err != nil {
		return nil, fmt.Errorf("open trail store: %w", err)
	}
	s.js = js
	return s, nil
}

// Close waits for the open transaction (if any), then releases the
// directory lock. Begin fails with ErrClosed afterwards; reads keep working.
func (s *Store) Close() error { return s.js.Close() }

// Dir is the store's directory.
func (s *Store) Dir() string { return s.js.Dir() }

// Applied reports whether the call recorded at stream seq committed a change
// here (jsonstore.Store.Applied), for recovery (settle.BySeq).
func (s *Store) Applied(seq uint64) (applied, known bool) { return s.js.Applied(seq) }

// Get returns the account's trail with this ARN.
func (s *Store) Get(account, arn string) (Trail, bool) { return s.js.Load().get(account, arn) }

// ByAccount returns the account's trails (all regions), ordered by ARN.
func (s *Store) ByAccount(account string) []Trail { return byAccount(s.js.Load(), account) }

// All returns every trail, ordered by account and ARN.
func (s *Store) All() []Trail { return byAccount(s.js.Load(), "") }

// get returns a copy of the account's trail with this ARN.
func (st *state) get(account, arn string) (Trail, bool) {
	t, ok := st.trails[key{account, arn}]
	if !ok {
		return Trail{}, false
	}
	return t.Clone(), true
}

// byAccount lists the trails of account ("" for all accounts) as copies.
func byAccount(st *state, account string) []Trail {
	out := st.sorted(account)
	for i, t := range out {
		out[i] = t.Clone()
	}
	return out
}

// sorted lists the trails of account ("" for all accounts), ordered by
// account and ARN, without copying them.
func (st *state) sorted(account string) []Trail {
	out := []Trail{}
	for k, t := range st.trails {
		if account == "" || k.account == account {
			out = append(out, t)
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
