package cloudtrail

import (
	"regexp"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/selector"
)

// maxEDSKmsKeyID is the model's length limit of an event data store's KmsKeyId.
const maxEDSKmsKeyID = 350

var edsNameShape = regexp.MustCompile(`^[a-zA-Z0-9._\-]{3,128}$`)

func validateEDSName(name string) error {
	if !edsNameShape.MatchString(name) {
		return api.Errorf("InvalidParameterException", "Event data store name %q is not valid: it must be 3 to 128 characters of letters, numbers, periods (.), underscores (_) and hyphens (-).", name)
	}
	return nil
}

// checkNoOrganization refuses OrganizationEnabled true: Cairn has no AWS
// Organizations, so the caller is never in one.
func checkNoOrganization(v *bool) error {
	if v != nil && *v {
		return api.Errorf("OrganizationsNotInUseException", "Cairn has no AWS Organizations, so it cannot create organization event data stores. Set OrganizationEnabled to false.")
	}
	return nil
}

// billingModeFrom validates a BillingMode member; nil is def.
func billingModeFrom(v *string, def string) (string, error) {
	switch {
	case v == nil:
		return def, nil
	case *v == lake.BillingExtendable || *v == lake.BillingFixed:
		return *v, nil
	}
	return "", api.Errorf("InvalidParameterException", "BillingMode %q is not valid: use %s or %s.", *v, lake.BillingExtendable, lake.BillingFixed)
}

// checkRetention applies the billing mode's retention limits (days).
func checkRetention(days int, mode string) error {
	limit := lake.MaxRetentionDaysExtendable
	if mode == lake.BillingFixed {
		limit = lake.MaxRetentionDaysFixed
	}
	if days < lake.MinRetentionDays || days > limit {
		return api.Errorf("InvalidParameterException", "RetentionPeriod %d is not valid: with billing mode %s it must be between %d and %d days.", days, mode, lake.MinRetentionDays, limit)
	}
	return nil
}

// defaultRetention is the retention of a store created without one.
func defaultRetention(mode string) int {
	if mode == lake.BillingFixed {
		return lake.DefaultRetentionDaysFixed
	}
	return lake.DefaultRetentionDaysExtendable
}

// validateEDSKmsKey checks a KmsKeyId's shape. Cairn keeps the key with the
// store but does not encrypt with it (it has no KMS).
func validateEDSKmsKey(k string) error {
	if len(k) > maxEDSKmsKeyID {
		return api.Errorf("InvalidKmsKeyIdException", "KMS key %q is not valid: it must be at most %d characters.", k, maxEDSKmsKeyID)
	}
	return validateKmsKeyID(k)
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
	if kinds := selectorKinds(e.Categories()); len(kinds) > 1 {
		return nil, errInvalidSelectors("An event data store holds one kind of events: CloudTrail events (%s, %s and %s, which can be combined), or %s, %s, %s or %s events. These selectors select %s.",
			selector.CategoryManagement, selector.CategoryData, selector.CategoryNetworkActivity,
			selector.CategoryConfigurationItem, selector.CategoryEvidence, selector.CategoryActivityAuditLog, selector.CategoryInsight,
			strings.Join(kinds, " and "))
	}
	return e.AdvancedEventSelectors, nil
}

// kindCloudTrail names the kind of the categories a store of CloudTrail
// events may combine.
const kindCloudTrail = "CloudTrail events"

// selectorKind is the kind of events a category belongs to: Management,
// Data and NetworkActivity events are CloudTrail events; every other
// category is a kind of its own.
func selectorKind(category string) string {
	switch category {
	case selector.CategoryManagement, selector.CategoryData, selector.CategoryNetworkActivity:
		return kindCloudTrail
	}
	return category
}

// selectorKinds returns the distinct kinds of categories, in order.
func selectorKinds(categories []string) []string {
	var out []string
	for _, c := range categories {
		if k := selectorKind(c); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// ingestionControllable reports whether Start/StopEventDataStoreIngestion
// apply to e: only stores of Management, Data, NetworkActivity or
// ConfigurationItem events.
func ingestionControllable(e *lake.EventDataStore) bool {
	for _, c := range e.Categories() {
		switch c {
		case selector.CategoryManagement, selector.CategoryData, selector.CategoryNetworkActivity, selector.CategoryConfigurationItem:
		default:
			return false
		}
	}
	return true
}

// edsTagsFromInput validates a TagsList for CreateEventDataStore: valid
// tags, at most 50.
func edsTagsFromInput(in []tagInput) ([]lake.Tag, error) {
	tags, err := tagsFromInput(in)
	if err != nil {
		return nil, err
	}
	if len(tags) > maxTagsPerResource {
		return nil, api.Errorf("InvalidTagParameterException", "An event data store can have at most %d tags; %d were given.", maxTagsPerResource, len(tags))
	}
	out := make([]lake.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, lake.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

// checkEDSNameFree refuses name when another store of the account in
// region has it (stores pending deletion keep their names).
func checkEDSNameFree(v edsView, account, region, name, self string) error {
	for _, o := range v.List(account) {
		if o.Region == region && o.Name == name && o.ID != self {
			return api.Errorf("EventDataStoreAlreadyExistsException", "An event data store named %s already exists: %s.", name, o.ARN)
		}
	}
	return nil
}
