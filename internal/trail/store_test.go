package trail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/selector"
)

func openStore(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sample(account, region, name string) Trail {
	return Trail{ID: NewID(), Account: account, HomeRegion: region, Name: name, ARN: ARN(region, account, name),
		S3BucketName: "logs", IncludeGlobalServiceEvents: true, Created: t0}
}

func put(t *testing.T, s *Store, trails ...Trail) {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trails {
		if err := tx.Put(tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestStorePersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	yes := true
	a := sample("111111111111", "us-east-1", "main")
	a.IsMultiRegionTrail, a.Tags = true, []Tag{{"team", "sec"}, {"empty", ""}}
	a.Selectors = selector.Set{Basic: []selector.EventSelector{{ReadWriteType: "WriteOnly", IncludeManagementEvents: &yes}}}
	a.HasCustomEventSelectors = true
	a.InsightSelectors = []InsightSelector{{InsightType: "ApiErrorRateInsight"}}
	a.StartLogging(7, t0)
	a.StopLogging(9, t0.Add(time.Minute))
	b := sample("222222222222", "eu-west-1", "other")
	put(t, s, a, b)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, dir, Options{})
	got, ok := s2.Get(a.Account, a.ARN)
	if !ok || got.ID != a.ID || !got.IsMultiRegionTrail || len(got.Tags) != 2 || got.Tags[1] != (Tag{"empty", ""}) ||
		got.Selectors.Basic[0].ReadWriteType != "WriteOnly" || !*got.Selectors.Basic[0].IncludeManagementEvents ||
		!got.HasCustomEventSelectors || got.InsightSelectors[0].InsightType != "ApiErrorRateInsight" ||
		len(got.Windows) != 1 || got.Windows[0] != (Window{7, t0, 9, t0.Add(time.Minute)}) || !got.Created.Equal(t0) {
		t.Fatalf("reopened trail %+v", got)
	}
	if all := s2.All(); len(all) != 2 || all[0].Account != "111111111111" || all[1].Name != "other" {
		t.Fatalf("All %+v", all)
	}
	if mine := s2.ByAccount("222222222222"); len(mine) != 1 || mine[0].ARN != b.ARN {
		t.Fatalf("ByAccount %+v", mine)
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile+".tmp")); !os.IsNotExist(err) {
		t.Fatalf("temp file left: %v", err)
	}
}

func TestStoreLocksDirectory(t *testing.T) {
	dir := t.TempDir()
	openStore(t, dir, Options{})
	if s, err := Open(dir, Options{}); err == nil {
		s.Close()
		t.Fatal("second Open of a locked directory succeeded")
	}
}

func TestStoreRejectsCorruptState(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(`{"format":"other","version":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(dir, Options{}); err == nil {
		s.Close()
		t.Fatal("opened a state file of another format")
	}
}

func TestTxCommitAndAbort(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	a := sample("111111111111", "us-east-1", "main")
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(a); err != nil {
		t.Fatal(err)
	}
	if _, ok := tx.Get(a.Account, a.ARN); !ok {
		t.Fatal("tx does not see its own Put")
	}
	if len(tx.ByAccount(a.Account)) != 1 {
		t.Fatal("tx ByAccount misses its own Put")
	}
	if _, ok := s.Get(a.Account, a.ARN); ok {
		t.Fatal("staged trail visible before Commit")
	}
	tx.Abort()
	tx.Abort() // idempotent
	if _, ok := s.Get(a.Account, a.ARN); ok {
		t.Fatal("aborted trail visible")
	}
	if err := tx.Put(a); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Put after Abort: %v", err)
	}
	put(t, s, a)
	if _, ok := s.Get(a.Account, a.ARN); !ok {
		t.Fatal("committed trail missing")
	}
	tx, _ = s.Begin(context.Background())
	if err := tx.Delete(a.Account, "arn:nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a missing trail: %v", err)
	}
	if err := tx.Delete(a.Account, a.ARN); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("second Commit: %v", err)
	}
	if _, ok := s.Get(a.Account, a.ARN); ok {
		t.Fatal("deleted trail still there")
	}
	tx, _ = s.Begin(context.Background())
	if err := tx.Put(Trail{Name: "x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Put of an incomplete trail: %v", err)
	}
	tx.Abort()
}

func TestTxCommitFailureChangesNothing(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	s.write = func(string, []byte) error { return errors.New("disk full") }
	tx, _ := s.Begin(context.Background())
	_ = tx.Put(sample("111111111111", "us-east-1", "main"))
	if err := tx.Commit(); err == nil {
		t.Fatal("Commit succeeded with a failing write")
	}
	if len(s.All()) != 0 {
		t.Fatal("failed commit published its change")
	}
	if tx2, err := s.Begin(context.Background()); err != nil {
		t.Fatal("write lock not released after a failed commit")
	} else {
		tx2.Abort()
	}
}

func TestTxSerializesWriters(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	tx, _ := s.Begin(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(ctx); err == nil {
		t.Fatal("second Begin while a Tx is open")
	}
	// Concurrent transactions each read-check-write; none loses an update.
	tx.Abort()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tx, err := s.Begin(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := len(tx.ByAccount("111111111111"))
			if err := tx.Put(sample("111111111111", "us-east-1", "t"+string(rune('a'+n)))); err != nil {
				t.Error(err)
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(s.All()); n != 8 {
		t.Fatalf("%d trails after 8 serialized creates", n)
	}
}

func TestStoreKeepsLastWindows(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{MaxWindows: 3})
	a := sample("111111111111", "us-east-1", "main")
	for i := uint64(1); i <= 5; i++ {
		a.StartLogging(i*10, t0)
		a.StopLogging(i*10+1, t0)
	}
	put(t, s, a)
	got, _ := s.Get(a.Account, a.ARN)
	if len(got.Windows) != 3 || got.Windows[0].Start != 30 || got.Windows[2].Start != 50 {
		t.Fatalf("windows %+v", got.Windows)
	}
}

func TestSubscribe(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	ch, cancel := s.Subscribe()
	other, cancelOther := s.Subscribe()
	defer cancelOther()
	put(t, s, sample("111111111111", "us-east-1", "one"))
	put(t, s, sample("111111111111", "us-east-1", "two")) // coalesces: buffer of 1, no blocking
	select {
	case <-ch:
	default:
		t.Fatal("no notification after a commit")
	}
	select {
	case <-ch:
		t.Fatal("two notifications for a reader that was busy")
	default:
	}
	tx, _ := s.Begin(context.Background())
	tx.Abort()
	tx, _ = s.Begin(context.Background())
	_ = tx.Commit() // no changes
	select {
	case <-ch:
		t.Fatal("notified without a committed change")
	default:
	}
	cancel()
	cancel()
	put(t, s, sample("111111111111", "us-east-1", "three"))
	select {
	case <-ch:
		t.Fatal("notified after cancel")
	default:
	}
	select {
	case <-other:
	default:
		t.Fatal("other subscriber not notified")
	}
}

func TestCloseStopsWriters(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, sample("111111111111", "us-east-1", "main"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close: %v", err)
	}
	if len(s.All()) != 1 {
		t.Fatal("reads stopped after Close")
	}
}
