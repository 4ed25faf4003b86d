package selector

import "github.com/cairn-audit/cairn/internal/event"

// Event is what matching looks at.
type Event struct {
	Category                     string // eventCategory: Management, Data, NetworkActivity, ActivityAuditLog, Insight...
	EventSource                  string
	EventName                    string
	EventType                    string
	ErrorCode                    string
	UserARN                      string
	VPCEndpointID                string
	ReadOnly                     bool
	Resources                    []Resource
	SessionCredentialFromConsole string // "true"/"false"/""
}

// Resource is one resource an event touched.
type Resource struct{ Type, ARN string }

// FromMeta builds the matching view of a recorded event. Meta.Category ""
// means Management (entries written before categories were recorded).
func FromMeta(m *event.Meta) Event {
	e := Event{
		Category:    m.Category,
		EventSource: m.EventSource,
		EventName:   m.EventName,
		EventType:   m.EventType,
		ErrorCode:   m.ErrorCode,
		UserARN:     m.UserARN,
		ReadOnly:    m.ReadOnly,
	}
	if e.Category == "" {
		e.Category = "Management"
	}
	if len(m.Resources) > 0 {
		e.Resources = make([]Resource, len(m.Resources))
		for i, r := range m.Resources {
			e.Resources[i] = Resource{Type: r.Type, ARN: r.ARN}
		}
	}
	return e
}
