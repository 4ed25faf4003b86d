package cloudtrail

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

// deleteEventDataStore puts a store in PENDING_DELETION: it stops
// ingesting (its windows end at this call's event), keeps its events and
// name, and is purged lake.PendingDeletionPeriod later unless restored.
func (s *Service) deleteEventDataStore(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in edsRefInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, deref(in.EventDataStore))
		if err != nil {
			return nil, err
		}
		switch {
		case e.Status == lake.StatusPendingDeletion:
			return nil, errEDSInactive(e)
		case e.TerminationProtectionEnabled:
			return nil, cterr.EventDataStoreTerminationProtected.New("Event data store %s has termination protection enabled: disable it with UpdateEventDataStore first.", e.ARN)
		}
		if ch, ok := s.channelUsing(e); ok {
			return nil, cterr.ChannelExistsForEDS.New("Event data store %s is the destination of channel %s: delete the channel or change its destinations first.", e.ARN, ch.ARN)
		}
		if s.opts.Lake.Stores.OngoingImport(e.ID) {
			return nil, errEDSImporting(e)
		}
		now := s.callTime(c).Truncate(time.Millisecond)
		e.StatusBeforeDelete, e.Status, e.Deleted, e.Updated = e.Status, lake.StatusPendingDeletion, now, now
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		if err := tx.CloseWindows(e.ID); err != nil {
			return nil, err
		}
		return s.edsResult(c, "DeleteEventDataStore", e, struct{}{}, false)
	})
}

// channelUsing returns a channel of e's account and region with e among
// its destinations (by ARN or ID).
func (s *Service) channelUsing(e lake.EventDataStore) (channel.Channel, bool) {
	if s.opts.Channels == nil {
		return channel.Channel{}, false
	}
	for _, ch := range s.opts.Channels.List(e.Account, e.Region) {
		for _, d := range ch.Destinations {
			if d.Type == channel.DestinationEventDataStore && (d.Location == e.ARN || d.Location == e.ID) {
				return ch, true
			}
		}
	}
	return channel.Channel{}, false
}

// restoreEventDataStore brings back a store pending deletion, within
// lake.PendingDeletionPeriod of its deletion, in the status it had; a store
// that was ingesting ingests again from this call's event on.
func (s *Service) restoreEventDataStore(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in edsRefInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, deref(in.EventDataStore))
		if err != nil {
			return nil, err
		}
		now := s.callTime(c).Truncate(time.Millisecond)
		switch {
		case e.Status != lake.StatusPendingDeletion:
			return nil, cterr.InvalidEventDataStoreStatus.New("Event data store %s is %s: only a store pending deletion can be restored.", e.ARN, e.Status)
		case !now.Before(e.Deleted.Add(lake.PendingDeletionPeriod)):
			return nil, cterr.InvalidEventDataStoreStatus.New("Event data store %s was deleted more than 7 days ago and can no longer be restored.", e.ARN)
		case activeInRegion(tx, e.Account, e.Region) >= s.opts.Lake.Stores.MaxPerRegion():
			return nil, s.errEDSLimit(e.Account, e.Region)
		}
		e.Status = e.StatusBeforeDelete
		if e.Status == "" {
			e.Status = lake.StatusEnabled
		}
		e.StatusBeforeDelete, e.Deleted, e.Updated = "", time.Time{}, now
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		if e.Status == lake.StatusEnabled {
			if err := tx.OpenWindows(e.ID); err != nil {
				return nil, err
			}
		}
		return s.edsResult(c, "RestoreEventDataStore", e, describeEDS(e), true)
	})
}
