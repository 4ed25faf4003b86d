package cloudtrail

import (
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/selector"
)

// federationDisabled is every store's FederationStatus: Cairn has no Lake
// query federation (Glue/Athena).
const federationDisabled = "DISABLED"

// edsShape is the description of an event data store that Create, Get,
// Update and Restore return; each fills the members its response has.
type edsShape struct {
	EventDataStoreArn            string                           `json:"EventDataStoreArn"`
	Name                         string                           `json:"Name"`
	Status                       string                           `json:"Status"`
	AdvancedEventSelectors       []selector.AdvancedEventSelector `json:"AdvancedEventSelectors"`
	MultiRegionEnabled           bool                             `json:"MultiRegionEnabled"`
	OrganizationEnabled          bool                             `json:"OrganizationEnabled"`
	BillingMode                  string                           `json:"BillingMode"`
	RetentionPeriod              int                              `json:"RetentionPeriod"`
	TerminationProtectionEnabled bool                             `json:"TerminationProtectionEnabled"`
	TagsList                     []tagShape                       `json:"TagsList,omitempty"`
	CreatedTimestamp             *float64                         `json:"CreatedTimestamp,omitempty"`
	UpdatedTimestamp             *float64                         `json:"UpdatedTimestamp,omitempty"`
	KmsKeyId                     string                           `json:"KmsKeyId,omitempty"`
	FederationStatus             string                           `json:"FederationStatus,omitempty"`
	PartitionKeys                []partitionKeyShape              `json:"PartitionKeys,omitempty"`
}

type partitionKeyShape struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

// edsPartitionKeys are the partition keys GetEventDataStore reports: the
// engine partitions every store's events by eventTime.
var edsPartitionKeys = []partitionKeyShape{{Name: "eventTime", Type: "timestamp"}}

// describeEDS renders e with the members every description has.
func describeEDS(e lake.EventDataStore) edsShape {
	sel := e.AdvancedEventSelectors
	if sel == nil {
		sel = []selector.AdvancedEventSelector{}
	}
	return edsShape{
		EventDataStoreArn: e.ARN, Name: e.Name, Status: e.Status, AdvancedEventSelectors: sel,
		MultiRegionEnabled: e.MultiRegionEnabled, OrganizationEnabled: e.OrganizationEnabled,
		BillingMode: e.BillingMode, RetentionPeriod: e.RetentionPeriod, TerminationProtectionEnabled: e.TerminationProtectionEnabled,
		CreatedTimestamp: epoch(e.Created), UpdatedTimestamp: epoch(e.Updated), KmsKeyId: e.KmsKeyID,
	}
}

func edsTagShapes(tags []lake.Tag) []tagShape {
	out := make([]tagShape, 0, len(tags))
	for _, t := range tags {
		out = append(out, tagShape{Key: t.Key, Value: t.Value})
	}
	return out
}
