package cloudtrail

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/selector"
)

type createEDSInput struct {
	Name                         *string                           `json:"Name"`
	AdvancedEventSelectors       *[]selector.AdvancedEventSelector `json:"AdvancedEventSelectors"`
	MultiRegionEnabled           *bool                             `json:"MultiRegionEnabled"`
	OrganizationEnabled          *bool                             `json:"OrganizationEnabled"`
	RetentionPeriod              *int                              `json:"RetentionPeriod"`
	TerminationProtectionEnabled *bool                             `json:"TerminationProtectionEnabled"`
	TagsList                     []tagInput                        `json:"TagsList"`
	KmsKeyId                     *string                           `json:"KmsKeyId"`
	StartIngestion               *bool                             `json:"StartIngestion"`
	BillingMode                  *string                           `json:"BillingMode"`
}

// createEventDataStore creates a store of the caller's account in the
// calling region. Defaults: the "Default management events" selector,
// multi-region, termination protection, EXTENDABLE_RETENTION_PRICING with
// its default retention, ingestion started. An ingesting store receives
// events from its own creation event on; its status is ENABLED once created
// (the response says CREATED), or STOPPED_INGESTION with StartIngestion false.
func (s *Service) createEventDataStore(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in createEDSInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	name := deref(in.Name)
	if err := lake.ValidateName(name); err != nil {
		return nil, err
	}
	if err := lake.CheckNoOrganization(in.OrganizationEnabled); err != nil {
		return nil, err
	}
	mode, err := lake.BillingModeFrom(in.BillingMode, lake.BillingExtendable)
	if err != nil {
		return nil, err
	}
	retention := lake.DefaultRetention(mode)
	if in.RetentionPeriod != nil {
		retention = *in.RetentionPeriod
	}
	if err := lake.CheckRetention(retention, mode); err != nil {
		return nil, err
	}
	if in.KmsKeyId != nil {
		if err := validateEDSKmsKey(*in.KmsKeyId); err != nil {
			return nil, err
		}
	}
	sel := selector.DefaultEventDataStore().Advanced
	if in.AdvancedEventSelectors != nil {
		if sel, err = edsSelectorsFromInput(*in.AdvancedEventSelectors); err != nil {
			return nil, err
		}
	}
	tags, err := edsTagsFromInput(in.TagsList)
	if err != nil {
		return nil, err
	}
	start := in.StartIngestion == nil || *in.StartIngestion
	id, now := lake.NewID(), s.callTime(c).Truncate(time.Millisecond)
	e := lake.EventDataStore{
		ID: id, ARN: lake.ARN(c.Region, c.Caller.AccountID, id), Account: c.Caller.AccountID, Region: c.Region, Name: name,
		Status: lake.StatusEnabled, AdvancedEventSelectors: sel,
		MultiRegionEnabled:           in.MultiRegionEnabled == nil || *in.MultiRegionEnabled,
		TerminationProtectionEnabled: in.TerminationProtectionEnabled == nil || *in.TerminationProtectionEnabled,
		RetentionPeriod:              retention, BillingMode: mode, KmsKeyID: deref(in.KmsKeyId), Tags: tags,
		Created: now, Updated: now,
	}
	if !start {
		e.Status = lake.StatusStoppedIngestion
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		if activeInRegion(tx, e.Account, e.Region) >= s.opts.Lake.Stores.MaxPerRegion() {
			return nil, s.errEDSLimit(e.Account, e.Region)
		}
		if err := lake.CheckNameFree(tx, e.Account, e.Region, e.Name, e.ID); err != nil {
			return nil, err
		}
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		if start {
			if err := tx.OpenWindows(e.ID); err != nil {
				return nil, err
			}
		}
		out := describeEDS(e)
		out.Status = lake.StatusCreated
		if len(e.Tags) > 0 {
			out.TagsList = edsTagShapes(e.Tags)
		}
		return s.edsResult(c, "CreateEventDataStore", e, out, true)
	})
}
