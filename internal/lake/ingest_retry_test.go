package lake

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// flakyCommitEngine fails its first Append after committing it, as DuckDB
// can when a COMMIT fails after its WAL was written.
type flakyCommitEngine struct {
	ingestEngine
	failed bool
}

func (e *flakyCommitEngine) Append(ctx context.Context, rows []Row, cursors map[string]uint64) error {
	if err := e.ingestEngine.Append(ctx, rows, cursors); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.failed {
		e.failed = true
		return errors.New("Failed to commit: could not checkpoint")
	}
	return nil
}

// A retry resumes from the engine's cursors: a batch whose commit reported
// failure but went through is not appended again.
func TestIngesterRetryResumesFromEngineCursors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := openJournal(t)
	eng := &flakyCommitEngine{}
	cat := &ingestCatalog{}
	cat.set(testStore("s", 1))
	for i := range 10 {
		appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: fmt.Sprintf("e%d", i)})
	}
	in, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j), MinInterval: time.Millisecond, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		eng.mu.Lock()
		ok := eng.failed && eng.cur[CursorJournal] == 10
		eng.mu.Unlock()
		if ok && in.Applied() == 10 && in.Err() == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingest did not settle: applied %d, err %v", in.Applied(), in.Err())
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// One more event after the retry, to see the ingester moves on from there.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() { done <- in.Run(ctx2) }()
	appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "e10"})
	for in.Applied() != 11 {
		if time.Now().After(deadline) {
			t.Fatalf("applied %d after one more event", in.Applied())
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel2()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkIDs(t, eng.ids("s"), "e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10")
}
