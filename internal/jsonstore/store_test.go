package jsonstore

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

type doc struct {
	Items map[string]int `json:"items,omitempty"`
}

func cloneDoc(d *doc) *doc { return &doc{Items: maps.Clone(d.Items)} }

func docOptions() Options[doc] {
	return Options[doc]{File: "doc.json", Format: "test-doc", Version: 1, Clone: cloneDoc,
		Validate: func(d *doc) error {
			for k, v := range d.Items {
				if v < 0 {
					return errors.New("negative item " + k)
				}
			}
			return nil
		}}
}

func openDoc(t *testing.T, dir string, tweak ...func(*Options[doc])) *Store[doc] {
	t.Helper()
	opts := docOptions()
	for _, f := range tweak {
		f(&opts)
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// set commits items[k] = v.
func set(t *testing.T, s *Store[doc], k string, v int) error {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Mutable()
	if err != nil {
		t.Fatal(err)
	}
	if st.Items == nil {
		st.Items = map[string]int{}
	}
	st.Items[k] = v
	return tx.Commit()
}

func TestOpenEmptyCommitAndReopen(t *testing.T) {
	dir := t.TempDir()
	s := openDoc(t, dir)
	if st, v := s.Snapshot(); len(st.Items) != 0 || v != 1 {
		t.Fatalf("fresh store %+v version %d", st, v)
	}
	if _, err := os.Stat(filepath.Join(dir, "doc.json")); !os.IsNotExist(err) {
		t.Fatalf("state file written before any commit: %v", err)
	}
	if err := set(t, s, "a", 1); err != nil {
		t.Fatal(err)
	}
	if err := set(t, s, "b", 2); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "doc.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"format\": \"test-doc\",\n  \"version\": 1,\n  \"items\": {\n    \"a\": 1,\n    \"b\": 2\n  }\n}\n"
	if string(b) != want {
		t.Fatalf("file\n%s\nwant\n%s", b, want)
	}
	if _, v := s.Snapshot(); v != 3 {
		t.Fatalf("version %d after two commits", v)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDoc(t, dir)
	if st := s.Load(); st.Items["a"] != 1 || st.Items["b"] != 2 || len(st.Items) != 2 {
		t.Fatalf("after reopen %+v", st)
	}
}

func TestEmptyStateEncodesHeaderOnly(t *testing.T) {
	dir := t.TempDir()
	s := openDoc(t, dir)
	tx, _ := s.Begin(context.Background())
	if _, err := tx.Mutable(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "doc.json"))
	if string(b) != "{\n  \"format\": \"test-doc\",\n  \"version\": 1\n}\n" {
		t.Fatalf("file %q", b)
	}
	s.Close()
	openDoc(t, dir)
}

func TestTxIsolationAndAbort(t *testing.T) {
	s := openDoc(t, t.TempDir())
	if err := set(t, s, "a", 1); err != nil {
		t.Fatal(err)
	}
	tx, _ := s.Begin(context.Background())
	if tx.View() != s.Load() {
		t.Fatal("a Tx without changes should see the published state")
	}
	st, _ := tx.Mutable()
	st.Items["a"] = 5
	st.Items["c"] = 3
	if tx.View().Items["a"] != 5 {
		t.Fatal("the Tx does not see its own change")
	}
	if s.Load().Items["a"] != 1 || len(s.Load().Items) != 1 {
		t.Fatalf("readers see staged changes: %+v", s.Load())
	}
	tx.Abort()
	tx.Abort() // idempotent
	if s.Load().Items["a"] != 1 || len(s.Load().Items) != 1 {
		t.Fatalf("after Abort %+v", s.Load())
	}
	if _, err := tx.Mutable(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Mutable after Abort: %v", err)
	}
	if err := tx.Commit(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Commit after Abort: %v", err)
	}
	if err := set(t, s, "b", 2); err != nil { // the writer slot was released
		t.Fatal(err)
	}
}

func TestNoChangeCommitPublishesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openDoc(t, dir)
	ch := s.Changed()
	tx, _ := s.Begin(context.Background())
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("second Commit: %v", err)
	}
	tx.Abort() // no-op after Commit
	select {
	case <-ch:
		t.Fatal("Changed closed by a commit without changes")
	default:
	}
	if _, v := s.Snapshot(); v != 1 {
		t.Fatalf("version %d", v)
	}
	if _, err := os.Stat(filepath.Join(dir, "doc.json")); !os.IsNotExist(err) {
		t.Fatalf("state file written: %v", err)
	}
}

func TestChangedClosedOnCommit(t *testing.T) {
	s := openDoc(t, t.TempDir())
	ch := s.Changed()
	if err := set(t, s, "a", 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("Changed not closed by a commit")
	}
	next := s.Changed()
	if next == ch {
		t.Fatal("Changed not replaced")
	}
	select {
	case <-next:
		t.Fatal("the new Changed channel is already closed")
	default:
	}
}

func TestCommitFailureChangesNothing(t *testing.T) {
	dir := t.TempDir()
	fail := errors.New("disk full")
	s := openDoc(t, dir, func(o *Options[doc]) {
		o.WriteFile = func(string, []byte, os.FileMode) error { return fail }
	})
	ch := s.Changed()
	if err := set(t, s, "a", 1); !errors.Is(err, fail) || !strings.Contains(err.Error(), "doc.json") {
		t.Fatalf("commit: %v", err)
	}
	if len(s.Load().Items) != 0 {
		t.Fatalf("published after a failed write: %+v", s.Load())
	}
	select {
	case <-ch:
		t.Fatal("Changed closed by a failed commit")
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang, not a slow machine
	defer cancel()
	tx, err := s.Begin(ctx) // the writer slot was released
	if err != nil {
		t.Fatal(err)
	}
	tx.Abort()
}

func TestValidateOnCommitAndLoad(t *testing.T) {
	dir := t.TempDir()
	s := openDoc(t, dir)
	if err := set(t, s, "bad", -1); err == nil || !strings.Contains(err.Error(), "negative item bad") {
		t.Fatalf("commit of an invalid state: %v", err)
	}
	if len(s.Load().Items) != 0 {
		t.Fatal("invalid state published")
	}
	s.Close()
	os.WriteFile(filepath.Join(dir, "doc.json"), []byte(`{"format":"test-doc","version":1,"items":{"x":-2}}`), 0o600)
	if _, err := Open(dir, docOptions()); err == nil || !strings.Contains(err.Error(), "negative item x") {
		t.Fatalf("open of an invalid file: %v", err)
	}
}

func TestOpenRefusesOtherFormatsAndGarbage(t *testing.T) {
	for _, content := range []string{
		`{"format":"other","version":1}`,
		`{"format":"test-doc","version":2}`,
		`not json`,
		`{"format":"test-doc","version":1,"items":[1]}`,
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "doc.json"), []byte(content), 0o600)
		if s, err := Open(dir, docOptions()); err == nil {
			s.Close()
			t.Fatalf("opened %s", content)
		}
		// The lock was released: a valid file opens now.
		os.WriteFile(filepath.Join(dir, "doc.json"), []byte(`{"format":"test-doc","version":1}`), 0o600)
		openDoc(t, dir)
	}
	if _, err := Open(t.TempDir(), Options[doc]{File: "x.json", Format: "f", Version: 1}); err == nil {
		t.Fatal("opened without Clone")
	}
}

func TestOpenRemovesStaleTemp(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "doc.json.tmp")
	os.WriteFile(tmp, []byte("partial"), 0o600)
	openDoc(t, dir)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("stale temp file left: %v", err)
	}
}

func TestDirectoryLock(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no flock")
	}
	dir := t.TempDir()
	s := openDoc(t, dir)
	if _, err := Open(dir, docOptions()); err == nil {
		t.Fatal("a second Open of a locked directory succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	openDoc(t, dir)
}

func TestBeginWaitsForOpenTx(t *testing.T) {
	s := openDoc(t, t.TempDir())
	tx, _ := s.Begin(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Begin: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		tx2, err := s.Begin(context.Background())
		if err == nil {
			tx2.Abort()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Begin did not wait: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	tx.Abort()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

func TestCloseWaitsForTxThenRefusesBegin(t *testing.T) {
	s := openDoc(t, t.TempDir())
	tx, _ := s.Begin(context.Background())
	st, _ := tx.Mutable()
	st.Items = map[string]int{"a": 1}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
		t.Fatal("Close did not wait for the open Tx")
	case <-time.After(20 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close: %v", err)
	}
	if s.Load().Items["a"] != 1 {
		t.Fatal("reads stopped working after Close")
	}
}

func TestNewBuildsTheEmptyAndDecodedState(t *testing.T) {
	dir := t.TempDir()
	calls := 0
	withNew := func(o *Options[doc]) {
		o.New = func() (*doc, error) {
			calls++
			if _, err := os.Stat(filepath.Join(dir, "LOCK")); err != nil {
				t.Errorf("New called before the directory was locked: %v", err)
			}
			return &doc{Items: map[string]int{"default": 7}}, nil
		}
	}
	s := openDoc(t, dir, withNew)
	if calls != 1 || s.Load().Items["default"] != 7 {
		t.Fatalf("%d calls, state %+v", calls, s.Load())
	}
	s.Close()
	// The file is decoded into New's value: members it lacks keep theirs.
	os.WriteFile(filepath.Join(dir, "doc.json"), []byte(`{"format":"test-doc","version":1,"items":{"a":1}}`), 0o600)
	s = openDoc(t, dir, withNew)
	if calls != 2 || s.Load().Items["a"] != 1 || s.Load().Items["default"] != 7 {
		t.Fatalf("%d calls, state %+v", calls, s.Load())
	}
	s.Close()
	fail := errors.New("no key")
	_, err := Open(dir, Options[doc]{File: "doc.json", Format: "test-doc", Version: 1, Clone: cloneDoc,
		New: func() (*doc, error) { return nil, fail }})
	if !errors.Is(err, fail) {
		t.Fatalf("Open with a failing New: %v", err)
	}
	openDoc(t, dir) // the lock was released
}

func TestTxErr(t *testing.T) {
	s := openDoc(t, t.TempDir())
	tx, _ := s.Begin(context.Background())
	if err := tx.Err(); err != nil {
		t.Fatalf("Err of an open Tx: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Err(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Err after Commit: %v", err)
	}
	tx, _ = s.Begin(context.Background())
	tx.Abort()
	if err := tx.Err(); !errors.Is(err, ErrTxDone) {
		t.Fatalf("Err after Abort: %v", err)
	}
}

func TestPublishedCalledWithEachCommittedState(t *testing.T) {
	var got []int
	var s *Store[doc]
	s = openDoc(t, t.TempDir(), func(o *Options[doc]) {
		o.Published = func(d *doc) {
			if d != s.Load() {
				t.Error("Published called before the state was published")
			}
			got = append(got, d.Items["a"])
		}
	})
	if err := set(t, s, "a", 1); err != nil {
		t.Fatal(err)
	}
	tx, _ := s.Begin(context.Background())
	if err := tx.Commit(); err != nil { // no change: nothing published
		t.Fatal(err)
	}
	if err := set(t, s, "a", 2); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("Published saw %v", got)
	}
}

func TestEncodeAndReadFile(t *testing.T) {
	dir := t.TempDir()
	var d doc
	if found, err := ReadFile(dir, "other.json", "test-other", 3, &d); found || err != nil {
		t.Fatalf("missing file: %v %v", found, err)
	}
	b, err := Encode("test-other", 3, doc{Items: map[string]int{"x": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"format\": \"test-other\",\n  \"version\": 3,\n  \"items\": {\n    \"x\": 1\n  }\n}\n"; string(b) != want {
		t.Fatalf("Encode %q", b)
	}
	if _, err := Encode("test-other", 3, []int{1}); err == nil {
		t.Fatal("encoded a JSON array")
	}
	os.WriteFile(filepath.Join(dir, "other.json"), b, 0o600)
	os.WriteFile(filepath.Join(dir, "other.json.tmp"), []byte("partial"), 0o600)
	if found, err := ReadFile(dir, "other.json", "test-other", 3, &d); !found || err != nil || d.Items["x"] != 1 {
		t.Fatalf("ReadFile: %v %v %+v", found, err, d)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.json.tmp")); !os.IsNotExist(err) {
		t.Fatalf("stale temp file left: %v", err)
	}
	if _, err := ReadFile(dir, "other.json", "test-other", 4, &d); err == nil {
		t.Fatal("read a document of another version")
	}
}
