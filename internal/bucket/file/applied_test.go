package file

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// ObjectApplied answers for object writes and deletes of recorded calls:
// false for a seq whose commit never ran (or whose line is durable but
// whose rename or removal never happened: a crash in between), true once
// it ran, across a reopen.
func TestObjectAppliedAnswersExactly(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, "bkt", bucket.CreateOptions{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	stage := func(key, body string) *staged {
		t.Helper()
		p, err := s.stage(ctx, "bkt", key, bytes.NewReader([]byte(body)), bucket.PutOptions{Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	stage("never", "x").Abort() // seq 10: commit never ran
	if err := stage("k", "v1").CommitAt(11); err != nil {
		t.Fatal(err)
	}
	if err := stage("k", "v2").CommitAt(12); err != nil { // overwrites 11: 11 still took effect
		t.Fatal(err)
	}
	// seq 13: its line is durable, then the process died before the rename.
	p := stage("k", "v3")
	if err := s.applied.Append(AppliedLine{Seq: 13, Op: "put", Bucket: "bkt", Key: "k", Stage: p.stage}); err != nil {
		t.Fatal(err)
	}
	if err := stage("gone", "x").CommitAt(14); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAt(ctx, "bkt", "gone", 15); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAt(ctx, "bkt", "missing", 16); err != nil { // deleting a missing key succeeds
		t.Fatal(err)
	}
	// seq 17: a delete whose line is durable, died before the removal
	// (each key's own last line: a crash stops every key at once).
	if err := stage("kept", "x").CommitAt(19); err != nil {
		t.Fatal(err)
	}
	if err := s.applied.Append(AppliedLine{Seq: 17, Op: "delete", Bucket: "bkt", Key: "kept"}); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]bool{10: false, 11: true, 12: true, 13: false, 14: true, 15: true, 16: true, 17: false, 18: false, 19: true}
	check := func(s *Store) {
		t.Helper()
		for seq, w := range want {
			if a, k := s.ObjectApplied(seq); a != w || !k {
				t.Errorf("ObjectApplied(%d) = %v, %v; want %v, true", seq, a, k, w)
			}
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(s2)
	if _, info, err := s2.Get(ctx, "bkt", "k", nil); err != nil || info.Size != 2 {
		t.Fatalf("k after reopen: %+v %v", info, err)
	}
}

// A torn last line (the process died while appending it) is dropped at
// open: its operation never ran.
func TestAppliedLogDropsTornTail(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenAppliedLog(dir + "/APPLIED")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(AppliedLine{Seq: 1, Op: "put", Bucket: "bkt", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.f.Write([]byte(`{"seq":2,"op":"pu`)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	l2, err := OpenAppliedLog(dir + "/APPLIED")
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if len(l2.lines) != 1 || l2.lines[0].Seq != 1 {
		t.Fatalf("lines after reopen: %+v", l2.lines)
	}
	if err := l2.Append(AppliedLine{Seq: 3, Op: "delete", Bucket: "bkt", Key: "k"}); err != nil {
		t.Fatal(err)
	}
}

// Concurrent appends share fsyncs and survive trims: every line appended
// is answered after a reopen unless a trim dropped it, and a dropped seq
// below the kept ones is "cannot tell", never "not applied".
func TestAppliedLogTrimsUnderConcurrency(t *testing.T) {
	keep, max := appliedKeep, appliedMax
	appliedKeep, appliedMax = 8, 16
	t.Cleanup(func() { appliedKeep, appliedMax = keep, max })
	path := t.TempDir() + "/APPLIED"
	l, err := OpenAppliedLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				seq := uint64(1 + w*10 + i)
				if err := l.Append(AppliedLine{Seq: seq, Op: "delete", Bucket: "bkt", Key: fmt.Sprint(seq)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	l.Close()
	l2, err := OpenAppliedLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if !l2.trimmed || len(l2.lines) < appliedKeep || len(l2.lines) > appliedMax {
		t.Fatalf("after 40 appends: trimmed %v, %d lines", l2.trimmed, len(l2.lines))
	}
	gone := func(AppliedLine) (bool, error) { return true, nil }
	scope := func(a AppliedLine) string { return a.Key }
	for _, a := range l2.lines {
		if got, known := l2.Applied(a.Seq, scope, gone); !got || !known {
			t.Errorf("kept seq %d: %v, %v", a.Seq, got, known)
		}
	}
	if got, known := l2.Applied(l2.minSeq-1, scope, gone); l2.minSeq > 1 && (got || known) {
		t.Errorf("trimmed seq %d: %v, %v; want cannot tell", l2.minSeq-1, got, known)
	}
	if got, known := l2.Applied(1000, scope, gone); got || !known {
		t.Errorf("seq never appended: %v, %v; want not applied", got, known)
	}
}
