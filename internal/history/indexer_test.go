package history_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/stream"
)

// flakyStore fails its first `failures` Apply calls.
type flakyStore struct {
	*history.Memory
	failures atomic.Int32
}

func (f *flakyStore) Apply(ctx context.Context, e []event.Entry, through uint64) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("store unavailable")
	}
	return f.Memory.Apply(ctx, e, through)
}

func appendEntries(t *testing.T, j *journal.Journal, n int, data func(i int) bool) {
	t.Helper()
	for i := 0; i < n; i++ {
		e := event.Entry{Meta: event.Meta{Time: time.Now().UTC().Truncate(time.Second), Account: "111111111111", Region: "us-east-1",
			EventID: event.NewID(), EventName: "GetUser", Management: !data(i)}, Record: []byte(`{}`)}
		b, _ := e.MarshalBinary()
		if _, err := j.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
}

func count(t *testing.T, s history.Store) int {
	t.Helper()
	got, err := s.Lookup(context.Background(), history.Query{Account: "111111111111", Region: "us-east-1", Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour), Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

func runIndexer(t *testing.T, j *journal.Journal, s history.Store) (*history.Indexer, func()) {
	t.Helper()
	ix, err := history.NewIndexer(context.Background(), openStream(t, j), s, history.IndexerOptions{RetryDelay: 10 * time.Millisecond, BatchEntries: 7})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := ix.Run(ctx); err != nil {
			t.Error(err)
		}
	})
	return ix, func() { cancel(); wg.Wait() }
}

func TestIndexerAppliesManagementEventsAndResumes(t *testing.T) {
	dir := t.TempDir()
	j, err := journal.Open(dir, journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	store := history.NewMemory()
	appendEntries(t, j, 30, func(i int) bool { return i%3 == 0 }) // 10 data events
	ix, stop := runIndexer(t, j, store)
	if err := ix.Sync(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := count(t, store); n != 20 {
		t.Fatalf("%d events indexed, want the 20 management events", n)
	}
	if ix.Applied() != 30 {
		t.Fatalf("applied %d, want 30 (the cursor passes skipped data events)", ix.Applied())
	}
	stop()

	// A new indexer resumes from the store's cursor: nothing twice.
	appendEntries(t, j, 5, func(int) bool { return false })
	ix2, stop2 := runIndexer(t, j, store)
	defer stop2()
	if err := ix2.Sync(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := count(t, store); n != 25 {
		t.Fatalf("%d events after resume, want 25", n)
	}
}

func TestIndexerRetriesFailedBatches(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	store := &flakyStore{Memory: history.NewMemory()}
	store.failures.Store(3)
	appendEntries(t, j, 12, func(int) bool { return false })
	ix, stop := runIndexer(t, j, store)
	defer stop()
	if err := ix.Sync(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := count(t, store.Memory); n != 12 {
		t.Fatalf("%d events after retries, want 12", n)
	}
}

func TestSyncTimesOutWhenIndexIsStuck(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	store := &flakyStore{Memory: history.NewMemory()}
	store.failures.Store(1 << 30)
	appendEntries(t, j, 1, func(int) bool { return false })
	ix, stop := runIndexer(t, j, store)
	defer stop()
	err = ix.Sync(context.Background(), 100*time.Millisecond)
	if !errors.Is(err, history.ErrSyncTimeout) {
		t.Fatalf("Sync on a stuck index: %v", err)
	}
}

func TestPendingCoversWhatTheStoreDoesNotHoldYet(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	store := history.NewMemory()
	appendEntries(t, j, 10, func(i int) bool { return i%2 == 0 }) // 5 management events
	ix, err := history.NewIndexer(context.Background(), openStream(t, j), store, history.IndexerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := history.Query{Account: "111111111111", Region: "us-east-1", Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour), Limit: 50}
	// Nothing is indexed (the indexer is not running), yet every event is visible.
	pending, ok, err := ix.Pending(q, 100)
	if err != nil || !ok || len(pending) != 5 {
		t.Fatalf("pending: %d events, ok=%v, err=%v", len(pending), ok, err)
	}
	if _, ok, _ := ix.Pending(q, 9); ok {
		t.Fatal("10 pending events reported within a bound of 9")
	}
	// Once some are indexed, merging store and pending results never repeats one.
	_, stop := runIndexer(t, j, store)
	defer stop()
	deadline := time.Now().Add(5 * time.Second)
	for count(t, store) < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stored, _ := store.Lookup(context.Background(), q)
	merged := history.Merge(stored, pending, 50)
	if len(merged) != 5 {
		t.Fatalf("merge of %d stored and %d pending gave %d, want 5", len(stored), len(pending), len(merged))
	}
	for i := 1; i < len(merged); i++ {
		if !history.Less(merged[i], merged[i-1]) {
			t.Fatal("merge is not newest first")
		}
	}
}

// amnesicStore loses everything it held when its Apply fails (a store
// reopened after a failed commit whose cursor is behind the indexer).
type amnesicStore struct {
	mu       sync.Mutex
	mem      *history.Memory
	failures atomic.Int32
}

func (a *amnesicStore) store() *history.Memory {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mem
}

func (a *amnesicStore) Cursor(ctx context.Context) (uint64, error) { return a.store().Cursor(ctx) }

func (a *amnesicStore) Apply(ctx context.Context, e []event.Entry, through uint64) error {
	if a.failures.Add(-1) >= 0 {
		a.mu.Lock()
		a.mem = history.NewMemory()
		a.mu.Unlock()
		return errors.New("commit failed")
	}
	return a.store().Apply(ctx, e, through)
}

func (a *amnesicStore) Lookup(ctx context.Context, q history.Query) ([]event.Entry, error) {
	return a.store().Lookup(ctx, q)
}

func (a *amnesicStore) Expire(ctx context.Context, before time.Time) (int, error) {
	return a.store().Expire(ctx, before)
}

// After a failed batch the indexer resumes from the store's cursor, not
// its own: a store that lost committed state is re-indexed from the stream.
func TestIndexerRetryResumesFromStoreCursor(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s := &amnesicStore{mem: history.NewMemory()}
	appendEntries(t, j, 12, func(int) bool { return false })
	ix, stop := runIndexer(t, j, s)
	defer stop()
	if err := ix.Sync(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	s.failures.Store(1)
	appendEntries(t, j, 5, func(int) bool { return false })
	if err := ix.Sync(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != 17 {
		t.Fatalf("%d events after the store lost its state, want 17", n)
	}
}

// openStream is the settled stream of j, as every consumer reads it.
func openStream(t *testing.T, j *journal.Journal) *stream.Journal {
	t.Helper()
	s, err := stream.Open(j)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The indexer reports its cursor to the stream (retention) as "history":
// the store's cursor at start, then every applied batch.
func TestIndexerCommitsItsStreamCursor(t *testing.T) {
	j, err := journal.Open(t.TempDir(), journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	appendEntries(t, j, 12, func(int) bool { return false })
	src := openStream(t, j)
	ix, err := history.NewIndexer(context.Background(), src, history.NewMemory(), history.IndexerOptions{MinApplyInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if pos, ok := src.Consumers().Positions()[history.ConsumerName]; !ok || pos != 0 {
		t.Fatalf("history cursor %d (registered %v), want 0", pos, ok)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = ix.Run(ctx) }()
	if err := ix.Sync(context.Background(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if pos := src.Consumers().Positions()[history.ConsumerName]; pos != 12 {
		t.Fatalf("history cursor %d, want 12", pos)
	}
}
