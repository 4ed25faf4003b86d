package cloudtrail

import (
	"crypto/sha256"
	"errors"
	"regexp"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

// withQueries serves h only when the Lake can run queries (engine, store
// definitions and query runner).
func withQueries(h lakeHandler) lakeHandler {
	return requireLake("runs no Lake queries", func(l *lake.Lake) bool {
		return l.Queries != nil && l.Engine != nil && l.Stores != nil
	}, h)
}

// queryIDShape is the model's UUID shape of a QueryId (36 characters).
var queryIDShape = regexp.MustCompile(`^[a-f0-9\-]{36}$`)

// queryRef is the members naming a query in DescribeQuery, GetQueryResults
// and CancelQuery.
type queryRef struct {
	QueryId                      *string `json:"QueryId"`
	EventDataStore               *string `json:"EventDataStore"`
	EventDataStoreOwnerAccountId *string `json:"EventDataStoreOwnerAccountId"`
}

// findQuery resolves a query of the caller's account started in the calling
// region. EventDataStore (deprecated, optional) must name one of the
// caller's stores the query reads. A query reading a store that is pending
// deletion cannot be used: InactiveEventDataStoreException.
func (s *Service) findQuery(c *api.Call, ref queryRef) (lake.QueryInfo, []lake.EventDataStore, error) {
	id := deref(ref.QueryId)
	if !queryIDShape.MatchString(id) {
		return lake.QueryInfo{}, nil, cterr.InvalidParameter.New("QueryId %q is not valid: it must be the 36-character ID StartQuery returned.", id)
	}
	if err := checkOwnerAccount(c, ref.EventDataStoreOwnerAccountId); err != nil {
		return lake.QueryInfo{}, nil, err
	}
	notFound := cterr.QueryIdNotFound.New("The query ID %s does not exist or does not map to a query.", id)
	info, err := s.opts.Lake.Queries.Describe(c.Caller.AccountID, id)
	if errors.Is(err, lake.ErrQueryNotFound) || err == nil && info.Region != c.Region {
		return lake.QueryInfo{}, nil, notFound
	}
	if err != nil {
		return lake.QueryInfo{}, nil, err
	}
	if ref.EventDataStore != nil {
		e, err := findEventDataStore(s.opts.Lake.Stores, c, *ref.EventDataStore)
		if err != nil {
			return lake.QueryInfo{}, nil, err
		}
		if !info.ReadsStore(e.ID) {
			return lake.QueryInfo{}, nil, notFound
		}
	}
	stores := s.queryStores(info)
	for _, e := range stores {
		if e.Status == lake.StatusPendingDeletion {
			return lake.QueryInfo{}, nil, errEDSInactive(e)
		}
	}
	return info, stores, nil
}

// queryStores are the stores a query reads that still exist.
func (s *Service) queryStores(info lake.QueryInfo) []lake.EventDataStore {
	var out []lake.EventDataStore
	for _, id := range info.Stores {
		if e, ok := s.opts.Lake.Stores.Get(id); ok {
			out = append(out, e)
		}
	}
	return out
}

// checkOwnerAccount checks EventDataStoreOwnerAccountId. Cairn has no
// event data store resource policies, so only the caller's own stores can be
// queried: another owner's stores are not found.
func checkOwnerAccount(c *api.Call, owner *string) error {
	if owner == nil {
		return nil
	}
	o := *owner
	if len(o) < 12 || len(o) > 16 || strings.Trim(o, "0123456789") != "" {
		return cterr.InvalidParameter.New("EventDataStoreOwnerAccountId %q is not valid: it must be an account ID of 12 to 16 digits.", o)
	}
	if o != c.Caller.AccountID {
		return cterr.EventDataStoreNotFound.New("No event data store of account %s is shared with account %s.", o, c.Caller.AccountID)
	}
	return nil
}

// storeResources are the record's resources for a call on these stores.
func storeResources(stores []lake.EventDataStore) []event.ResourceRef {
	out := make([]event.ResourceRef, 0, len(stores))
	for _, e := range stores {
		out = append(out, event.ResourceRef{Type: eventDataStoreResourceType, Name: e.Name, ARN: e.ARN})
	}
	return out
}

// queryResult renders out as op's response about stores; write operations
// also record out as responseElements.
func (s *Service) queryResult(c *api.Call, op string, stores []lake.EventDataStore, out any, write bool) (*api.Result, error) {
	res, err := s.jsonResult(c, op, out)
	if err != nil {
		return nil, err
	}
	if write {
		if res.ResponseElements, err = responseElements(out); err != nil {
			return nil, err
		}
	}
	res.Resources = storeResources(stores)
	return res, nil
}

// queryHash binds page tokens to an operation and its parameters.
func queryHash(parts ...string) [16]byte {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var out [16]byte
	copy(out[:], h[:])
	return out
}

// queryStatistics is QueryStatisticsForDescribeQuery.
type queryStatistics struct {
	EventsMatched         int64    `json:"EventsMatched"`
	EventsScanned         int64    `json:"EventsScanned"`
	BytesScanned          int64    `json:"BytesScanned"`
	ExecutionTimeInMillis int64    `json:"ExecutionTimeInMillis"`
	CreationTime          *float64 `json:"CreationTime,omitempty"`
}
