package cloudtrail

import (
	"context"
	"slices"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/trail"
)

// Insights types and the event categories they analyse.
const (
	insightCallRate  = "ApiCallRateInsight"
	insightErrorRate = "ApiErrorRateInsight"
	categoryMgmt     = "Management"
	categoryData     = "Data"
)

type insightSelectorShape struct {
	InsightType     *string  `json:"InsightType,omitempty"`
	EventCategories []string `json:"EventCategories,omitempty"`
}

type insightSelectorsInput struct {
	TrailName           *string                 `json:"TrailName"`
	InsightSelectors    *[]insightSelectorShape `json:"InsightSelectors"`
	EventDataStore      *string                 `json:"EventDataStore"`
	InsightsDestination *string                 `json:"InsightsDestination"`
}

type insightSelectorsOutput struct {
	TrailARN         string                 `json:"TrailARN"`
	InsightSelectors []insightSelectorShape `json:"InsightSelectors"`
}

func errInvalidInsights(format string, args ...any) error {
	return cterr.InvalidInsightSelectors.New(format, args...)
}

// insightTarget checks the trail-or-event-data-store choice of Put/GetInsightSelectors.
func insightTarget(in *insightSelectorsInput) error {
	eds := in.EventDataStore != nil || in.InsightsDestination != nil
	switch {
	case in.TrailName != nil && eds:
		return cterr.InvalidParameterCombination.New("Specify either TrailName or EventDataStore (with InsightsDestination), not both.")
	case eds:
		return cterr.UnsupportedOperation.New("Cairn does not support Insights on event data stores yet; Insights can be enabled on trails only.")
	case in.TrailName == nil:
		return cterr.InvalidParameterCombination.New("Specify TrailName (or EventDataStore).")
	}
	return nil
}

// putInsightSelectors replaces the trail's Insights selectors; an empty list
// turns Insights off. Each type needs the events it analyses: call-rate
// Insights need write management events (or data events), error-rate
// Insights management events (or data events).
func (s *Service) putInsightSelectors(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in insightSelectorsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if err := insightTarget(&in); err != nil {
		return nil, err
	}
	if in.InsightSelectors == nil {
		return nil, errInvalidInsights("InsightSelectors is required; pass an empty list to turn Insights off.")
	}
	sels, err := insightSelectorsFromInput(*in.InsightSelectors)
	if err != nil {
		return nil, err
	}
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := homeTrail(tx, c, in.TrailName)
		if err != nil {
			return nil, nil, err
		}
		if err := insightsPrerequisites(t.Selectors.Normalized(), sels); err != nil {
			return nil, nil, err
		}
		t.InsightSelectors = sels
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		out := insightsOutput(t)
		res, err := s.trailWriteResult(c, "PutInsightSelectors", t, out)
		return res, nil, err
	})
}

func insightSelectorsFromInput(in []insightSelectorShape) ([]trail.InsightSelector, error) {
	var out []trail.InsightSelector
	for _, sel := range in {
		typ := ""
		if sel.InsightType != nil {
			typ = *sel.InsightType
		}
		if typ != insightCallRate && typ != insightErrorRate {
			return nil, errInvalidInsights("InsightType %q is not valid. Valid values: ApiCallRateInsight, ApiErrorRateInsight.", typ)
		}
		if slices.ContainsFunc(out, func(o trail.InsightSelector) bool { return o.InsightType == typ }) {
			return nil, errInvalidInsights("InsightType %s appears more than once.", typ)
		}
		for i, cat := range sel.EventCategories {
			if cat != categoryMgmt && cat != categoryData {
				return nil, errInvalidInsights("EventCategories value %q is not valid. Valid values: Management, Data.", cat)
			}
			if slices.Contains(sel.EventCategories[:i], cat) {
				return nil, errInvalidInsights("EventCategories value %s appears more than once.", cat)
			}
		}
		out = append(out, trail.InsightSelector{InsightType: typ, EventCategories: slices.Clone(sel.EventCategories)})
	}
	return out, nil
}

// insightsPrerequisites checks that the trail's selectors log the events
// each Insights type analyses.
func insightsPrerequisites(set selector.Set, sels []trail.InsightSelector) error {
	for _, sel := range sels {
		cats := sel.EventCategories
		if len(cats) == 0 {
			cats = []string{categoryMgmt}
		}
		for _, cat := range cats {
			writesOnly := sel.InsightType == insightCallRate
			if cat == categoryData && !logsData(set) {
				return errInvalidInsights("The trail must log data events to enable %s on data events.", sel.InsightType)
			}
			if cat == categoryMgmt && !logsManagement(set, writesOnly) {
				if writesOnly {
					return errInvalidInsights("The trail must log write management events to enable ApiCallRateInsight.")
				}
				return errInvalidInsights("The trail must log management events to enable ApiErrorRateInsight.")
			}
		}
	}
	return nil
}

// logsManagement reports whether the selectors log management events
// (write events at least, if writes).
func logsManagement(set selector.Set, writes bool) bool {
	for _, b := range set.Basic {
		if (b.IncludeManagementEvents == nil || *b.IncludeManagementEvents) && (!writes || b.ReadWriteType != selector.ReadOnly) {
			return true
		}
	}
	for _, a := range set.Advanced {
		mgmt, readOnly := false, false
		for _, f := range a.FieldSelectors {
			switch f.Field {
			case "eventCategory":
				mgmt = slices.Contains(f.Equals, categoryMgmt)
			case "readOnly":
				readOnly = slices.Equal(f.Equals, []string{"true"}) || slices.Equal(f.NotEquals, []string{"false"})
			}
		}
		if mgmt && (!writes || !readOnly) {
			return true
		}
	}
	return false
}

// logsData reports whether the selectors log any data events.
func logsData(set selector.Set) bool {
	for _, b := range set.Basic {
		if len(b.DataResources) > 0 {
			return true
		}
	}
	for _, a := range set.Advanced {
		for _, f := range a.FieldSelectors {
			if f.Field == "eventCategory" && slices.Contains(f.Equals, categoryData) {
				return true
			}
		}
	}
	return false
}

// getInsightSelectors returns the trail's Insights selectors, or
// InsightNotEnabledException if it has none.
func (s *Service) getInsightSelectors(_ context.Context, c *api.Call) (*api.Result, error) {
	var in insightSelectorsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if err := insightTarget(&in); err != nil {
		return nil, err
	}
	t, err := findTrail(s.opts.Trails, c, in.TrailName, withShadows)
	if err != nil {
		return nil, err
	}
	if !t.HasInsightSelectors() {
		return nil, cterr.InsightNotEnabled.New("Trail %s does not have Insights enabled. Edit the trail settings to enable Insights, and then try the operation again.", t.ARN)
	}
	res, err := s.jsonResult(c, "GetInsightSelectors", insightsOutput(t))
	if err != nil {
		return nil, err
	}
	res.Resources = trailResources(t)
	return res, nil
}

func insightsOutput(t trail.Trail) insightSelectorsOutput {
	out := insightSelectorsOutput{TrailARN: t.ARN, InsightSelectors: []insightSelectorShape{}}
	for _, sel := range t.InsightSelectors {
		typ := sel.InsightType
		out.InsightSelectors = append(out.InsightSelectors, insightSelectorShape{InsightType: &typ, EventCategories: sel.EventCategories})
	}
	return out
}
