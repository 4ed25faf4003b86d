package cloudtrail

import (
	"context"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

// eventDataStoreResourceType is the resources[].type of an event data store in records.
const eventDataStoreResourceType = "AWS::CloudTrail::EventDataStore"

// lakeHandler is a handler of a Lake operation (see operationTable).
type lakeHandler = handler

// serveLakeOperation runs a Lake operation, or answers
// UnsupportedOperationException when the service has no Lake.
func (s *Service) serveLakeOperation(ctx context.Context, c *api.Call, op string, h lakeHandler) (*api.Result, error) {
	if s.opts.Lake == nil {
		return nil, cterr.UnsupportedOperation.New("Cairn does not support %s: the Lake is not enabled.", op)
	}
	// A control call's staged change (res.Commit) makes it a pending entry:
	// the ingester reads past it only once it is settled (internal/stream).
	return h(s, ctx, c)
}

// requireLake wraps h: it answers UnsupportedOperationException ("Cairn
// <missing> here.") unless has reports that the Lake has the parts h uses.
func requireLake(missing string, has func(*lake.Lake) bool, h lakeHandler) lakeHandler {
	return func(s *Service, ctx context.Context, c *api.Call) (*api.Result, error) {
		if !has(s.opts.Lake) {
			return nil, cterr.UnsupportedOperation.New("Cairn %s here.", missing)
		}
		return h(s, ctx, c)
	}
}
