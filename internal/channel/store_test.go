package channel

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func sample(account, region, name string) Channel {
	id := NewID()
	return Channel{ID: id, ARN: ARN(region, account, id), Account: account, Region: region, Name: name, Source: SourceCustom,
		Destinations: []Destination{{Type: DestinationEventDataStore, Location: "eds-1234", Pending: true}}, Created: t0, Updated: t0}
}

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t *testing.T, s *Store, cs ...Channel) {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if err := tx.Put(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestStorePersistsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	a, b := sample("111111111111", "us-east-1", "a"), sample("111111111111", "eu-west-1", "b")
	a.Tags, a.Policy = []Tag{{Key: "team", Value: "sec"}}, `{"Statement":[]}`
	put(t, s, a, b)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	got, ok := s.Get(a.ARN)
	if !ok || got.Name != "a" || len(got.Tags) != 1 || got.Policy != a.Policy || !got.Destinations[0].Pending {
		t.Fatalf("after reopen: %+v %v", got, ok)
	}
	if byID, ok := s.ByID(b.ID); !ok || byID.ARN != b.ARN {
		t.Fatalf("ByID %+v %v", byID, ok)
	}
	if l := s.List("111111111111", "us-east-1"); len(l) != 1 || l[0].ARN != a.ARN {
		t.Fatalf("List %+v", l)
	}
	if l := s.List("222222222222", "us-east-1"); len(l) != 0 {
		t.Fatalf("other account sees %+v", l)
	}
}

func TestStoreTxIsolationAndAbort(t *testing.T) {
	s := open(t, t.TempDir())
	c := sample("111111111111", "us-east-1", "a")
	tx, _ := s.Begin(context.Background())
	if err := tx.Put(c); err != nil {
		t.Fatal(err)
	}
	if _, ok := tx.Get(c.ARN); !ok {
		t.Fatal("tx does not see its own put")
	}
	if _, ok := s.Get(c.ARN); ok {
		t.Fatal("readers see an uncommitted put")
	}
	tx.Abort()
	tx.Abort() // no-op
	if _, ok := s.Get(c.ARN); ok {
		t.Fatal("aborted put published")
	}
	if err := tx.Put(c); !errors.Is(err, ErrTxDone) {
		t.Fatalf("put after abort: %v", err)
	}
	put(t, s, c)
	tx, _ = s.Begin(context.Background())
	if err := tx.Delete(c.ARN); err != nil {
		t.Fatal(err)
	}
	if err := tx.Delete(c.ARN); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.ByID(c.ID); ok {
		t.Fatal("deleted channel still found by ID")
	}
}

func TestStoreOneTxAtATime(t *testing.T) {
	s := open(t, t.TempDir())
	tx, _ := s.Begin(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Begin: %v", err)
	}
	tx.Abort()
	tx2, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tx2.Abort()
}

func TestStoreRejectsInvalidAndFailedWrites(t *testing.T) {
	s := open(t, t.TempDir())
	tx, _ := s.Begin(context.Background())
	bad := sample("111111111111", "us-east-1", "a")
	bad.ARN = ARN("eu-west-1", bad.Account, bad.ID)
	if err := tx.Put(bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("mismatched ARN: %v", err)
	}
	c := sample("111111111111", "us-east-1", "a")
	_ = tx.Put(c)
	s.write = func(string, []byte) error { return errors.New("disk full") }
	if err := tx.Commit(); err == nil {
		t.Fatal("commit with a failing write succeeded")
	}
	if _, ok := s.Get(c.ARN); ok {
		t.Fatal("failed commit published")
	}
}

func TestStoreLocksDirAndCleansTemp(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("second Open of a locked dir succeeded")
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, stateFile+".tmp"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	open(t, dir)
	if _, err := os.Stat(filepath.Join(dir, stateFile+".tmp")); !os.IsNotExist(err) {
		t.Fatalf("temp file left: %v", err)
	}
}

func TestStoreRejectsCorruptFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte(`{"format":"other","version":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("opened a file of another format")
	}
}

func TestIngestionStatusLazyPersistence(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	c := sample("111111111111", "us-east-1", "a")
	put(t, s, c)
	writes := 0
	s.write = func(p string, b []byte) error { writes++; return writeFile(p, b) }
	for i := 0; i < 100; i++ {
		s.UpdateIngestion(c.ARN, func(g *Ingestion) { g.LatestSuccessTime, g.LatestSuccessEventID = t0, "ev" })
	}
	s.UpdateIngestion("arn:aws:cloudtrail:us-east-1:111111111111:channel/none", func(g *Ingestion) { g.LatestErrorCode = "X" })
	if writes != 0 {
		t.Fatalf("%d writes for in-memory updates", writes)
	}
	if g := s.Ingestion(c.ARN); g.LatestSuccessEventID != "ev" {
		t.Fatalf("status %+v", g)
	}
	if err := s.Flush(); err != nil || writes != 1 {
		t.Fatalf("flush: %v, %d writes", err, writes)
	}
	if err := s.Flush(); err != nil || writes != 1 {
		t.Fatalf("unchanged flush wrote: %v, %d writes", err, writes)
	}
	s.UpdateIngestion(c.ARN, func(g *Ingestion) { g.LatestErrorCode = "InvalidChecksum" })
	if err := s.Close(); err != nil { // Close flushes
		t.Fatal(err)
	}
	s = open(t, dir)
	if g := s.Ingestion(c.ARN); !g.LatestSuccessTime.Equal(t0) || g.LatestErrorCode != "InvalidChecksum" {
		t.Fatalf("after reopen %+v", g)
	}
	if g := s.Ingestion("arn:aws:cloudtrail:us-east-1:111111111111:channel/none"); g != (Ingestion{}) {
		t.Fatalf("status of an unknown channel: %+v", g)
	}
	// Deleting the channel drops its status.
	tx, _ := s.Begin(context.Background())
	_ = tx.Delete(c.ARN)
	_ = tx.Commit()
	if g := s.Ingestion(c.ARN); g != (Ingestion{}) {
		t.Fatalf("status survived deletion: %+v", g)
	}
}

func TestIngestionFlushLoop(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{FlushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := sample("111111111111", "us-east-1", "a")
	put(t, s, c)
	s.UpdateIngestion(c.ARN, func(g *Ingestion) { g.LatestAttemptEventID = "x" })
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, _ := os.ReadFile(filepath.Join(dir, ingestionFile)); len(b) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("ingestion status never flushed in the background")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
