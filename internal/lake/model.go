package lake

import (
	"time"

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
