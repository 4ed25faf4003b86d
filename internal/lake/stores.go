package lake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Defaults for StoresOptions.
const (
	// DefaultMaxStoresPerRegion is CloudTrail's quota of event data stores
	// per account and region (stores pending deletion do not count).
	DefaultMaxStoresPerRegion = 10
	// DefaultMaxWindows is how many ingestion windows a store keeps per
	// stream (the most recent).
	DefaultMaxWindows = 100
)

// storesFile is the event data store definitions' file in the Lake directory.
const storesFile = "stores.json"

// Errors of the store definitions; returned errors wrap them.
var (
	ErrClosed   = jsonstore.ErrClosed
	ErrTxDone   = jsonstore.ErrTxDone
	ErrNotFound = errors.New("lake: no such event data store")
	ErrInvalid  = errors.New("lake: invalid event data store")
)

// StoresOptions tune Stores.
type StoresOptions struct {
	// AuditDurable returns the audit-event journal's last durable sequence
	// number; ingestion windows on that journal start after it and end at
	// it. Nil counts as 0 (no audit journal).
	AuditDurable func() uint64
	// OngoingImport reports whether an import into the store (by ID) is
	// running; nil for never. SetOngoingImport replaces it later.
	OngoingImport func(storeID string) bool
	// MaxPerRegion caps the stores of an account in a region; default
	// DefaultMaxStoresPerRegion.
	MaxPerRegion int
	// MaxWindows caps the ingestion windows kept per store and stream;
	// default DefaultMaxWindows.
	MaxWindows int

	// writeFile replaces jsonstore's atomic write in tests.
	writeFile func(path string, data []byte, perm os.FileMode) error
}

// Stores holds the event data store definitions of every account in one
// JSON file (stores.json). Reads see the last committed version without
// locking or I/O; changes go through a Tx, one at a time, written
// atomically before they are published.
type Stores struct {
	js      *jsonstore.Store[storesState]
	opts    StoresOptions
	ongoing atomic.Pointer[func(string) bool]
}

// OpenStores opens (creating if needed) the definitions in dir/stores.json
// and locks dir until Close.
func OpenStores(dir string, opts StoresOptions) (*Stores, error) {
	opts.MaxPerRegion = cmp.Or(opts.MaxPerRegion, DefaultMaxStoresPerRegion)
	opts.MaxWindows = cmp.Or(opts.MaxWindows, DefaultMaxWindows)
	js, err := jsonstore.Open(dir, jsonstore.Options[storesState]{
		File: storesFile, Format: "cairn-eventdatastores", Version: 1,
		Clone: (*storesState).clone, Validate: (*storesState).validate, WriteFile: opts.writeFile,
	})
	if err != nil {
		return nil, fmt.Errorf("open event data stores: %w", err)
	}
	s := &Stores{js: js, opts: opts}
	if opts.OngoingImport != nil {
		s.SetOngoingImport(opts.OngoingImport)
	}
	return s, nil
}

// Close waits for the open transaction (if any) and releases the
// directory. Begin fails with ErrClosed afterwards; reads keep working.
func (s *Stores) Close() error { return s.js.Close() }

// Applied reports whether the call recorded at stream seq committed its
// change to the definitions with CommitAt (jsonstore.Store.Applied), for
// recovery.
func (s *Stores) Applied(seq uint64) (applied, known bool) { return s.js.Applied(seq) }

// MaxPerRegion is the quota of stores per account and region.
func (s *Stores) MaxPerRegion() int { return s.opts.MaxPerRegion }

// AuditDurable is the audit-event journal's durable sequence number now.
func (s *Stores) AuditDurable() uint64 {
	if s.opts.AuditDurable == nil {
		return 0
	}
	return s.opts.AuditDurable()
}

// SetOngoingImport sets the check for a running import into a store, for
// when the imports are set up after the stores.
func (s *Stores) SetOngoingImport(f func(storeID string) bool) { s.ongoing.Store(&f) }

// OngoingImport reports whether an import into the store is running.
func (s *Stores) OngoingImport(id string) bool {
	f := s.ongoing.Load()
	return f != nil && *f != nil && (*f)(id)
}

// Get returns the store with this ID or ARN.
func (s *Stores) Get(ref string) (EventDataStore, bool) { return s.js.Load().get(ref) }

// List returns the account's stores of every region ("" for every account), oldest first.
func (s *Stores) List(account string) []EventDataStore { return s.js.Load().list(account) }

// All returns every store, oldest first.
func (s *Stores) All() []EventDataStore { return s.js.Load().list("") }

// Snapshot returns every store, oldest first, and the version of the
// definitions they come from (it grows with every commit). Call Changed
// first to wait for the next version without missing one.
func (s *Stores) Snapshot() (version uint64, all []EventDataStore) {
	st, v := s.js.Snapshot()
	return v, st.list("")
}

// Version returns the current version of the definitions (as Snapshot
// does) without copying them: a cheap check of whether a Snapshot taken
// earlier is still current.
func (s *Stores) Version() uint64 {
	_, v := s.js.Snapshot()
	return v
}

// Changed returns a channel closed at the next commit that changes the
// definitions (a new channel is returned after that).
func (s *Stores) Changed() <-chan struct{} { return s.js.Changed() }

// Begin opens a transaction, waiting for the open one (if any) to end.
func (s *Stores) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.js.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("event data stores: %w", err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// idOf returns the ID a reference names: the ID itself, or the ID that ends
// an event data store ARN.
func idOf(ref string) string {
	if !strings.HasPrefix(ref, "arn:") {
		return ref
	}
	i := strings.LastIndex(ref, ":eventdatastore/")
	if i < 0 {
		return ""
	}
	return ref[i+len(":eventdatastore/"):]
}
