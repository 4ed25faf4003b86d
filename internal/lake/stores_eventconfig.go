package lake

import (
	"slices"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/selector"
)

// Event configuration of an event data store (Get/PutEventConfiguration).
const (
	MaxEventSizeStandard = "Standard" // the default: events up to StandardEventBytes
	MaxEventSizeLarge    = "Large"    // events up to LargeEventBytes; required by context key selectors

	StandardEventBytes = 256 << 10 // 256 KB
	LargeEventBytes    = 1 << 20   // 1 MB

	// Context key selector types.
	ContextRequest = "RequestContext"
	ContextTag     = "TagContext"

	MaxContextKeySelectors = 2   // per store (model: ContextKeySelectors max 2)
	MaxContextKeys         = 50  // Equals per selector (model: 1 to 50)
	MaxContextKeyLength    = 128 // each key (model: 1 to 128 characters)
)

// ContextKeySelector names the keys of one context (RequestContext: IAM
// global condition keys; TagContext: resource and principal tags) that
// enriched events carry in eventContext.
type ContextKeySelector struct {
	Type   string   `json:"type"`
	Equals []string `json:"equals"`
}

// EventSize is the store's MaxEventSize: Standard unless set to Large.
func (e *EventDataStore) EventSize() string {
	if e.MaxEventSize == MaxEventSizeLarge {
		return MaxEventSizeLarge
	}
	return MaxEventSizeStandard
}

// MaxEventBytes is the largest event the store accepts, per its MaxEventSize.
func (e *EventDataStore) MaxEventBytes() int {
	if e.EventSize() == MaxEventSizeLarge {
		return LargeEventBytes
	}
	return StandardEventBytes
}

// CheckEventConfig validates a PutEventConfiguration for e: size is
// Standard or Large ("" = Standard); at most two context key selectors, of
// distinct types, each with 1 to 50 keys of 1 to 128 characters; selectors
// need Large; a store pending deletion cannot change, and selectors apply
// to CloudTrail events only (not to the ActivityAuditLog stores of
// channels).
func CheckEventConfig(e EventDataStore, size string, sels []ContextKeySelector) error {
	if e.Status == StatusPendingDeletion {
		return e.ErrInactive()
	}
	if size != "" && size != MaxEventSizeStandard && size != MaxEventSizeLarge {
		return cterr.InvalidParameter.New("MaxEventSize %q is not valid. Valid values: %s, %s.", size, MaxEventSizeStandard, MaxEventSizeLarge)
	}
	if len(sels) > MaxContextKeySelectors {
		return cterr.InvalidParameter.New("An event data store takes at most %d context key selectors; %d were given.", MaxContextKeySelectors, len(sels))
	}
	var types []string
	for _, s := range sels {
		if s.Type != ContextRequest && s.Type != ContextTag {
			return cterr.InvalidParameter.New("ContextKeySelector Type %q is not valid. Valid values: %s, %s.", s.Type, ContextRequest, ContextTag)
		}
		if slices.Contains(types, s.Type) {
			return cterr.InvalidParameter.New("ContextKeySelector Type %s appears more than once.", s.Type)
		}
		types = append(types, s.Type)
		if len(s.Equals) < 1 || len(s.Equals) > MaxContextKeys {
			return cterr.InvalidParameter.New("ContextKeySelector %s needs 1 to %d keys in Equals; %d were given.", s.Type, MaxContextKeys, len(s.Equals))
		}
		for _, k := range s.Equals {
			if len(k) < 1 || len(k) > MaxContextKeyLength {
				return cterr.InvalidParameter.New("Context key %q is not valid: it must be 1 to %d characters long.", k, MaxContextKeyLength)
			}
		}
	}
	if len(sels) > 0 && size != MaxEventSizeLarge {
		return cterr.InvalidParameterCombination.New("Context key selectors need MaxEventSize %s.", MaxEventSizeLarge)
	}
	if len(sels) > 0 && slices.Equal(e.Categories(), []string{selector.CategoryActivityAuditLog}) {
		return cterr.InvalidEventDataStoreCategory.New("Event data store %s holds ActivityAuditLog events: context key selectors apply to CloudTrail events only.", e.ARN)
	}
	return nil
}

// SetEventConfig applies a configuration CheckEventConfig accepted.
func (e *EventDataStore) SetEventConfig(size string, sels []ContextKeySelector) {
	if size == MaxEventSizeStandard {
		size = ""
	}
	e.MaxEventSize = size
	e.ContextKeySelectors = cloneContextKeys(sels)
}

func cloneContextKeys(in []ContextKeySelector) []ContextKeySelector {
	if len(in) == 0 {
		return nil
	}
	out := make([]ContextKeySelector, len(in))
	for i, s := range in {
		out[i] = ContextKeySelector{Type: s.Type, Equals: slices.Clone(s.Equals)}
	}
	return out
}
