package cloudtrail

import (
	"context"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/lake"
)

func isEventDataStoreARN(ref string) bool {
	return isARN(ref) && strings.Contains(ref, ":eventdatastore/")
}

// changeEDSTags is the tagChanger of event data stores (tags.go serves the
// tag operations naming a store ARN with it). Stores are tagged and listed
// from their home region; a store pending deletion is
// InactiveEventDataStoreException.
func (s *Service) changeEDSTags(ctx context.Context, c *api.Call, change tagChange) (*api.Result, error) {
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, deref(change.resourceID))
		if err != nil {
			return nil, err
		}
		if e.Status == lake.StatusPendingDeletion {
			return nil, errEDSInactive(e)
		}
		if e.Tags, err = applyTags(change, e.Tags, e.ARN); err != nil {
			return nil, err
		}
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		return s.edsResult(c, change.op, e, struct{}{}, false)
	})
}

// edsTagList is ListTags for an event data store ARN.
func (s *Service) edsTagList(c *api.Call, id string) (resourceTag, error) {
	e, err := findEventDataStore(s.opts.Lake.Stores, c, id)
	if err != nil {
		return resourceTag{}, errNotTagged(err, id)
	}
	if e.Status == lake.StatusPendingDeletion {
		return resourceTag{}, errEDSInactive(e)
	}
	return resourceTag{ResourceId: e.ARN, TagsList: tagShapes(e.Tags)}, nil
}
