package cloudtrail

import (
	"strings"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/trail"
)

// maxEDSKmsKeyID is the model's length limit of an event data store's KmsKeyId.
const maxEDSKmsKeyID = 350

// validateEDSKmsKey checks a KmsKeyId's shape. Cairn keeps the key with the
// store but does not encrypt with it (it has no KMS).
func validateEDSKmsKey(k string) error {
	if len(k) > maxEDSKmsKeyID {
		return cterr.InvalidKmsKeyId.New("KMS key %q is not valid: it must be at most %d characters.", k, maxEDSKmsKeyID)
	}
	return trail.ValidateKmsKeyID(k)
}

// edsSelectorsFromInput validates advanced event selectors given to an
// event data store: 1 to 5 of them, valid for event data stores, and of one
// kind (see selectorKind).
func edsSelectorsFromInput(in []selector.AdvancedEventSelector) ([]selector.AdvancedEventSelector, error) {
	if len(in) == 0 {
		return nil, errInvalidSelectors("Specify at least one advanced event selector.")
	}
	if _, err := selector.CompileFor(selector.Set{Advanced: in}, selector.ForEventDataStore); err != nil {
		return nil, selectorError(err)
	}
	e := lake.EventDataStore{AdvancedEventSelectors: in}
	if kinds := lake.Kinds(e.Categories()); len(kinds) > 1 {
		return nil, errInvalidSelectors("An event data store holds one kind of events: CloudTrail events (%s, %s and %s, which can be combined), or %s, %s, %s or %s events. These selectors select %s.",
			selector.CategoryManagement, selector.CategoryData, selector.CategoryNetworkActivity,
			selector.CategoryConfigurationItem, selector.CategoryEvidence, selector.CategoryActivityAuditLog, selector.CategoryInsight,
			strings.Join(kinds, " and "))
	}
	return e.AdvancedEventSelectors, nil
}

// edsTagsFromInput validates a TagsList for CreateEventDataStore: valid
// tags, at most 50.
func edsTagsFromInput(in []tagInput) ([]lake.Tag, error) {
	tags, err := tagsFromInput(in)
	if err != nil {
		return nil, err
	}
	if len(tags) > maxTagsPerResource {
		return nil, cterr.InvalidTagParameter.New("An event data store can have at most %d tags; %d were given.", maxTagsPerResource, len(tags))
	}
	out := make([]lake.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, lake.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
