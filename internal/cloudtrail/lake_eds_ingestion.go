package cloudtrail

import (
	"context"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

// startEventDataStoreIngestion restarts a stopped store: it receives events
// again from this call's event on.
func (s *Service) startEventDataStoreIngestion(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.setIngestion(ctx, c, "StartEventDataStoreIngestion", lake.StatusStoppedIngestion, lake.StatusEnabled)
}

// stopEventDataStoreIngestion stops an enabled store: it receives events up
// to and including this call's event, and keeps them.
func (s *Service) stopEventDataStoreIngestion(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.setIngestion(ctx, c, "StopEventDataStoreIngestion", lake.StatusEnabled, lake.StatusStoppedIngestion)
}

// setIngestion moves a store of a category whose ingestion can be
// controlled from status from to status to, opening or closing its
// ingestion windows at the call's event.
func (s *Service) setIngestion(ctx context.Context, c *api.Call, op, from, to string) (*api.Result, error) {
	var in edsRefInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, deref(in.EventDataStore))
		if err != nil {
			return nil, err
		}
		if !e.IngestionControllable() {
			return nil, cterr.InvalidEventDataStoreCategory.New("%s applies to event data stores of Management, Data, NetworkActivity or ConfigurationItem events; %s holds %s events.",
				op, e.ARN, strings.Join(e.Categories(), " and "))
		}
		if e.Status != from {
			return nil, cterr.InvalidEventDataStoreStatus.New("Event data store %s is %s; %s needs it to be %s.", e.ARN, e.Status, op, from)
		}
		e.Status, e.Updated = to, s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		if to == lake.StatusEnabled {
			err = tx.OpenWindows(e.ID)
		} else {
			err = tx.CloseWindows(e.ID)
		}
		if err != nil {
			return nil, err
		}
		return s.edsResult(c, op, e, struct{}{}, false)
	})
}
