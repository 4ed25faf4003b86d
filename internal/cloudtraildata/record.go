package cloudtraildata

import (
	"encoding/json"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
)

// RecordVersion is the eventVersion of ActivityAuditLog records. AWS does
// not document the value it writes for integration events; Cairn writes 1.0
// (a choice, not an observation).
const RecordVersion = "1.0"

// recordBuilder builds the ActivityAuditLog records of one call. A record
// is the event as the Lake stores it: the fields CloudTrail adds on
// ingestion, then the caller's eventData exactly as sent:
//
//	{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog",
//	 "eventID":"<uuid>","eventTime":"<eventData.eventTime, UTC>","awsRegion":"<call region>",
//	 "recipientAccountId":"<channel owner>",
//	 "metadata":{"ingestionTime":"<call time>","channelARN":"<channel ARN>"},
//	 "eventData":{...as sent...}}
type recordBuilder struct {
	prefix   []byte // {"eventVersion":...,"eventCategory":...,"eventType":...,"eventID":"
	middle   []byte // ","awsRegion":...,"metadata":{...},"eventData":
	region   string
	owner    string
	resource []event.ResourceRef
}

func newRecordBuilder(region string, ch *channel.Channel, now time.Time) *recordBuilder {
	b := &recordBuilder{region: region, owner: ch.Account,
		resource: []event.ResourceRef{{Type: channelResourceType, Name: ch.Name, ARN: ch.ARN}}}
	b.prefix = append(b.prefix, `{"eventVersion":"`+RecordVersion+`","eventCategory":"`+event.CategoryActivityAuditLog+
		`","eventType":"`+event.TypeActivityLog+`","eventID":"`...)
	b.middle = append(b.middle, `","awsRegion":`...)
	b.middle = appendJSONString(b.middle, region)
	b.middle = append(b.middle, `,"recipientAccountId":`...)
	b.middle = appendJSONString(b.middle, ch.Account)
	b.middle = append(b.middle, `,"metadata":{"ingestionTime":"`...)
	b.middle = now.AppendFormat(b.middle, event.TimeFormat)
	b.middle = append(b.middle, `","channelARN":`...)
	b.middle = appendJSONString(b.middle, ch.ARN)
	b.middle = append(b.middle, `},"eventData":`...)
	return b
}

// entry encodes the stream entry of one accepted event.
func (b *recordBuilder) entry(eventID string, data []byte, f eventFields) ([]byte, error) {
	rec := make([]byte, 0, len(b.prefix)+len(b.middle)+len(data)+80)
	rec = append(rec, b.prefix...)
	rec = append(rec, eventID...)
	rec = append(rec, `","eventTime":"`...)
	rec = f.time.AppendFormat(rec, event.TimeFormat)
	rec = append(rec, b.middle...)
	rec = append(rec, data...)
	rec = append(rec, '}')
	e := event.Entry{
		Meta: event.Meta{
			Time:        f.time.Truncate(time.Second),
			Account:     b.owner,
			Region:      b.region,
			EventID:     eventID,
			EventName:   f.eventName,
			EventSource: f.eventSource,
			Category:    event.CategoryActivityAuditLog,
			EventType:   event.TypeActivityLog,
			ErrorCode:   f.errCode,
			Resources:   b.resource,
		},
		Record: rec,
	}
	return e.MarshalBinary()
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
