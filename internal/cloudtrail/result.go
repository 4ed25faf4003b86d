package cloudtrail

import (
	"fmt"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

// result is the one way a handler answers: out encoded as op's JSON
// response, the resources the call's record names, and, for write
// operations (write), out recorded as responseElements. Errors are returned
// as they are and encoded once, by Handle.
func (s *Service) result(c *api.Call, op string, out any, resources []event.ResourceRef, write bool) (*api.Result, error) {
	res, err := s.proto.JSONResult(op, out, c.RequestID)
	if err != nil {
		return nil, fmt.Errorf("encode %s response: %w", op, err)
	}
	if write && out != nil {
		if res.ResponseElements, err = responseElements(out); err != nil {
			return nil, err
		}
	}
	res.Resources = resources
	return res, nil
}

// jsonResult renders out as op's response, naming no resource.
func (s *Service) jsonResult(c *api.Call, op string, out any) (*api.Result, error) {
	return s.result(c, op, out, nil, false)
}

// edsResources is the record's resources for a call on e.
func edsResources(e lake.EventDataStore) []event.ResourceRef {
	return []event.ResourceRef{{Type: eventDataStoreResourceType, Name: e.Name, ARN: e.ARN}}
}
