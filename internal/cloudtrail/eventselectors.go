package cloudtrail

import (
	"context"
	"errors"
	"fmt"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/trail"
)

type putEventSelectorsInput struct {
	TrailName              *string                           `json:"TrailName"`
	EventSelectors         *[]selector.EventSelector         `json:"EventSelectors"`
	AdvancedEventSelectors *[]selector.AdvancedEventSelector `json:"AdvancedEventSelectors"`
}

// eventSelectorsOutput is Put/GetEventSelectorsResponse. Basic selectors
// are rendered with every member, empty lists included, as CloudTrail does.
type eventSelectorsOutput struct {
	TrailARN               string                           `json:"TrailARN"`
	EventSelectors         []eventSelectorShape             `json:"EventSelectors,omitempty"`
	AdvancedEventSelectors []selector.AdvancedEventSelector `json:"AdvancedEventSelectors,omitempty"`
}

type eventSelectorShape struct {
	ReadWriteType                 string              `json:"ReadWriteType"`
	IncludeManagementEvents       bool                `json:"IncludeManagementEvents"`
	DataResources                 []dataResourceShape `json:"DataResources"`
	ExcludeManagementEventSources []string            `json:"ExcludeManagementEventSources"`
}

type dataResourceShape struct {
	Type   string   `json:"Type,omitempty"`
	Values []string `json:"Values"`
}

func errInvalidSelectors(format string, args ...any) error {
	return cterr.InvalidEventSelectors.New(format, args...)
}

// putEventSelectors replaces the trail's selectors with basic or advanced
// ones (exactly one kind per call; putting one kind drops the other).
func (s *Service) putEventSelectors(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in putEventSelectorsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	var set selector.Set
	switch {
	case in.EventSelectors != nil && in.AdvancedEventSelectors != nil:
		return nil, errInvalidSelectors("You can select events by using either EventSelectors or AdvancedEventSelectors, but not both.")
	case in.EventSelectors == nil && in.AdvancedEventSelectors == nil:
		return nil, errInvalidSelectors("You must specify either EventSelectors or AdvancedEventSelectors.")
	case in.EventSelectors != nil:
		if err := selectorError(selector.ValidateBasic(*in.EventSelectors)); err != nil {
			return nil, err
		}
		set.Basic = *in.EventSelectors
	default:
		if err := selectorError(selector.ValidateAdvanced(*in.AdvancedEventSelectors, selector.ForTrail)); err != nil {
			return nil, err
		}
		set.Advanced = *in.AdvancedEventSelectors
	}
	set = set.Normalized()
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := homeTrail(tx, c, in.TrailName)
		if err != nil {
			return nil, nil, err
		}
		t.Selectors, t.HasCustomEventSelectors = set, true
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		out := selectorsOutput(t)
		res, err := s.trailWriteResult(c, "PutEventSelectors", t, out)
		return res, nil, err
	})
}

// selectorError turns a selector validation failure into
// InvalidEventSelectorsException; other errors stay internal.
func selectorError(err error) error {
	if err == nil {
		return nil
	}
	var ve *selector.ValidationError
	if errors.As(err, &ve) {
		return errInvalidSelectors("%s", ve.Message)
	}
	return fmt.Errorf("validate event selectors: %w", err)
}

// getEventSelectors returns the trail's selectors; a trail that never had
// any put returns the default basic selector.
func (s *Service) getEventSelectors(_ context.Context, c *api.Call) (*api.Result, error) {
	var in struct {
		TrailName *string `json:"TrailName"`
	}
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	t, err := findTrail(s.opts.Trails, c, in.TrailName, withShadows)
	if err != nil {
		return nil, err
	}
	res, err := s.jsonResult(c, "GetEventSelectors", selectorsOutput(t))
	if err != nil {
		return nil, err
	}
	res.Resources = trailResources(t)
	return res, nil
}

func selectorsOutput(t trail.Trail) eventSelectorsOutput {
	out := eventSelectorsOutput{TrailARN: t.ARN}
	set := t.Selectors.Normalized()
	if len(set.Advanced) > 0 {
		out.AdvancedEventSelectors = set.Advanced
		return out
	}
	for _, b := range set.Basic {
		sh := eventSelectorShape{ReadWriteType: b.ReadWriteType, IncludeManagementEvents: b.IncludeManagementEvents == nil || *b.IncludeManagementEvents,
			DataResources: []dataResourceShape{}, ExcludeManagementEventSources: b.ExcludeManagementEventSources}
		if sh.ExcludeManagementEventSources == nil {
			sh.ExcludeManagementEventSources = []string{}
		}
		for _, d := range b.DataResources {
			v := d.Values
			if v == nil {
				v = []string{}
			}
			sh.DataResources = append(sh.DataResources, dataResourceShape{Type: d.Type, Values: v})
		}
		out.EventSelectors = append(out.EventSelectors, sh)
	}
	return out
}
