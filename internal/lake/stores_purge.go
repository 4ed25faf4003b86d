package lake

import (
	"context"
	"fmt"
	"time"
)

// Purge removes the stores whose PendingDeletionPeriod ended at or before
// now and returns their IDs, oldest first. The caller then drops their
// events from the Engine (Engine.Drop); a crash in between leaves events of
// stores that no longer exist, which the caller recognises by their absence
// from All.
func (s *Stores) Purge(ctx context.Context, now time.Time) ([]string, error) {
	tx, err := s.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("purge event data stores: %w", err)
	}
	var ids []string
	for _, e := range tx.List("") {
		if e.Status != StatusPendingDeletion || e.Deleted.IsZero() || now.Before(e.Deleted.Add(PendingDeletionPeriod)) {
			continue
		}
		if err := tx.Delete(e.ID); err != nil {
			tx.Abort()
			return nil, fmt.Errorf("purge event data store %s: %w", e.ID, err)
		}
		ids = append(ids, e.ID)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("purge event data stores: %w", err)
	}
	return ids, nil
}
