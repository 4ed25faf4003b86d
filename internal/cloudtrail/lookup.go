package cloudtrail

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
)

// LookupEvents limits from the API model.
const (
	defaultMaxResults = 50
	maxMaxResults     = 50
	maxAttrValueLen   = 2000
)

type lookupAttribute struct {
	AttributeKey   *string `json:"AttributeKey"`
	AttributeValue *string `json:"AttributeValue"`
}

type lookupEventsInput struct {
	LookupAttributes []lookupAttribute `json:"LookupAttributes"`
	StartTime        *Timestamp        `json:"StartTime"`
	EndTime          *Timestamp        `json:"EndTime"`
	EventCategory    *string           `json:"EventCategory"`
	MaxResults       *int64            `json:"MaxResults"`
	NextToken        *string           `json:"NextToken"`
}

type lookupResource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

type lookupEvent struct {
	EventID         string           `json:"EventId"`
	EventName       string           `json:"EventName"`
	ReadOnly        string           `json:"ReadOnly"`
	AccessKeyID     string           `json:"AccessKeyId,omitempty"`
	EventTime       float64          `json:"EventTime"`
	EventSource     string           `json:"EventSource"`
	Username        string           `json:"Username,omitempty"`
	Resources       []lookupResource `json:"Resources"`
	CloudTrailEvent string           `json:"CloudTrailEvent"`
}

type lookupEventsOutput struct {
	Events    []lookupEvent `json:"Events"`
	NextToken string        `json:"NextToken,omitempty"`
}

// lookupPlan is a validated LookupEvents request.
type lookupPlan struct {
	query     history.Query
	insight   bool
	queryHash [16]byte
}

// planLookup validates the request as CloudTrail does and resolves defaults.
func (s *Service) planLookup(c *api.Call, in *lookupEventsInput) (*lookupPlan, error) {
	p := &lookupPlan{query: history.Query{Account: c.Caller.AccountID, Region: c.Region, Limit: defaultMaxResults}}
	if in.EventCategory != nil {
		if *in.EventCategory != "insight" {
			return nil, cterr.InvalidEventCategory.New("EventCategory %q is not valid. The only valid value is insight.", *in.EventCategory)
		}
		p.insight = true
	}
	if len(in.LookupAttributes) > 1 {
		return nil, cterr.InvalidLookupAttributes.New("You can specify at most one lookup attribute; %d were given.", len(in.LookupAttributes))
	}
	if len(in.LookupAttributes) == 1 {
		a := in.LookupAttributes[0]
		if a.AttributeKey == nil || a.AttributeValue == nil {
			return nil, cterr.InvalidLookupAttributes.New("A lookup attribute needs both AttributeKey and AttributeValue.")
		}
		key := history.AttrKey(*a.AttributeKey)
		if !validAttr(key) {
			return nil, cterr.InvalidLookupAttributes.New("AttributeKey %q is not valid. Valid keys: EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId.", *a.AttributeKey)
		}
		if p.insight && key != history.AttrEventID && key != history.AttrEventName && key != history.AttrEventSource {
			return nil, cterr.InvalidLookupAttributes.New("AttributeKey %s is not valid for the insight event category; use EventId, EventName or EventSource.", key)
		}
		v := *a.AttributeValue
		if v == "" || attrValueLen(v) > maxAttrValueLen {
			return nil, cterr.InvalidLookupAttributes.New("AttributeValue must be 1 to %d characters (_, space, comma and newline count as two).", maxAttrValueLen)
		}
		if key == history.AttrReadOnly && v != "true" && v != "false" {
			return nil, cterr.InvalidLookupAttributes.New("The ReadOnly attribute value must be true or false, not %q.", v)
		}
		p.query.Attr, p.query.Value = key, v
	}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxMaxResults {
			return nil, cterr.InvalidMaxResults.New("MaxResults must be between 1 and %d; %d was given.", maxMaxResults, *in.MaxResults)
		}
		p.query.Limit = int(*in.MaxResults)
	}
	now := s.now().UTC()
	oldest := now.Add(-s.opts.Retention)
	p.query.Start, p.query.End = oldest, now
	if in.StartTime != nil {
		p.query.Start = in.StartTime.Time
	}
	if in.EndTime != nil {
		p.query.End = in.EndTime.Time
	}
	if p.query.Start.After(p.query.End) {
		return nil, cterr.InvalidTimeRange.New("StartTime %s is after EndTime %s.", p.query.Start.Format(time.RFC3339), p.query.End.Format(time.RFC3339))
	}
	if p.query.Start.Before(oldest) { // Event history holds the retention window only
		p.query.Start = oldest
	}
	p.queryHash = hashLookup(p, in)
	if in.NextToken != nil {
		cur, err := s.tokens.decode(*in.NextToken, p.queryHash)
		if err != nil {
			return nil, cterr.InvalidNextToken.New("The NextToken is not valid for this request: it is malformed, expired or was issued for different parameters.")
		}
		p.query.After = &cur
	}
	return p, nil
}

// hashLookup identifies the query a page token belongs to: the caller's
// account and region and the parameters as sent (defaults resolve anew per page).
func hashLookup(p *lookupPlan, in *lookupEventsInput) [16]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%t\x00", p.query.Account, p.query.Region, p.query.Attr, p.query.Value, p.insight)
	for _, t := range []*Timestamp{in.StartTime, in.EndTime} {
		if t == nil {
			h.Write([]byte("-\x00"))
		} else {
			fmt.Fprintf(h, "%d\x00", t.UnixNano())
		}
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

func validAttr(k history.AttrKey) bool {
	for _, v := range history.AttrKeys {
		if k == v {
			return true
		}
	}
	return false
}

// attrValueLen counts characters as CloudTrail does: _, space, comma and newline count twice.
func attrValueLen(v string) int {
	n := 0
	for _, r := range v {
		n++
		if r == '_' || r == ' ' || r == ',' || r == '\n' {
			n++
		}
	}
	return n
}

func (s *Service) lookupEvents(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in lookupEventsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if s.limiter != nil && !s.limiter.allow(c.Caller.AccountID+"/"+c.Region, s.now()) {
		return nil, cterr.Throttling.New("Rate exceeded")
	}
	p, err := s.planLookup(c, &in)
	if err != nil {
		return nil, err
	}
	out := lookupEventsOutput{Events: []lookupEvent{}}
	if !p.insight { // Insights are not produced yet, so the insight category is empty
		q := p.query
		q.Limit++ // one more tells whether another page exists
		// Read-your-writes without waiting for the index: every event durable
		// now is either in the store or in the pending tail merged below.
		pending, ok, err := s.opts.Index.Pending(q, history.DefaultMaxPending)
		if err != nil {
			return nil, fmt.Errorf("lookup events: %w", err)
		}
		if !ok { // a long tail under heavy ingest: let the index catch up instead
			if err := s.opts.Index.Sync(ctx, s.opts.SyncTimeout); err != nil {
				s.opts.Logger.Warn("LookupEvents served from a lagging index", "err", err)
			}
		}
		entries, err := s.opts.Store.Lookup(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("lookup events: %w", err)
		}
		entries = history.Merge(entries, pending, q.Limit)
		if len(entries) > p.query.Limit {
			entries = entries[:p.query.Limit]
			last := entries[len(entries)-1]
			out.NextToken = s.tokens.encode(p.queryHash, history.Cursor{Time: last.Meta.Time, Seq: last.Seq})
		}
		for i := range entries {
			out.Events = append(out.Events, toLookupEvent(&entries[i]))
		}
	}
	res, err := s.proto.JSONResult("LookupEvents", out, c.RequestID)
	if err != nil {
		return nil, fmt.Errorf("encode LookupEvents response: %w", err)
	}
	return res, nil
}

func toLookupEvent(e *event.Entry) lookupEvent {
	m := &e.Meta
	le := lookupEvent{
		EventID:         m.EventID,
		EventName:       m.EventName,
		ReadOnly:        strconv.FormatBool(m.ReadOnly),
		AccessKeyID:     m.AccessKeyID,
		EventTime:       float64(m.Time.UnixMilli()) / 1000,
		EventSource:     m.EventSource,
		Username:        m.Username,
		Resources:       []lookupResource{},
		CloudTrailEvent: string(e.Record),
	}
	for _, r := range m.Resources {
		le.Resources = append(le.Resources, lookupResource{ResourceType: r.Type, ResourceName: r.Name})
	}
	return le
}

// lookupRequestParameters is what the LookupEvents record holds: the request
// members in lower camel case, without the page token.
func lookupRequestParameters(body []byte) json.RawMessage {
	rp := requestParameters(body)
	if rp == nil || !strings.Contains(string(rp), "nextToken") {
		return rp
	}
	var m map[string]any
	if json.Unmarshal(rp, &m) != nil {
		return rp
	}
	delete(m, "nextToken")
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m)
	return b
}
