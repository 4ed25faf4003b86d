package jsonstore

import "slices"

// MaxApplied is how many applied seqs a store keeps in its file. A store has
// one open Tx at a time and a call is recorded while its Tx is open, so the
// seqs a store commits ascend and at most one call per store is in flight
// at a crash: a short window answers exactly.
const MaxApplied = 64

// withApplied returns the applied list with seq added (seq 0: unchanged).
// Only the writer-slot holder calls it.
func (s *Store[S]) withApplied(seq uint64) []uint64 {
	s.appliedMu.Lock()
	defer s.appliedMu.Unlock()
	out := slices.Clone(s.applied)
	if seq == 0 {
		return out
	}
	out = append(out, seq)
	if len(out) > MaxApplied {
		out = out[len(out)-MaxApplied:]
	}
	return out
}

func (s *Store[S]) setApplied(list []uint64) {
	s.appliedMu.Lock()
	s.applied = list
	s.appliedMu.Unlock()
}

// Applied reports whether the call recorded at stream seq was committed with
// CommitAt. known is false when seq is older than the window kept (the
// answer is then lost); a seq inside the window that is not listed was not
// committed with CommitAt. Only calls whose every commit path uses CommitAt
// may be checked so (settle.Checker).
func (s *Store[S]) Applied(seq uint64) (applied, known bool) {
	s.appliedMu.Lock()
	defer s.appliedMu.Unlock()
	if slices.Contains(s.applied, seq) {
		return true, true
	}
	if len(s.applied) < MaxApplied || seq > s.applied[0] {
		return false, true
	}
	return false, false
}
