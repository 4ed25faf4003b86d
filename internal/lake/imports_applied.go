package lake

import "slices"

// recordSeq keeps seq in the import's file for a call that changes nothing
// else (StopImport of a stopped import), so that Applied answers for it.
func (im *Imports) recordSeq(st *importState, seq uint64) error {
	if seq == 0 {
		return nil
	}
	im.mu.Lock()
	prev := st.rec.Seqs
	st.rec.Seqs = appendSeq(st.rec.Seqs, seq)
	im.mu.Unlock()
	if err := im.save(st); err != nil {
		im.mu.Lock()
		st.rec.Seqs = prev
		im.mu.Unlock()
		return err
	}
	return nil
}

// Applied reports whether the StartImport or StopImport call recorded at
// stream seq took effect: an import's file lists seq (written in the same
// atomic replace as the change). Imports are never removed, so the answer
// is known unless seq fell out of an import's window of maxQuerySeqs seqs.
func (im *Imports) Applied(seq uint64) (applied, known bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	known = true
	for _, st := range im.imports {
		if slices.Contains(st.rec.Seqs, seq) {
			return true, true
		}
		if len(st.rec.Seqs) >= maxQuerySeqs && seq < st.rec.Seqs[0] {
			known = false
		}
	}
	return false, known
}
