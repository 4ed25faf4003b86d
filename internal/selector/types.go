package selector

// DataResource is the CloudTrail DataResource shape: the data events a basic
// event selector logs.
type DataResource struct {
	Type   string   `json:"Type,omitempty"`
	Values []string `json:"Values,omitempty"`
}

// EventSelector is the CloudTrail EventSelector shape (a basic selector).
type EventSelector struct {
	ReadWriteType                 string         `json:"ReadWriteType,omitempty"`
	IncludeManagementEvents       *bool          `json:"IncludeManagementEvents,omitempty"`
	DataResources                 []DataResource `json:"DataResources,omitempty"`
	ExcludeManagementEventSources []string       `json:"ExcludeManagementEventSources,omitempty"`
}

// FieldSelector is the CloudTrail AdvancedFieldSelector shape.
type FieldSelector struct {
	Field         string   `json:"Field"`
	Equals        []string `json:"Equals,omitempty"`
	StartsWith    []string `json:"StartsWith,omitempty"`
	EndsWith      []string `json:"EndsWith,omitempty"`
	NotEquals     []string `json:"NotEquals,omitempty"`
	NotStartsWith []string `json:"NotStartsWith,omitempty"`
	NotEndsWith   []string `json:"NotEndsWith,omitempty"`
}

// AdvancedEventSelector is the CloudTrail AdvancedEventSelector shape.
type AdvancedEventSelector struct {
	Name           string          `json:"Name,omitempty"`
	FieldSelectors []FieldSelector `json:"FieldSelectors"`
}

// Set is a trail's selectors: at most one of Basic or Advanced is non-empty.
// A zero Set means the default (see Default).
type Set struct {
	Basic    []EventSelector         `json:"basic,omitempty"`
	Advanced []AdvancedEventSelector `json:"advanced,omitempty"`
}

// ReadWriteType values.
const (
	ReadOnly  = "ReadOnly"
	WriteOnly = "WriteOnly"
	All       = "All"
)

// Default is the selector CloudTrail gives a trail that has never had
// selectors put: all management events, read and write, no data events.
func Default() Set {
	t := true
	return Set{Basic: []EventSelector{{
		ReadWriteType:                 All,
		IncludeManagementEvents:       &t,
		DataResources:                 []DataResource{},
		ExcludeManagementEventSources: []string{},
	}}}
}

// Normalized returns s with defaults filled as GetEventSelectors returns
// them: ReadWriteType "All" and IncludeManagementEvents true when unset,
// empty (non-nil) DataResources and ExcludeManagementEventSources. A zero
// Set normalizes to Default(). The result shares no slices with s.
func (s Set) Normalized() Set {
	if len(s.Basic) == 0 && len(s.Advanced) == 0 {
		return Default()
	}
	var out Set
	if len(s.Advanced) > 0 {
		out.Advanced = make([]AdvancedEventSelector, len(s.Advanced))
		for i, a := range s.Advanced {
			out.Advanced[i] = AdvancedEventSelector{Name: a.Name, FieldSelectors: make([]FieldSelector, len(a.FieldSelectors))}
			for j, f := range a.FieldSelectors {
				out.Advanced[i].FieldSelectors[j] = FieldSelector{
					Field:         f.Field,
					Equals:        cloneStrings(f.Equals),
					StartsWith:    cloneStrings(f.StartsWith),
					EndsWith:      cloneStrings(f.EndsWith),
					NotEquals:     cloneStrings(f.NotEquals),
					NotStartsWith: cloneStrings(f.NotStartsWith),
					NotEndsWith:   cloneStrings(f.NotEndsWith),
				}
			}
		}
		return out
	}
	out.Basic = make([]EventSelector, len(s.Basic))
	for i, b := range s.Basic {
		n := EventSelector{ReadWriteType: b.ReadWriteType}
		if n.ReadWriteType == "" {
			n.ReadWriteType = All
		}
		inc := true
		if b.IncludeManagementEvents != nil {
			inc = *b.IncludeManagementEvents
		}
		n.IncludeManagementEvents = &inc
		n.DataResources = make([]DataResource, len(b.DataResources))
		for j, d := range b.DataResources {
			n.DataResources[j] = DataResource{Type: d.Type, Values: cloneStrings(d.Values)}
		}
		n.ExcludeManagementEventSources = cloneStrings(b.ExcludeManagementEventSources)
		if n.ExcludeManagementEventSources == nil {
			n.ExcludeManagementEventSources = []string{}
		}
		out.Basic[i] = n
	}
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// Target says what the selectors are for: trails and event data stores
// accept different advanced fields and limits.
type Target int

const (
	ForTrail Target = iota
	ForEventDataStore
)

// ValidationError is a selector the API rejects. Its Error() is the message
// to send with InvalidEventSelectorsException.
type ValidationError struct{ Message string }

func (e *ValidationError) Error() string { return e.Message }

// DefaultEventDataStore is what an event data store created without
// selectors logs: all management events, as one advanced selector.
func DefaultEventDataStore() Set {
	return Set{Advanced: []AdvancedEventSelector{{
		Name:           defaultEDSSelectorName,
		FieldSelectors: []FieldSelector{{Field: "eventCategory", Equals: []string{CategoryManagement}}},
	}}}
}
