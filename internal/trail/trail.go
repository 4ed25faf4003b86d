// Package trail is Cairn's model of CloudTrail trails and their durable
// store. The CloudTrail API (internal/cloudtrail) changes trails through a
// staged Tx; the delivery engine reads them and watches for changes.
package trail

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/cairn-audit/cairn/internal/selector"
)

// GlobalRegion is where global service events (IAM, STS, ...) are recorded.
const GlobalRegion = "us-east-1"

// Tag is a trail tag. An empty Value is a tag created without a value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// InsightSelector is one enabled Insights type.
type InsightSelector struct {
	InsightType     string   `json:"insightType"`               // ApiCallRateInsight or ApiErrorRateInsight
	EventCategories []string `json:"eventCategories,omitempty"` // Management, Data; nil as given (Management)
}

// Window is one stretch of logging: from the StartLogging event (Start, its
// sequence number on the event stream) to the StopLogging event (Stop), both
// included. Stop is 0 while the trail is still logging.
type Window struct {
	Start     uint64    `json:"start"`
	StartTime time.Time `json:"startTime"`
	Stop      uint64    `json:"stop,omitempty"`
	StopTime  time.Time `json:"stopTime,omitzero"`
}

// Trail is one trail, as its home region owns it. Multi-region trails are
// one Trail; the other regions see it as a shadow.
type Trail struct {
	// ID is a random identifier, new for every CreateTrail: a trail deleted
	// and created again under the same name is a different trail.
	ID         string `json:"id"`
	Account    string `json:"account"`
	HomeRegion string `json:"homeRegion"`
	Name       string `json:"name"`
	ARN        string `json:"arn"`

	S3BucketName               string `json:"s3BucketName"`
	S3KeyPrefix                string `json:"s3KeyPrefix,omitempty"`
	SnsTopicName               string `json:"snsTopicName,omitempty"`
	SnsTopicARN                string `json:"snsTopicARN,omitempty"`
	IncludeGlobalServiceEvents bool   `json:"includeGlobalServiceEvents"`
	IsMultiRegionTrail         bool   `json:"isMultiRegionTrail"`
	LogFileValidationEnabled   bool   `json:"logFileValidationEnabled"`
	CloudWatchLogsLogGroupArn  string `json:"cloudWatchLogsLogGroupArn,omitempty"`
	CloudWatchLogsRoleArn      string `json:"cloudWatchLogsRoleArn,omitempty"`
	KmsKeyId                   string `json:"kmsKeyId,omitempty"`
	IsOrganizationTrail        bool   `json:"isOrganizationTrail"`
	Tags                       []Tag  `json:"tags,omitempty"`

	// Selectors are the event selectors; a zero Set is the default (all
	// management events). HasCustomEventSelectors is set once any were put.
	Selectors               selector.Set      `json:"selectors"`
	HasCustomEventSelectors bool              `json:"hasCustomEventSelectors"`
	InsightSelectors        []InsightSelector `json:"insightSelectors,omitempty"`
	// Aggregations are the event configuration's aggregation settings (aggregation.go).
	Aggregations []Aggregation `json:"aggregations,omitempty"`

	Created time.Time `json:"created"`
	// Windows is the logging history, oldest first. The store keeps the
	// last Options.MaxWindows of them (DefaultMaxWindows): older windows only
	// matter to deliveries that far behind, which do not happen in practice.
	Windows []Window `json:"windows,omitempty"`
}

// ARN is the ARN of the trail named name homed in region of account.
func ARN(region, account, name string) string {
	return "arn:aws:cloudtrail:" + region + ":" + account + ":trail/" + name
}

// NewID returns a fresh random trail ID (32 hex digits).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("trail: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// IsLogging reports whether the trail is logging (StartLogging without a
// StopLogging after it).
func (t Trail) IsLogging() bool {
	return len(t.Windows) > 0 && t.Windows[len(t.Windows)-1].Stop == 0
}

// StartLoggingTime is when logging last started; zero if it never did.
func (t Trail) StartLoggingTime() time.Time {
	if len(t.Windows) == 0 {
		return time.Time{}
	}
	return t.Windows[len(t.Windows)-1].StartTime
}

// StopLoggingTime is when logging last stopped (also while logging again
// since); zero if it never did.
func (t Trail) StopLoggingTime() time.Time {
	for i := len(t.Windows) - 1; i >= 0; i-- {
		if t.Windows[i].Stop != 0 {
			return t.Windows[i].StopTime
		}
	}
	return time.Time{}
}

// Logs reports whether the event with sequence number seq falls inside a
// logging window (both ends included: the StartLogging and StopLogging
// events are logged themselves).
func (t Trail) Logs(seq uint64) bool {
	for i := len(t.Windows) - 1; i >= 0; i-- {
		// Windows are ordered and disjoint: the last one starting at or
		// before seq is the only one that can hold it.
		if w := t.Windows[i]; seq >= w.Start {
			return w.Stop == 0 || seq <= w.Stop
		}
	}
	return false
}

// ReceivesRegion reports whether events of region go to the trail; global
// says the event is a global service event (recorded in GlobalRegion). A
// single-region trail receives its home region's events, and global events
// only if it includes them and is homed in GlobalRegion; a multi-region trail
// receives every region's events, and global ones if it includes them.
func (t Trail) ReceivesRegion(region string, global bool) bool {
	if global && !t.IncludeGlobalServiceEvents {
		return false
	}
	if t.IsMultiRegionTrail {
		return true
	}
	if region != t.HomeRegion {
		return false
	}
	return !global || t.HomeRegion == GlobalRegion
}

// HasInsightSelectors reports whether Insights are enabled.
func (t Trail) HasInsightSelectors() bool { return len(t.InsightSelectors) > 0 }

// StartLogging opens a logging window at the StartLogging event seq. It
// reports false (and changes nothing) if the trail is already logging.
func (t *Trail) StartLogging(seq uint64, at time.Time) bool {
	if t.IsLogging() {
		return false
	}
	t.Windows = append(t.Windows, Window{Start: seq, StartTime: at.UTC()})
	return true
}

// StopLogging closes the open window at the StopLogging event seq. It
// reports false (and changes nothing) if the trail is not logging.
func (t *Trail) StopLogging(seq uint64, at time.Time) bool {
	if !t.IsLogging() {
		return false
	}
	w := &t.Windows[len(t.Windows)-1]
	w.Stop, w.StopTime = seq, at.UTC()
	return true
}

// Clone returns a deep copy of t.
func (t Trail) Clone() Trail {
	c := t
	c.Tags = cloneSlice(t.Tags)
	c.Windows = cloneSlice(t.Windows)
	c.Selectors = cloneSet(t.Selectors)
	c.Aggregations = cloneAggregations(t.Aggregations)
	if t.InsightSelectors != nil {
		c.InsightSelectors = make([]InsightSelector, len(t.InsightSelectors))
		for i, s := range t.InsightSelectors {
			c.InsightSelectors[i] = InsightSelector{InsightType: s.InsightType, EventCategories: cloneSlice(s.EventCategories)}
		}
	}
	return c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

func cloneSet(s selector.Set) selector.Set {
	var out selector.Set
	if s.Basic != nil {
		out.Basic = make([]selector.EventSelector, len(s.Basic))
		for i, b := range s.Basic {
			n := b
			if b.IncludeManagementEvents != nil {
				v := *b.IncludeManagementEvents
				n.IncludeManagementEvents = &v
			}
			if b.DataResources != nil {
				n.DataResources = make([]selector.DataResource, len(b.DataResources))
				for j, d := range b.DataResources {
					n.DataResources[j] = selector.DataResource{Type: d.Type, Values: cloneSlice(d.Values)}
				}
			}
			n.ExcludeManagementEventSources = cloneSlice(b.ExcludeManagementEventSources)
			out.Basic[i] = n
		}
	}
	if s.Advanced != nil {
		out.Advanced = make([]selector.AdvancedEventSelector, len(s.Advanced))
		for i, a := range s.Advanced {
			n := selector.AdvancedEventSelector{Name: a.Name}
			if a.FieldSelectors != nil {
				n.FieldSelectors = make([]selector.FieldSelector, len(a.FieldSelectors))
				for j, f := range a.FieldSelectors {
					n.FieldSelectors[j] = selector.FieldSelector{
						Field:         f.Field,
						Equals:        cloneSlice(f.Equals),
						StartsWith:    cloneSlice(f.StartsWith),
						EndsWith:      cloneSlice(f.EndsWith),
						NotEquals:     cloneSlice(f.NotEquals),
						NotStartsWith: cloneSlice(f.NotStartsWith),
						NotEndsWith:   cloneSlice(f.NotEndsWith),
					}
				}
			}
			out.Advanced[i] = n
		}
	}
	return out
}
