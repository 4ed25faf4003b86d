package lake

import (
	"regexp"
	"slices"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/selector"
)

// CheckChannelDestination refuses e as a channel destination unless it is
// active, selects ActivityAuditLog events only, and is neither an
// organization nor a multi-Region store.
func (e *EventDataStore) CheckChannelDestination() error {
	const code = cterr.InvalidEventDataStoreCategory
	switch cats := e.Categories(); {
	case e.Status == StatusPendingDeletion:
		return e.ErrInactive()
	case len(cats) != 1 || cats[0] != selector.CategoryActivityAuditLog:
		return code.New("Event data store %s cannot be a channel destination: it must select %s events only (eventCategory Equals %s).", e.ARN, selector.CategoryActivityAuditLog, selector.CategoryActivityAuditLog)
	case e.OrganizationEnabled:
		return code.New("Event data store %s cannot be a channel destination: it is an organization event data store.", e.ARN)
	case e.MultiRegionEnabled:
		return code.New("Event data store %s cannot be a channel destination: it is multi-Region (create it with MultiRegionEnabled false).", e.ARN)
	}
	return nil
}

// ErrInactive is the error of a change refused because e is pending deletion.
func (e *EventDataStore) ErrInactive() error {
	return cterr.InactiveEventDataStore.New("The event data store %s is pending deletion; restore it first.", e.ARN)
}

// The rules of an event data store's settings, with CloudTrail's error
// codes and messages (the API handlers call them; they are the only copy).

var nameShape = regexp.MustCompile(`^[a-zA-Z0-9._\-]{3,128}$`)

func ValidateName(name string) error {
	if !nameShape.MatchString(name) {
		return cterr.InvalidParameter.New("Event data store name %q is not valid: it must be 3 to 128 characters of letters, numbers, periods (.), underscores (_) and hyphens (-).", name)
	}
	return nil
}

// CheckNoOrganization refuses OrganizationEnabled true: Cairn has no AWS
// Organizations, so the caller is never in one.
func CheckNoOrganization(v *bool) error {
	if v != nil && *v {
		return cterr.OrganizationsNotInUse.New("Cairn has no AWS Organizations, so it cannot create organization event data stores. Set OrganizationEnabled to false.")
	}
	return nil
}

// BillingModeFrom validates a BillingMode member; nil is def.
func BillingModeFrom(v *string, def string) (string, error) {
	switch {
	case v == nil:
		return def, nil
	case *v == BillingExtendable || *v == BillingFixed:
		return *v, nil
	}
	return "", cterr.InvalidParameter.New("BillingMode %q is not valid: use %s or %s.", *v, BillingExtendable, BillingFixed)
}

// CheckRetention applies the billing mode's retention limits (days).
func CheckRetention(days int, mode string) error {
	limit := MaxRetentionDaysExtendable
	if mode == BillingFixed {
		limit = MaxRetentionDaysFixed
	}
	if days < MinRetentionDays || days > limit {
		return cterr.InvalidParameter.New("RetentionPeriod %d is not valid: with billing mode %s it must be between %d and %d days.", days, mode, MinRetentionDays, limit)
	}
	return nil
}

// DefaultRetention is the retention of a store created without one.
func DefaultRetention(mode string) int {
	if mode == BillingFixed {
		return DefaultRetentionDaysFixed
	}
	return DefaultRetentionDaysExtendable
}

// KindCloudTrail names the kind of the categories a store of CloudTrail
// events may combine.
const KindCloudTrail = "CloudTrail events"

// Kind is the kind of events a category belongs to: Management,
// Data and NetworkActivity events are CloudTrail events; every other
// category is a kind of its own.
func Kind(category string) string {
	switch category {
	case selector.CategoryManagement, selector.CategoryData, selector.CategoryNetworkActivity:
		return KindCloudTrail
	}
	return category
}

// Kinds returns the distinct kinds of categories, in order.
func Kinds(categories []string) []string {
	var out []string
	for _, c := range categories {
		if k := Kind(c); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// IngestionControllable reports whether Start/StopEventDataStoreIngestion
// apply to e: only stores of Management, Data, NetworkActivity or
// ConfigurationItem events.
func (e *EventDataStore) IngestionControllable() bool {
	for _, c := range e.Categories() {
		switch c {
		case selector.CategoryManagement, selector.CategoryData, selector.CategoryNetworkActivity, selector.CategoryConfigurationItem:
		default:
			return false
		}
	}
	return true
}

// CheckNameFree refuses name when another store of the account in
// region has it (stores pending deletion keep their names).
func CheckNameFree(v interface {
	List(account string) []EventDataStore
}, account, region, name, self string) error {
	for _, o := range v.List(account) {
		if o.Region == region && o.Name == name && o.ID != self {
			return cterr.EventDataStoreAlreadyExists.New("An event data store named %s already exists: %s.", name, o.ARN)
		}
	}
	return nil
}
