package jsonstore

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// CommitAt records the call's seq with the state, atomically: it survives a
// reopen, a failed write records nothing, a no-change commit still records
// it, and Applied answers exactly within the window it keeps.
func TestCommitAtRecordsAppliedSeqs(t *testing.T) {
	dir := t.TempDir()
	var failing bool
	s := openDoc(t, dir, func(o *Options[doc]) {
		o.WriteFile = func(p string, b []byte, m os.FileMode) error {
			if failing {
				return errors.New("disk full")
			}
			return fsutil.WriteFileAtomic(p, b, m)
		}
	})
	commitAt := func(seq uint64, change bool) error {
		tx, err := s.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if change {
			st, _ := tx.Mutable()
			if st.Items == nil {
				st.Items = map[string]int{}
			}
			st.Items["k"] = int(seq)
		}
		return tx.CommitAt(seq)
	}
	if err := commitAt(10, true); err != nil {
		t.Fatal(err)
	}
	failing = true
	if err := commitAt(11, true); err == nil {
		t.Fatal("commit on a failing disk succeeded")
	}
	failing = false
	if err := commitAt(12, false); err != nil {
		t.Fatal(err)
	}
	if _, v := s.Snapshot(); v != 2 {
		t.Fatalf("version %d: a no-change CommitAt must publish nothing", v)
	}
	check := func(s *Store[doc], seq uint64, applied, known bool) {
		t.Helper()
		if a, k := s.Applied(seq); a != applied || k != known {
			t.Fatalf("Applied(%d) = %v, %v; want %v, %v", seq, a, k, applied, known)
		}
	}
	check(s, 10, true, true)
	check(s, 11, false, true)
	check(s, 12, true, true)
	s.Close()
	s2 := openDoc(t, dir)
	check(s2, 10, true, true)
	check(s2, 11, false, true)
	if got := s2.Load().Items["k"]; got != 10 {
		t.Fatalf("state after reopen: %v", s2.Load().Items)
	}
	for seq := uint64(100); seq < 100+MaxApplied; seq++ {
		tx, _ := s2.Begin(context.Background())
		if err := tx.CommitAt(seq); err != nil {
			t.Fatal(err)
		}
	}
	check(s2, 10, false, false) // fell out of the window: unknown
	check(s2, 100+MaxApplied, false, true)
	check(s2, 100, true, true)
}
