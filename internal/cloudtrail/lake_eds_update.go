package cloudtrail

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/selector"
)

type updateEDSInput struct {
	EventDataStore               *string                           `json:"EventDataStore"`
	Name                         *string                           `json:"Name"`
	AdvancedEventSelectors       *[]selector.AdvancedEventSelector `json:"AdvancedEventSelectors"`
	MultiRegionEnabled           *bool                             `json:"MultiRegionEnabled"`
	OrganizationEnabled          *bool                             `json:"OrganizationEnabled"`
	RetentionPeriod              *int                              `json:"RetentionPeriod"`
	TerminationProtectionEnabled *bool                             `json:"TerminationProtectionEnabled"`
	KmsKeyId                     *string                           `json:"KmsKeyId"`
	BillingMode                  *string                           `json:"BillingMode"`
}

func (in *updateEDSInput) empty() bool {
	return in.Name == nil && in.AdvancedEventSelectors == nil && in.MultiRegionEnabled == nil && in.OrganizationEnabled == nil &&
		in.RetentionPeriod == nil && in.TerminationProtectionEnabled == nil && in.KmsKeyId == nil && in.BillingMode == nil
}

// updateEventDataStore changes the settings the call names. The billing
// mode may go from FIXED to EXTENDABLE only; a KMS key may be added but not
// changed or removed; selectors may change within the store's kind of
// events and apply to events recorded after the call; a shorter retention
// drops older events at the next retention pass.
func (s *Service) updateEventDataStore(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in updateEDSInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	ref := deref(in.EventDataStore)
	if err := checkEDSRef(ref, c); err != nil {
		return nil, err
	}
	if in.empty() {
		return nil, cterr.InvalidParameter.New("UpdateEventDataStore needs at least one setting to change besides EventDataStore.")
	}
	if in.Name != nil {
		if err := lake.ValidateName(*in.Name); err != nil {
			return nil, err
		}
	}
	if err := lake.CheckNoOrganization(in.OrganizationEnabled); err != nil {
		return nil, err
	}
	if _, err := lake.BillingModeFrom(in.BillingMode, ""); err != nil {
		return nil, err
	}
	if in.KmsKeyId != nil && *in.KmsKeyId != "" {
		if err := validateEDSKmsKey(*in.KmsKeyId); err != nil {
			return nil, err
		}
	}
	var sel []selector.AdvancedEventSelector
	if in.AdvancedEventSelectors != nil {
		var err error
		if sel, err = edsSelectorsFromInput(*in.AdvancedEventSelectors); err != nil {
			return nil, err
		}
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, ref)
		if err != nil {
			return nil, err
		}
		if e.Status == lake.StatusPendingDeletion {
			return nil, errEDSInactive(e)
		}
		if s.opts.Lake.Stores.OngoingImport(e.ID) {
			return nil, errEDSImporting(e)
		}
		if err := applyEDSUpdate(&e, &in, sel); err != nil {
			return nil, err
		}
		if err := lake.CheckNameFree(tx, e.Account, e.Region, e.Name, e.ID); err != nil {
			return nil, err
		}
		e.Updated = s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		out := describeEDS(e)
		out.FederationStatus = federationDisabled
		return s.edsResult(c, "UpdateEventDataStore", e, out, true)
	})
}

// applyEDSUpdate applies the validated settings of in to e, refusing the
// changes that depend on e's current settings.
func applyEDSUpdate(e *lake.EventDataStore, in *updateEDSInput, sel []selector.AdvancedEventSelector) error {
	const code = cterr.InvalidParameter
	if in.BillingMode != nil {
		if e.BillingMode == lake.BillingExtendable && *in.BillingMode == lake.BillingFixed {
			return code.New("You can't change the billing mode from %s to %s: create a new event data store with %s instead.", lake.BillingExtendable, lake.BillingFixed, lake.BillingFixed)
		}
		e.BillingMode = *in.BillingMode
	}
	setInt(&e.RetentionPeriod, in.RetentionPeriod)
	if err := lake.CheckRetention(e.RetentionPeriod, e.BillingMode); err != nil {
		return err
	}
	if in.KmsKeyId != nil && *in.KmsKeyId != e.KmsKeyID {
		if e.KmsKeyID != "" || *in.KmsKeyId == "" {
			return code.New("The KMS key of event data store %s cannot be changed or removed once set (it is %q).", e.ARN, e.KmsKeyID)
		}
		e.KmsKeyID = *in.KmsKeyId
	}
	if sel != nil {
		next := lake.EventDataStore{AdvancedEventSelectors: sel}
		old, neu := lake.Kinds(e.Categories()), lake.Kinds(next.Categories())
		if !slices.Equal(old, neu) {
			return errInvalidSelectors("Event data store %s holds %s; its selectors cannot select %s instead. Create another event data store for those events.",
				e.ARN, strings.Join(old, " and "), strings.Join(neu, " and "))
		}
		e.AdvancedEventSelectors = sel
	}
	if in.Name != nil {
		e.Name = *in.Name
	}
	setBool(&e.MultiRegionEnabled, in.MultiRegionEnabled)
	setBool(&e.OrganizationEnabled, in.OrganizationEnabled)
	setBool(&e.TerminationProtectionEnabled, in.TerminationProtectionEnabled)
	return nil
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func errEDSImporting(e lake.EventDataStore) error {
	return cterr.EventDataStoreHasOngoingImport.New("An import into event data store %s is in progress; stop it or wait for it to finish.", e.ARN)
}
