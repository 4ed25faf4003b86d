package lake

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/selector"
)

// Event data store statuses (the API's EventDataStoreStatus).
const (
	StatusCreated           = "CREATED"
	StatusEnabled           = "ENABLED"
	StatusPendingDeletion   = "PENDING_DELETION"
	StatusStartingIngestion = "STARTING_INGESTION"
	StatusStoppingIngestion = "STOPPING_INGESTION"
	StatusStoppedIngestion  = "STOPPED_INGESTION"
)

// Billing modes and their retention limits, in days.
const (
	BillingExtendable = "EXTENDABLE_RETENTION_PRICING"
	BillingFixed      = "FIXED_RETENTION_PRICING"

	MinRetentionDays               = 7
	MaxRetentionDaysExtendable     = 3653
	MaxRetentionDaysFixed          = 2557
	DefaultRetentionDaysExtendable = 366
	DefaultRetentionDaysFixed      = 2557

	// PendingDeletionPeriod is how long a deleted store can be restored.
	PendingDeletionPeriod = 7 * 24 * time.Hour
)

// validStatus are the statuses a stored event data store may have.
var validStatus = map[string]bool{
	StatusCreated: true, StatusEnabled: true, StatusPendingDeletion: true,
	StatusStartingIngestion: true, StatusStoppingIngestion: true, StatusStoppedIngestion: true,
}

// idShape is an event data store ID: a lower-case UUID.
var idShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// NewID returns a new event data store ID (a lower-case UUID).
func NewID() string { return event.NewID() }

// ARN is the ARN of the event data store with this ID.
func ARN(region, account, id string) string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:eventdatastore/%s", region, account, id)
}

// Window is a stretch of ingestion over one stream: events with
// From <= seq (and seq <= To when To != 0) go to the store.
type Window struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to,omitempty"` // 0: still ingesting
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// EventDataStore is one event data store's definition.
type EventDataStore struct {
	ID      string `json:"id"` // lower-case UUID, the table name in SQL
	ARN     string `json:"arn"`
	Account string `json:"account"`
	Region  string `json:"region"` // home region
	Name    string `json:"name"`
	Status  string `json:"status"`

	AdvancedEventSelectors       []selector.AdvancedEventSelector `json:"advancedEventSelectors,omitempty"`
	MultiRegionEnabled           bool                             `json:"multiRegionEnabled"`
	OrganizationEnabled          bool                             `json:"organizationEnabled"`
	TerminationProtectionEnabled bool                             `json:"terminationProtectionEnabled"`
	RetentionPeriod              int                              `json:"retentionPeriod"` // days
	BillingMode                  string                           `json:"billingMode"`
	KmsKeyID                     string                           `json:"kmsKeyId,omitempty"`
	Tags                         []Tag                            `json:"tags,omitempty"`
	// Event configuration (stores_eventconfig.go): MaxEventSize "" is Standard.
	MaxEventSize        string               `json:"maxEventSize,omitempty"`
	ContextKeySelectors []ContextKeySelector `json:"contextKeySelectors,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Deleted is when DeleteEventDataStore put the store in
	// PENDING_DELETION (zero otherwise); it is purged PendingDeletionPeriod later.
	Deleted time.Time `json:"deleted,omitzero"`
	// StatusBeforeDelete is restored by RestoreEventDataStore.
	StatusBeforeDelete string `json:"statusBeforeDelete,omitempty"`

	// Ingestion windows over the main journal and the audit-event journal,
	// oldest first. A store receives events from its creation: its first
	// windows start at the CreateEventDataStore event and at the audit
	// journal's end at that moment.
	Windows      []Window `json:"windows,omitempty"`
	AuditWindows []Window `json:"auditWindows,omitempty"`
}

// Ingesting reports whether the store currently receives events.
func (e *EventDataStore) Ingesting() bool {
	return len(e.Windows) > 0 && e.Windows[len(e.Windows)-1].To == 0 && e.Status != StatusPendingDeletion
}

// Cutoff is the oldest eventTime the store keeps at now.
func (e *EventDataStore) Cutoff(now time.Time) time.Time {
	return now.Add(-time.Duration(e.RetentionPeriod) * 24 * time.Hour)
}

// InWindow reports whether seq falls in one of ws.
func InWindow(ws []Window, seq uint64) bool {
	for i := len(ws) - 1; i >= 0; i-- {
		w := ws[i]
		if seq >= w.From && (w.To == 0 || seq <= w.To) {
			return true
		}
	}
	return false
}

// Clone returns a deep copy of e.
func (e EventDataStore) Clone() EventDataStore {
	e.AdvancedEventSelectors = cloneSelectors(e.AdvancedEventSelectors)
	e.Tags = slices.Clone(e.Tags)
	e.Windows = slices.Clone(e.Windows)
	e.AuditWindows = slices.Clone(e.AuditWindows)
	e.ContextKeySelectors = cloneContextKeys(e.ContextKeySelectors)
	return e
}

func cloneSelectors(in []selector.AdvancedEventSelector) []selector.AdvancedEventSelector {
	if in == nil {
		return nil
	}
	out := make([]selector.AdvancedEventSelector, len(in))
	for i, a := range in {
		out[i] = selector.AdvancedEventSelector{Name: a.Name, FieldSelectors: make([]selector.FieldSelector, len(a.FieldSelectors))}
		for j, f := range a.FieldSelectors {
			out[i].FieldSelectors[j] = selector.FieldSelector{Field: f.Field,
				Equals: slices.Clone(f.Equals), StartsWith: slices.Clone(f.StartsWith), EndsWith: slices.Clone(f.EndsWith),
				NotEquals: slices.Clone(f.NotEquals), NotStartsWith: slices.Clone(f.NotStartsWith), NotEndsWith: slices.Clone(f.NotEndsWith)}
		}
	}
	return out
}

// Categories returns the event categories the store's selectors select
// (their eventCategory Equals values), in selector order, without repeats.
func (e *EventDataStore) Categories() []string {
	var out []string
	for _, a := range e.AdvancedEventSelectors {
		for _, f := range a.FieldSelectors {
			if f.Field != "eventCategory" {
				continue
			}
			for _, c := range f.Equals {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// validate checks what the store relies on: the ID, the ARN that matches
// it, the account, region and name, and a known status.
func (e *EventDataStore) validate() error {
	switch {
	case !idShape.MatchString(e.ID):
		return fmt.Errorf("%w: ID %q is not a lower-case UUID", ErrInvalid, e.ID)
	case e.Account == "" || e.Region == "" || e.Name == "":
		return fmt.Errorf("%w: %s lacks its account, region or name", ErrInvalid, e.ID)
	case e.ARN != ARN(e.Region, e.Account, e.ID):
		return fmt.Errorf("%w: ARN %s does not match its region, account and ID", ErrInvalid, e.ARN)
	case !validStatus[e.Status]:
		return fmt.Errorf("%w: %s has unknown status %q", ErrInvalid, e.ID, e.Status)
	}
	return nil
}

// openWindows starts a window on each stream that has none open: on the
// main journal at seq, on the audit journal at audit.
func (e *EventDataStore) openWindows(seq, audit uint64) {
	e.Windows = openWindow(e.Windows, seq)
	e.AuditWindows = openWindow(e.AuditWindows, audit)
}

// closeWindows ends the open windows: on the main journal at seq, on the
// audit journal at audit (both inclusive). A window that ends before it
// starts never held an event and is dropped.
func (e *EventDataStore) closeWindows(seq, audit uint64) {
	e.Windows = closeWindow(e.Windows, seq)
	e.AuditWindows = closeWindow(e.AuditWindows, audit)
}

// trimWindows keeps the last max windows of each stream.
func (e *EventDataStore) trimWindows(max int) {
	if n := len(e.Windows); n > max {
		e.Windows = slices.Clone(e.Windows[n-max:])
	}
	if n := len(e.AuditWindows); n > max {
		e.AuditWindows = slices.Clone(e.AuditWindows[n-max:])
	}
}

func openWindow(ws []Window, from uint64) []Window {
	if len(ws) > 0 && ws[len(ws)-1].To == 0 {
		return ws
	}
	return append(ws, Window{From: from})
}

func closeWindow(ws []Window, to uint64) []Window {
	if len(ws) == 0 || ws[len(ws)-1].To != 0 {
		return ws
	}
	last := &ws[len(ws)-1]
	if to < last.From {
		return ws[:len(ws)-1]
	}
	last.To = to
	return ws
}
