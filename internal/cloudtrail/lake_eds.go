package cloudtrail

import (
	"context"
	"fmt"
	"regexp"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

// edsOperations are the event data store operations (tags on event data

// withStores serves h only when the Lake has event data store definitions.
func withStores(h lakeHandler) lakeHandler {
	return requireLake("serves no event data stores", func(l *lake.Lake) bool { return l.Stores != nil }, h)
}

// Limits of the EventDataStore member (an ARN or the ID ending it).
const (
	minEventDataStoreRef = 3
	maxEventDataStoreRef = 256
)

var (
	edsRefChars = regexp.MustCompile(`^[a-zA-Z0-9._/\-:]+$`)
	edsIDShape  = regexp.MustCompile(`^[a-zA-Z0-9._\-]+$`)
)

// edsView is what event data stores are resolved against: the definitions
// or an open transaction.
type edsView interface {
	Get(ref string) (lake.EventDataStore, bool)
	List(account string) []lake.EventDataStore
}

var (
	_ edsView = (*lake.Stores)(nil)
	_ edsView = (*lake.Tx)(nil)
)

func errEDSARNInvalid(ref string) error {
	return cterr.EventDataStoreARNInvalid.New("The specified event data store ARN %q is not valid. The format is arn:aws:cloudtrail:us-east-2:123456789012:eventdatastore/01234567-89ab-cdef-0123-456789abcdef, or the ID that ends it.", ref)
}

func errEDSNotFound(ref string) error {
	return cterr.EventDataStoreNotFound.New("The event data store %s was not found.", ref)
}

func errEDSInactive(e lake.EventDataStore) error {
	return e.ErrInactive()
}

// checkEDSRef checks the shape of an EventDataStore member: an event data
// store ARN, or an ID. A malformed value is EventDataStoreARNInvalidException;
// an ARN of another account or region cannot name one of the caller's
// stores: EventDataStoreNotFoundException.
func checkEDSRef(ref string, c *api.Call) error {
	if len(ref) < minEventDataStoreRef || len(ref) > maxEventDataStoreRef || !edsRefChars.MatchString(ref) {
		return errEDSARNInvalid(ref)
	}
	if !isARN(ref) {
		if !edsIDShape.MatchString(ref) {
			return errEDSARNInvalid(ref)
		}
		return nil
	}
	a, ok := parseCloudTrailARN(ref)
	if !ok || a.Type != typeEventDataStore || !edsIDShape.MatchString(a.ID) {
		return errEDSARNInvalid(ref)
	}
	if a.Account != c.Caller.AccountID || a.Region != c.Region {
		return cterr.EventDataStoreNotFound.New("The event data store %s was not found in account %s, region %s.", ref, c.Caller.AccountID, c.Region)
	}
	return nil
}

// findEventDataStore resolves an EventDataStore member against v: a store
// of the caller's account whose home region is the calling region. Stores
// pending deletion are found; callers that refuse them say so.
func findEventDataStore(v edsView, c *api.Call, ref string) (lake.EventDataStore, error) {
	if err := checkEDSRef(ref, c); err != nil {
		return lake.EventDataStore{}, err
	}
	e, ok := v.Get(ref)
	if !ok || e.Account != c.Caller.AccountID || e.Region != c.Region {
		return lake.EventDataStore{}, errEDSNotFound(ref)
	}
	return e, nil
}

// edsWrite runs fn in a transaction on the definitions that commits once
// the call's event is durable, with the event's sequence number (ingestion
// windows start and end at it). If fn fails, or the event cannot be
// recorded, the transaction is aborted and nothing changes.
func (s *Service) edsWrite(ctx context.Context, fn func(tx *lake.Tx) (*api.Result, error)) (*api.Result, error) {
	tx, err := s.opts.Lake.Stores.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("event data stores: %w", err)
	}
	res, err := fn(tx)
	if err != nil {
		tx.Abort()
		return nil, err
	}
	res.Commit = func() error { return tx.CommitAt(res.Seq) }
	res.Abort = tx.Abort
	return res, nil
}

// edsResult renders out as op's response about e; write operations also
// record out as responseElements.
func (s *Service) edsResult(c *api.Call, op string, e lake.EventDataStore, out any, write bool) (*api.Result, error) {
	return s.result(c, op, out, edsResources(e), write)
}

// activeInRegion counts the account's stores in region that are not
// pending deletion (the quota counts those).
func activeInRegion(v edsView, account, region string) int {
	n := 0
	for _, e := range v.List(account) {
		if e.Region == region && e.Status != lake.StatusPendingDeletion {
			n++
		}
	}
	return n
}

func (s *Service) errEDSLimit(account, region string) error {
	return cterr.EventDataStoreMaxLimitExceeded.New("Account %s already has %d event data stores in %s, the maximum.", account, s.opts.Lake.Stores.MaxPerRegion(), region)
}
