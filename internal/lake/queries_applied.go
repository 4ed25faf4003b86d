package lake

import "slices"

// maxQuerySeqs bounds the seqs a query record keeps (Seqs): its StartQuery
// and the CancelQuery calls made on it.
const maxQuerySeqs = 8

// appendSeq adds seq to a record's seqs, keeping the last maxQuerySeqs.
func appendSeq(seqs []uint64, seq uint64) []uint64 {
	seqs = append(slices.Clone(seqs), seq)
	if len(seqs) > maxQuerySeqs {
		seqs = seqs[len(seqs)-maxQuerySeqs:]
	}
	return seqs
}

// Applied reports whether the StartQuery or CancelQuery call recorded at
// stream seq took effect: a query record lists seq (written in the same
// atomic replace as the change). known is false when the answer may be
// lost: seq is not above the highest seq of a query pruned since Queries
// opened (pruning runs at open, before recovery asks).
func (q *Queries) Applied(seq uint64) (applied, known bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, qr := range q.queries {
		if slices.Contains(qr.info.Seqs, seq) {
			return true, true
		}
	}
	return false, seq > q.prunedSeq
}
