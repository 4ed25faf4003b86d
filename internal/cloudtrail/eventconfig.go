package cloudtrail

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/trail"
)

// Get/PutEventConfiguration name a trail (TrailName: aggregation settings)
// or an event data store (EventDataStore: MaxEventSize and context key
// selectors), never both. The rules are the state packages':
// trail.CheckAggregations and lake.CheckEventConfig.

type contextKeySelectorShape struct {
	Type   string   `json:"Type"`
	Equals []string `json:"Equals"`
}

type aggregationShape struct {
	EventCategory string   `json:"EventCategory"`
	Templates     []string `json:"Templates"`
}

type eventConfigInput struct {
	TrailName                 *string                    `json:"TrailName"`
	EventDataStore            *string                    `json:"EventDataStore"`
	MaxEventSize              *string                    `json:"MaxEventSize"`
	ContextKeySelectors       *[]contextKeySelectorShape `json:"ContextKeySelectors"`
	AggregationConfigurations *[]aggregationShape        `json:"AggregationConfigurations"`
}

// eventConfigOutput is GetEventConfigurationResponse and
// PutEventConfigurationResponse.
type eventConfigOutput struct {
	TrailARN                  string                    `json:"TrailARN,omitempty"`
	EventDataStoreArn         string                    `json:"EventDataStoreArn,omitempty"`
	MaxEventSize              string                    `json:"MaxEventSize,omitempty"`
	ContextKeySelectors       []contextKeySelectorShape `json:"ContextKeySelectors,omitempty"`
	AggregationConfigurations []aggregationShape        `json:"AggregationConfigurations,omitempty"`
}

// eventConfigTarget checks that the input names exactly one of a trail and
// an event data store, and that a Put sets only what that resource has.
func eventConfigTarget(in *eventConfigInput, put bool) error {
	switch {
	case in.TrailName != nil && in.EventDataStore != nil:
		return cterr.InvalidParameterCombination.New("Specify either TrailName or EventDataStore, not both.")
	case in.TrailName == nil && in.EventDataStore == nil:
		return cterr.InvalidParameterCombination.New("Specify TrailName or EventDataStore.")
	case !put:
		return nil
	case in.TrailName != nil && (in.MaxEventSize != nil || in.ContextKeySelectors != nil):
		return cterr.InvalidParameterCombination.New("MaxEventSize and ContextKeySelectors apply to event data stores; a trail takes AggregationConfigurations.")
	case in.EventDataStore != nil && in.AggregationConfigurations != nil:
		return cterr.InvalidParameterCombination.New("AggregationConfigurations apply to trails; an event data store takes MaxEventSize and ContextKeySelectors.")
	}
	return nil
}

func (s *Service) getEventConfiguration(_ context.Context, c *api.Call) (*api.Result, error) {
	var in eventConfigInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if err := eventConfigTarget(&in, false); err != nil {
		return nil, err
	}
	if in.TrailName != nil {
		if s.opts.Trails == nil {
			return nil, errUnsupported("GetEventConfiguration")
		}
		t, err := findTrail(s.opts.Trails, c, in.TrailName, withShadows)
		if err != nil {
			return nil, err
		}
		return s.result(c, "GetEventConfiguration", trailEventConfig(t), trailResources(t), false)
	}
	if err := s.requireStores(); err != nil {
		return nil, err
	}
	e, err := findEventDataStore(s.opts.Lake.Stores, c, *in.EventDataStore)
	if err != nil {
		return nil, err
	}
	return s.result(c, "GetEventConfiguration", edsEventConfig(e), edsResources(e), false)
}

// putEventConfiguration replaces the resource's event configuration: an
// absent member takes its default (MaxEventSize Standard, no context key
// selectors, no aggregation).
func (s *Service) putEventConfiguration(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in eventConfigInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if err := eventConfigTarget(&in, true); err != nil {
		return nil, err
	}
	if in.TrailName != nil {
		return s.putTrailEventConfig(ctx, c, &in)
	}
	if err := s.requireStores(); err != nil {
		return nil, err
	}
	ref := *in.EventDataStore
	if err := checkEDSRef(ref, c); err != nil {
		return nil, err
	}
	size := deref(in.MaxEventSize)
	var sels []lake.ContextKeySelector
	if in.ContextKeySelectors != nil {
		for _, k := range *in.ContextKeySelectors {
			sels = append(sels, lake.ContextKeySelector{Type: k.Type, Equals: k.Equals})
		}
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, ref)
		if err != nil {
			return nil, err
		}
		if err := lake.CheckEventConfig(e, size, sels); err != nil {
			return nil, err
		}
		e.SetEventConfig(size, sels)
		e.Updated = s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		return s.result(c, "PutEventConfiguration", edsEventConfig(e), edsResources(e), true)
	})
}

func (s *Service) putTrailEventConfig(ctx context.Context, c *api.Call, in *eventConfigInput) (*api.Result, error) {
	if s.opts.Trails == nil {
		return nil, errUnsupported("PutEventConfiguration")
	}
	var aggs []trail.Aggregation
	if in.AggregationConfigurations != nil {
		for _, a := range *in.AggregationConfigurations {
			aggs = append(aggs, trail.Aggregation{EventCategory: a.EventCategory, Templates: a.Templates})
		}
	}
	if err := trail.CheckAggregations(aggs); err != nil {
		return nil, err
	}
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := homeTrail(tx, c, in.TrailName)
		if err != nil {
			return nil, nil, err
		}
		t.Aggregations = aggs
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		res, err := s.result(c, "PutEventConfiguration", trailEventConfig(t), trailResources(t), true)
		return res, nil, err
	})
}

// requireStores answers UnsupportedOperationException unless the Lake
// serves event data stores.
func (s *Service) requireStores() error {
	if s.opts.Lake == nil || s.opts.Lake.Stores == nil {
		return cterr.UnsupportedOperation.New("Cairn serves no event data stores here.")
	}
	return nil
}

func trailEventConfig(t trail.Trail) eventConfigOutput {
	out := eventConfigOutput{TrailARN: t.ARN, AggregationConfigurations: []aggregationShape{}}
	for _, a := range t.Aggregations {
		out.AggregationConfigurations = append(out.AggregationConfigurations, aggregationShape{EventCategory: a.EventCategory, Templates: a.Templates})
	}
	return out
}

func edsEventConfig(e lake.EventDataStore) eventConfigOutput {
	out := eventConfigOutput{EventDataStoreArn: e.ARN, MaxEventSize: e.EventSize(), ContextKeySelectors: []contextKeySelectorShape{}}
	for _, k := range e.ContextKeySelectors {
		out.ContextKeySelectors = append(out.ContextKeySelectors, contextKeySelectorShape{Type: k.Type, Equals: k.Equals})
	}
	return out
}
