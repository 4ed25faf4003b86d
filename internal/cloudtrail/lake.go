package cloudtrail

import (
	"context"
	"maps"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/lake"
)

// eventDataStoreResourceType is the resources[].type of an event data store in records.
const eventDataStoreResourceType = "AWS::CloudTrail::EventDataStore"

type lakeHandler func(s *Service, ctx context.Context, c *api.Call) (*api.Result, error)

// lakeOperations are the Lake operations served from Options.Lake: event
// data stores (lake_eds*.go), queries (lake_query*.go), imports
// (lake_import*.go) and sample queries.
var lakeOperations = func() map[string]lakeHandler {
	m := map[string]lakeHandler{}
	for _, ops := range []map[string]lakeHandler{edsOperations, queryOperations, importOperations} {
		maps.Copy(m, ops)
	}
	return m
}()

// serveLakeOperation runs a Lake operation, or answers
// UnsupportedOperationException when the service has no Lake.
func (s *Service) serveLakeOperation(ctx context.Context, c *api.Call, op string, h lakeHandler) (*api.Result, error) {
	if s.opts.Lake == nil {
		return nil, api.Errorf("UnsupportedOperationException", "Cairn does not support %s: the Lake is not enabled.", op)
	}
	res, err := h(s, ctx, c)
	if err == nil && lake.IsControlCall(op) {
		s.markCommitted(res)
	}
	return res, err
}

// markCommitted makes res tell the Lake's commit tracker, once its staged
// change is applied (or dropped), that the change recorded at res.Seq is
// settled: the ingest consumer waits for it before reading past that event.
func (s *Service) markCommitted(res *api.Result) {
	tracker := s.opts.Lake.Commits
	if tracker == nil || res == nil || res.Commit == nil {
		return
	}
	commit := res.Commit
	res.Commit = func() error {
		err := commit()
		tracker.Mark(res.Seq)
		return err
	}
}

// requireLake wraps h: it answers UnsupportedOperationException ("Cairn
// <missing> here.") unless has reports that the Lake has the parts h uses.
func requireLake(missing string, has func(*lake.Lake) bool, h lakeHandler) lakeHandler {
	return func(s *Service, ctx context.Context, c *api.Call) (*api.Result, error) {
		if !has(s.opts.Lake) {
			return nil, api.Errorf("UnsupportedOperationException", "Cairn %s here.", missing)
		}
		return h(s, ctx, c)
	}
}
