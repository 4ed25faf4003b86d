package lake

import (
	"errors"
	"fmt"
	"os"
)

// prune forgets stopped queries created more than Retention ago and removes
// their records and results. Queries whose results are still being
// delivered are kept until the delivery is done.
func (q *Queries) prune() error {
	cutoff := q.now().Add(-q.opts.Retention)
	var expired []string
	q.mu.Lock()
	for id, qr := range q.queries {
		if qr.info.Terminal() && qr.info.Created.Before(cutoff) && qr.info.DeliveryStatus != DeliveryPending {
			expired = append(expired, id)
			delete(q.queries, id)
			for _, seq := range qr.info.Seqs {
				q.prunedSeq = max(q.prunedSeq, seq)
			}
		}
	}
	q.mu.Unlock()
	var errs []error
	for _, id := range expired {
		if err := os.RemoveAll(q.queryDir(id)); err != nil {
			errs = append(errs, fmt.Errorf("remove expired query %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}
