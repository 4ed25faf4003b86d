package cloudtrail

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

// ListEventDataStores page sizes (MaxResults 1-1000; the default is the maximum).
const maxListEventDataStores = 1000

type edsRefInput struct {
	EventDataStore *string `json:"EventDataStore"`
}

// getEventDataStore describes a store of the calling region, pending
// deletion or not.
func (s *Service) getEventDataStore(_ context.Context, c *api.Call) (*api.Result, error) {
	var in edsRefInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	e, err := findEventDataStore(s.opts.Lake.Stores, c, deref(in.EventDataStore))
	if err != nil {
		return nil, err
	}
	out := describeEDS(e)
	out.FederationStatus, out.PartitionKeys = federationDisabled, edsPartitionKeys
	return s.edsResult(c, "GetEventDataStore", e, out, false)
}

type listEDSInput struct {
	MaxResults *int    `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

type edsInfo struct {
	EventDataStoreArn string `json:"EventDataStoreArn"`
	Name              string `json:"Name"`
}

// listEventDataStores lists the account's stores whose home region is the
// calling region, oldest first, pending deletion included. Like AWS it
// returns ARN and name only (the other EventDataStore members are
// deprecated). Page tokens work as ListChannels' do.
func (s *Service) listEventDataStores(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listEDSInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	size := maxListEventDataStores
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxListEventDataStores {
			return nil, cterr.InvalidMaxResults.New("MaxResults must be between 1 and %d.", maxListEventDataStores)
		}
		size = *in.MaxResults
	}
	var stores []lake.EventDataStore
	for _, e := range s.opts.Lake.Stores.List(c.Caller.AccountID) {
		if e.Region == c.Region {
			stores = append(stores, e)
		}
	}
	h := sha256.Sum256([]byte("ListEventDataStores\x00" + c.Caller.AccountID + "\x00" + c.Region))
	var qh [16]byte
	copy(qh[:], h[:])
	page, next, err := pageByCreated(s, stores, func(e lake.EventDataStore) time.Time { return e.Created }, qh, in.NextToken, size)
	if err != nil {
		return nil, err
	}
	out := struct {
		EventDataStores []edsInfo `json:"EventDataStores"`
		NextToken       string    `json:"NextToken,omitempty"`
	}{EventDataStores: []edsInfo{}, NextToken: next}
	for _, e := range page {
		out.EventDataStores = append(out.EventDataStores, edsInfo{EventDataStoreArn: e.ARN, Name: e.Name})
	}
	return s.jsonResult(c, "ListEventDataStores", out)
}
