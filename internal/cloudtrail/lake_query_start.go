package cloudtrail

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

// Limits of StartQuery's members (the model's).
const (
	maxQueryStatement     = 10000
	maxQueryParameters    = 10
	maxQueryParameterLen  = 1024
	maxDeliveryS3URILen   = 1024
	queryAliasUnsupported = "Cairn has no CloudTrail Lake dashboards, so QueryAlias names no query. Send the SQL as QueryStatement (QueryParameters fill its ? placeholders)."
)

type startQueryInput struct {
	QueryStatement               *string  `json:"QueryStatement"`
	DeliveryS3Uri                *string  `json:"DeliveryS3Uri"`
	QueryAlias                   *string  `json:"QueryAlias"`
	QueryParameters              []string `json:"QueryParameters"`
	EventDataStoreOwnerAccountId *string  `json:"EventDataStoreOwnerAccountId"`
}

type startQueryOutput struct {
	QueryId                      string `json:"QueryId"`
	EventDataStoreOwnerAccountId string `json:"EventDataStoreOwnerAccountId,omitempty"`
}

// startQuery checks the statement and the stores it reads, and queues it
// once the call's event is durable. Every store must be the caller's, in
// the calling region, and not pending deletion; each is read from its
// retention cutoff on.
func (s *Service) startQuery(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in startQueryInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	sql, err := statementFromInput(in)
	if err != nil {
		return nil, err
	}
	if err := checkOwnerAccount(c, in.EventDataStoreOwnerAccountId); err != nil {
		return nil, err
	}
	uri := deref(in.DeliveryS3Uri)
	var bucketName, prefix string
	if in.DeliveryS3Uri != nil {
		if bucketName, prefix, err = parseDeliveryS3URI(uri); err != nil {
			return nil, err
		}
	}
	ids, err := s.opts.Lake.Engine.Check(ctx, sql)
	switch {
	case errors.Is(err, lake.ErrInvalidQuery):
		return nil, cterr.InvalidQueryStatement.New("%s", err.Error())
	case err != nil:
		return nil, fmt.Errorf("check query statement: %w", err)
	case len(ids) == 0:
		return nil, cterr.InvalidQueryStatement.New("The query must read at least one event data store: name it by ID or ARN in FROM.")
	}
	stores, scopes, err := s.queryScopes(c, ids)
	if err != nil {
		return nil, err
	}
	if in.DeliveryS3Uri != nil {
		if err := s.checkBucket(ctx, c.Caller.AccountID, bucketName, prefix); err != nil {
			return nil, err
		}
	}
	staged, err := s.opts.Lake.Queries.Stage(lake.Submission{Account: c.Caller.AccountID, Region: c.Region, SQL: sql, Stores: scopes, DeliveryURI: uri})
	switch {
	case errors.Is(err, lake.ErrTooManyQueries):
		return nil, cterr.MaxConcurrentQueries.New("You are already running the maximum number of concurrent queries (%d). Wait for some queries to finish, and then run the query again.", s.opts.Lake.Queries.MaxConcurrent())
	case err != nil:
		return nil, fmt.Errorf("start query: %w", err)
	}
	out := startQueryOutput{QueryId: staged.ID(), EventDataStoreOwnerAccountId: deref(in.EventDataStoreOwnerAccountId)}
	res, err := s.queryResult(c, "StartQuery", stores, out, true)
	if err != nil {
		staged.Abort()
		return nil, err
	}
	res.Commit = func() error { return staged.CommitAt(res.Seq) }
	res.Abort = staged.Abort
	return res, nil
}

// statementFromInput is the statement to run: QueryStatement with its
// QueryParameters bound. QueryAlias names dashboard queries, which Cairn
// does not have.
func statementFromInput(in startQueryInput) (string, error) {
	switch {
	case in.QueryAlias != nil && in.QueryStatement != nil:
		return "", cterr.InvalidParameter.New("Specify either QueryStatement or QueryAlias, not both.")
	case in.QueryAlias != nil:
		return "", cterr.InvalidParameter.New("%s", queryAliasUnsupported)
	case in.QueryStatement == nil:
		return "", cterr.InvalidParameter.New("QueryStatement is required.")
	}
	sql := *in.QueryStatement
	if n := len([]rune(sql)); n < 1 || n > maxQueryStatement {
		return "", cterr.InvalidParameter.New("QueryStatement must be 1 to %d characters long; it is %d.", maxQueryStatement, n)
	}
	if in.QueryParameters == nil {
		return sql, nil
	}
	if n := len(in.QueryParameters); n < 1 || n > maxQueryParameters {
		return "", cterr.InvalidParameter.New("QueryParameters must hold 1 to %d parameters; it holds %d.", maxQueryParameters, n)
	}
	for i, p := range in.QueryParameters {
		if n := len([]rune(p)); n < 1 || n > maxQueryParameterLen {
			return "", cterr.InvalidParameter.New("Query parameter %d must be 1 to %d characters long; it is %d.", i+1, maxQueryParameterLen, n)
		}
	}
	bound, err := lake.BindParameters(sql, in.QueryParameters)
	if err != nil {
		return "", cterr.InvalidParameter.New("QueryParameters do not fit QueryStatement: %s", err.Error())
	}
	return bound, nil
}

// parseDeliveryS3URI checks DeliveryS3Uri and splits it into bucket and prefix.
func parseDeliveryS3URI(uri string) (bucketName, prefix string, err error) {
	if len(uri) > maxDeliveryS3URILen {
		return "", "", cterr.InvalidParameter.New("DeliveryS3Uri must be at most %d characters long.", maxDeliveryS3URILen)
	}
	bucketName, prefix, err = lake.ParseDeliveryURI(uri)
	switch {
	case errors.Is(err, lake.ErrInvalidDeliveryBucket):
		return "", "", cterr.InvalidS3BucketName.New("The S3 bucket name in DeliveryS3Uri %q is not valid: %s", uri, err.Error())
	case errors.Is(err, lake.ErrInvalidDeliveryPrefix):
		return "", "", cterr.InvalidS3Prefix.New("The S3 prefix in DeliveryS3Uri %q is not valid: %s", uri, err.Error())
	case err != nil:
		return "", "", cterr.InvalidParameter.New("DeliveryS3Uri %q is not valid: it must look like s3://bucket[/prefix].", uri)
	}
	return bucketName, prefix, nil
}

// queryScopes resolves the stores a statement reads (by ID) and what the
// query may see of each: events from the store's retention cutoff on.
func (s *Service) queryScopes(c *api.Call, ids []string) ([]lake.EventDataStore, map[string]lake.Scope, error) {
	now := s.now()
	var stores []lake.EventDataStore
	scopes := make(map[string]lake.Scope, len(ids))
	for _, id := range ids {
		if _, dup := scopes[id]; dup {
			continue
		}
		e, ok := s.opts.Lake.Stores.Get(id)
		if !ok || e.Account != c.Caller.AccountID || e.Region != c.Region {
			return nil, nil, errEDSNotFound(id)
		}
		if e.Status == lake.StatusPendingDeletion {
			return nil, nil, errEDSInactive(e)
		}
		stores = append(stores, e)
		scopes[e.ID] = lake.Scope{Since: e.Cutoff(now)}
	}
	slices.SortFunc(stores, func(a, b lake.EventDataStore) int { return cmp.Compare(a.ID, b.ID) })
	return stores, scopes, nil
}

type cancelQueryOutput struct {
	QueryId                      string `json:"QueryId"`
	QueryStatus                  string `json:"QueryStatus"`
	EventDataStoreOwnerAccountId string `json:"EventDataStoreOwnerAccountId,omitempty"`
}

// cancelQuery cancels a queued or running query once the call's event is
// durable; it answers CANCELLED at once, as AWS may before the query has
// stopped. A query that has stopped is InactiveQueryException.
func (s *Service) cancelQuery(_ context.Context, c *api.Call) (*api.Result, error) {
	var in queryRef
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	info, stores, err := s.findQuery(c, in)
	if err != nil {
		return nil, err
	}
	if info.Terminal() {
		return nil, cterr.InactiveQuery.New("The query %s cannot be cancelled because it is %s.", info.ID, info.Status)
	}
	out := cancelQueryOutput{QueryId: info.ID, QueryStatus: lake.QueryCancelled, EventDataStoreOwnerAccountId: deref(in.EventDataStoreOwnerAccountId)}
	res, err := s.queryResult(c, "CancelQuery", stores, out, true)
	if err != nil {
		return nil, err
	}
	account := c.Caller.AccountID
	res.Commit = func() error {
		_, err := s.opts.Lake.Queries.CancelAt(account, info.ID, res.Seq)
		if errors.Is(err, lake.ErrQueryInactive) {
			return nil // it stopped on its own in the meantime
		}
		return err
	}
	return res, nil
}
