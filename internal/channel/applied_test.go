package channel

import (
	"context"
	"testing"
)

// CommitAt keeps the call's seq with the change: Applied answers false for
// a seq whose commit never ran and true once it ran, across a reopen.
func TestCommitAtAnswersApplied(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(sample("111111111111", "us-east-1", "never")); err != nil {
		t.Fatal(err)
	}
	tx.Abort() // seq 5: recorded, never committed
	tx, _ = s.Begin(context.Background())
	if err := tx.Put(sample("111111111111", "us-east-1", "done")); err != nil {
		t.Fatal(err)
	}
	if err := tx.CommitAt(6); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, seq uint64, want bool) {
		t.Helper()
		if a, k := s.Applied(seq); a != want || !k {
			t.Fatalf("Applied(%d) = %v, %v; want %v, true", seq, a, k, want)
		}
	}
	check(s, 5, false)
	check(s, 6, true)
	s.Close()
	s2 := open(t, dir)
	check(s2, 5, false)
	check(s2, 6, true)
	check(s2, 7, false)
}
