// Package channel holds CloudTrail Lake channels: the integrations through
// which events from outside AWS arrive (cloudtrail-data PutAuditEvents).
// Channels live in one JSON file per data directory (channels.json), changed
// through staged transactions like the trail store; the ingestion status
// PutAuditEvents reports is kept in memory and persisted lazily
// (ingestion.json).
package channel

import (
	"fmt"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// SourceCustom is the source of channels for events from any non-AWS
// source, the only source Cairn supports (partner sources are not).
const SourceCustom = "Custom"

// Destination types.
const (
	DestinationEventDataStore = "EVENT_DATA_STORE"
	DestinationAWSService     = "AWS_SERVICE"
)

// Channel is one channel of one account in one region.
type Channel struct {
	ID           string        `json:"id"` // the UUID that ends the ARN
	ARN          string        `json:"arn"`
	Account      string        `json:"account"`
	Region       string        `json:"region"`
	Name         string        `json:"name"`
	Source       string        `json:"source"`
	Destinations []Destination `json:"destinations"`
	Tags         []Tag         `json:"tags,omitempty"`
	// Policy is the resource policy document exactly as put ("" = none).
	Policy  string    `json:"policy,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Destination is where a channel's events go.
type Destination struct {
	Type     string `json:"type"`     // EVENT_DATA_STORE or AWS_SERVICE
	Location string `json:"location"` // event data store ARN or ID, or service name, as given
	// Pending is set when the destination could only be checked for
	// format: the API ran without a Lake to resolve event data stores.
	Pending bool `json:"pending,omitempty"`
}

// Tag is a resource tag; an empty Value is a tag without a value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// ARN is the ARN of the channel with this ID.
func ARN(region, account, id string) string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:channel/%s", region, account, id)
}

// NewID returns a new channel ID (a lower-case UUID).
func NewID() string { return event.NewID() }

// Clone returns a deep copy of c.
func (c Channel) Clone() Channel {
	c.Destinations = slices.Clone(c.Destinations)
	c.Tags = slices.Clone(c.Tags)
	return c
}

// HasEventDataStore reports whether the channel delivers to an event data
// store (the destination of ActivityAuditLog events).
func (c Channel) HasEventDataStore() bool {
	return slices.ContainsFunc(c.Destinations, func(d Destination) bool { return d.Type == DestinationEventDataStore })
}
