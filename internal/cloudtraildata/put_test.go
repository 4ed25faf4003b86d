package cloudtraildata

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
)

func TestPutAuditEventsSuccess(t *testing.T) {
	e := newEnv(t)
	d1, d2 := eventDataFor(owner, nil), eventDataFor(owner, map[string]any{"eventName": "Logout", "errorCode": "Denied", "UID": "uid-2"})
	d2 = "  " + d2 + "\n"                                                                          // whitespace is kept
	res := e.call(owner, q(e.ch.ARN), ev("a-1", d1), map[string]any{"id": "b_2", "eventData": d2}) // no checksum: fine
	out := e.ok(res)
	if len(out.Successful) != 2 || len(out.Failed) != 0 || out.Successful[0].ID != "a-1" || out.Successful[1].ID != "b_2" ||
		len(out.Successful[0].EventID) != 36 || out.Successful[0].EventID == out.Successful[1].EventID {
		t.Fatalf("response %s", res.Body)
	}
	if !strings.Contains(string(res.Body), `"failed":[]`) || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("failed[] must always be present: %s", res.Body)
	}
	// The call's own event: a data event on the channel.
	if res.EventName != "PutAuditEvents" || !res.DataEvent || res.ReadOnly || res.APIVersion != "2021-08-11" ||
		len(res.Resources) != 1 || res.Resources[0].Type != "AWS::CloudTrail::Channel" || res.Resources[0].ARN != e.ch.ARN {
		t.Fatalf("call event %+v", res)
	}
	if rp, _ := json.Marshal(res.RequestParameters); string(rp) != `{"channelArn":"`+e.ch.ARN+`"}` {
		t.Fatalf("requestParameters %s", rp)
	}
	// One durable batch with both events.
	if len(e.stream.batches) != 1 {
		t.Fatalf("%d batches", len(e.stream.batches))
	}
	entries := e.stream.entries(t)
	m := entries[1].Meta
	if m.EventID != out.Successful[1].EventID || m.Account != owner || m.Region != region || m.EventName != "Logout" ||
		m.EventSource != "app.example.com" || m.Category != "ActivityAuditLog" || m.EventType != "ActivityLog" || m.Management ||
		m.ReadOnly || m.ErrorCode != "Denied" || !m.Time.Equal(time.Date(2026, 11, 21, 11, 59, 30, 0, time.UTC)) ||
		len(m.Resources) != 1 || m.Resources[0].ARN != e.ch.ARN {
		t.Fatalf("meta %+v", m)
	}
	want := `{"eventVersion":"1.0","eventCategory":"ActivityAuditLog","eventType":"ActivityLog","eventID":"` + m.EventID +
		`","eventTime":"2026-11-21T11:59:30Z","awsRegion":"us-east-1","recipientAccountId":"111111111111",` +
		`"metadata":{"ingestionTime":"2026-11-21T12:00:00Z","channelARN":"` + e.ch.ARN + `"},"eventData":` + d2 + `}`
	if string(entries[1].Record) != want {
		t.Fatalf("record\n%s\nwant\n%s", entries[1].Record, want)
	}
	var rec map[string]any
	if err := json.Unmarshal(entries[0].Record, &rec); err != nil {
		t.Fatalf("record is not JSON: %v", err)
	}
	// Ingestion status, in memory.
	g := e.channels.Ingestion(e.ch.ARN)
	if !g.LatestSuccessTime.Equal(testNow) || g.LatestSuccessEventID != m.EventID || g.LatestAttemptEventID != m.EventID || g.LatestErrorCode != "" {
		t.Fatalf("ingestion %+v", g)
	}
	// By channel ID too.
	e.ok(e.call(owner, q(e.ch.ID), ev("x", d1)))
}

func TestPutAuditEventsPerEventFailures(t *testing.T) {
	long := strings.Repeat("x", 1025)
	cases := []struct {
		name string
		ev   map[string]any
		code string
	}{
		{"checksum mismatch", map[string]any{"id": "c", "eventData": eventDataFor(owner, nil), "eventDataChecksum": checksum("other")}, "InvalidChecksum"},
		{"checksum not base64", map[string]any{"id": "c", "eventData": eventDataFor(owner, nil), "eventDataChecksum": "!!!"}, "InvalidChecksum"},
		{"hex checksum", map[string]any{"id": "c", "eventData": "{}", "eventDataChecksum": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}, "InvalidChecksum"},
		{"no eventData", map[string]any{"id": "c"}, "FieldNotFound"},
		{"not JSON", ev("c", "not json"), "InvalidData"},
		{"JSON array", ev("c", "[1]"), "InvalidData"},
		{"truncated JSON", ev("c", `{"version":"1.0"`), "InvalidData"},
		{"bad id", ev("bad id!", eventDataFor(owner, nil)), "InvalidData"},
		{"long id", ev(strings.Repeat("i", 129), eventDataFor(owner, nil)), "InvalidData"},
		{"no version", ev("c", eventDataFor(owner, map[string]any{"version": nil})), "FieldNotFound"},
		{"no userIdentity", ev("c", eventDataFor(owner, map[string]any{"userIdentity": nil})), "FieldNotFound"},
		{"no principalId", ev("c", eventDataFor(owner, map[string]any{"userIdentity": map[string]any{"type": "u"}})), "FieldNotFound"},
		{"no eventSource", ev("c", eventDataFor(owner, map[string]any{"eventSource": nil})), "FieldNotFound"},
		{"empty eventName", ev("c", eventDataFor(owner, map[string]any{"eventName": ""})), "FieldNotFound"},
		{"no eventTime", ev("c", eventDataFor(owner, map[string]any{"eventTime": nil})), "FieldNotFound"},
		{"no UID", ev("c", eventDataFor(owner, map[string]any{"UID": nil})), "FieldNotFound"},
		{"no recipient", ev("c", eventDataFor(owner, map[string]any{"recipientAccountId": nil})), "FieldNotFound"},
		{"long eventName", ev("c", eventDataFor(owner, map[string]any{"eventName": long})), "FieldTooLong"},
		{"long version", ev("c", eventDataFor(owner, map[string]any{"version": long[:257]})), "FieldTooLong"},
		{"long identity type", ev("c", eventDataFor(owner, map[string]any{"userIdentity": map[string]any{"type": long[:129], "principalId": "p"}})), "FieldTooLong"},
		{"long errorMessage", ev("c", eventDataFor(owner, map[string]any{"errorMessage": long[:257]})), "FieldTooLong"},
		{"big requestParameters", ev("c", eventDataFor(owner, map[string]any{"requestParameters": map[string]string{"k": strings.Repeat("v", 100<<10)}})), "FieldTooLong"},
		{"big additionalEventData", ev("c", eventDataFor(owner, map[string]any{"additionalEventData": map[string]string{"k": strings.Repeat("v", 28<<10)}})), "FieldTooLong"},
		{"requestParameters not object", ev("c", eventDataFor(owner, map[string]any{"requestParameters": "text"})), "InvalidData"},
		{"version not string", ev("c", eventDataFor(owner, map[string]any{"version": 1})), "InvalidData"},
		{"bad eventTime", ev("c", eventDataFor(owner, map[string]any{"eventTime": "21/11/2026 11:00"})), "InvalidData"},
		{"bad source IP", ev("c", eventDataFor(owner, map[string]any{"sourceIPAddress": "300.1.1.1"})), "InvalidData"},
		{"recipient mismatch", ev("c", eventDataFor(other, nil)), "InvalidRecipient"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			good := ev("good", eventDataFor(owner, nil))
			out := e.ok(e.call(owner, q(e.ch.ARN), c.ev, good))
			if len(out.Failed) != 1 || out.Failed[0].ErrorCode != c.code || out.Failed[0].ID != c.ev["id"] && c.ev["id"] != nil || out.Failed[0].ErrorMessage == "" {
				t.Fatalf("failed %+v, want one %s", out.Failed, c.code)
			}
			if len(out.Successful) != 1 || out.Successful[0].ID != "good" || len(e.stream.entries(t)) != 1 {
				t.Fatalf("the valid event was not accepted alone: %+v", out.Successful)
			}
			if g := e.channels.Ingestion(e.ch.ARN); g.LatestErrorCode != c.code || g.LatestSuccessEventID == "" {
				t.Fatalf("ingestion %+v", g)
			}
		})
	}
}

func TestPutAuditEventsEventTimeForms(t *testing.T) {
	e := newEnv(t)
	for _, ts := range []string{"2026-11-21T11:59:30", "2026-11-21T11:59:30.250Z", "2026-11-21T12:59:30+01:00"} {
		out := e.ok(e.call(owner, q(e.ch.ARN), ev("t", eventDataFor(owner, map[string]any{"eventTime": ts}))))
		if len(out.Successful) != 1 {
			t.Fatalf("%s: %+v", ts, out.Failed)
		}
	}
	for _, en := range e.stream.entries(t) {
		if !en.Meta.Time.Equal(time.Date(2026, 11, 21, 11, 59, 30, 0, time.UTC)) || !strings.Contains(string(en.Record), `"eventTime":"2026-11-21T11:59:30Z"`) {
			t.Fatalf("time %v in %s", en.Meta.Time, en.Record)
		}
	}
}

func TestPutAuditEventsRequestErrors(t *testing.T) {
	e := newEnv(t)
	good := ev("a", eventDataFor(owner, nil))
	big := ev("big", eventDataFor(owner, map[string]any{"additionalEventData": map[string]string{"k": strings.Repeat("v", 20<<10)}}))
	var oversize []map[string]any
	for i := 0; i < 60; i++ {
		b := map[string]any{}
		for k, v := range big {
			b[k] = v
		}
		b["id"] = "big" + strings.Repeat("x", i)
		oversize = append(oversize, b)
	}
	e.fails(e.call(owner, q(e.ch.ARN), oversize...), http.StatusRequestEntityTooLarge, "RequestEntityTooLarge")
	e.fails(e.call(owner, q(e.ch.ARN), ids(101)...), http.StatusBadRequest, "ValidationException")
	e.fails(e.call(owner, q(e.ch.ARN)), http.StatusBadRequest, "ValidationException")
	e.fails(e.call(owner, q(e.ch.ARN), good, ev("b", eventDataFor(owner, nil)), good), http.StatusBadRequest, "DuplicatedAuditEventId")
	if g := e.channels.Ingestion(e.ch.ARN); g.LatestErrorCode != "DuplicatedAuditEventId" || !g.LatestAttemptTime.Equal(testNow) {
		t.Fatalf("ingestion after a duplicate: %+v", g)
	}
	unknown := channel.ARN(region, owner, "0b3c1e3a-1111-4000-8000-000000000001")
	e.fails(e.call(owner, q(unknown), good), http.StatusBadRequest, "ChannelNotFound")
	e.fails(e.call(owner, q("0b3c1e3a-1111-4000-8000-000000000001"), good), http.StatusBadRequest, "ChannelNotFound")
	euCh := e.seed(owner, "eu-west-1", channel.DestinationEventDataStore)
	e.fails(e.call(owner, q(euCh.ARN), good), http.StatusBadRequest, "ChannelNotFound") // another region's channel
	for _, bad := range []string{"", "arn:aws:cloudtrail:us-east-1:111111111111:trail/t", "arn:aws:cloudtrail:us-east-1:1:channel/x", "not/an id"} {
		e.fails(e.call(owner, q(bad), good), http.StatusBadRequest, "InvalidChannelARN")
	}
	e.fails(e.callRaw(owner, q(e.ch.ARN), []byte(`{"auditEvents":`)), http.StatusBadRequest, "SerializationException")
	e.fails(e.callRaw(owner, q(e.ch.ARN), []byte(`{"auditEvents":"x"}`)), http.StatusBadRequest, "SerializationException")
	svcOnly := e.seed(owner, region, channel.DestinationAWSService)
	e.fails(e.call(owner, q(svcOnly.ARN), good), http.StatusBadRequest, "ChannelUnsupportedSchema")
	if n := len(e.stream.batches); n != 0 {
		t.Fatalf("%d batches appended by failed calls", n)
	}
	// Unknown operations are 404s in the rest-json style.
	res := e.s.Handle(t.Context(), callTo(http.MethodGet, "/PutAuditEvents"))
	e.fails(res, http.StatusNotFound, "UnknownOperationException")
}

func TestPutAuditEventsCrossAccount(t *testing.T) {
	e := newEnv(t)
	good := ev("a", eventDataFor(owner, nil))
	e.fails(e.call(other, q(e.ch.ARN), good), http.StatusBadRequest, "ChannelInsufficientPermission")
	e.ch.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + other + `"]},"Action":"cloudtrail-data:PutAuditEvents","Resource":"` +
		e.ch.ARN + `","Condition":{"StringEquals":{"cloudtrail:ExternalId":"ext-123"}}}]}`
	e.put(e.ch)
	e.fails(e.call(other, q(e.ch.ARN), good), http.StatusBadRequest, "ChannelInsufficientPermission")
	withExt := q(e.ch.ARN)
	withExt.Set("externalId", "wrong")
	e.fails(e.call(other, withExt, good), http.StatusBadRequest, "ChannelInsufficientPermission")
	withExt.Set("externalId", "ext-123")
	out := e.ok(e.call(other, withExt, good, ev("b", eventDataFor(other, nil))))
	// The events are the owner's: recipientAccountId must still name the owner.
	if len(out.Successful) != 1 || len(out.Failed) != 1 || out.Failed[0].ErrorCode != "InvalidRecipient" {
		t.Fatalf("cross-account put %+v", out)
	}
	if en := e.stream.entries(t); en[0].Meta.Account != owner {
		t.Fatalf("entry account %s", en[0].Meta.Account)
	}
	// The owner needs no externalId; a third account is still refused.
	e.ok(e.call(owner, q(e.ch.ARN), good))
	e.fails(e.call("333333333333", withExt, good), http.StatusBadRequest, "ChannelInsufficientPermission")
}

func TestPutAuditEventsDurableBeforeResponse(t *testing.T) {
	e := newEnv(t)
	block := make(chan struct{})
	s := &blockingStream{release: block, inner: e.stream}
	e.s.opts.Stream = s
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.ok(e.call(owner, q(e.ch.ARN), ids(3)...))
	}()
	select {
	case <-done:
		t.Fatal("PutAuditEvents answered before its events were durable")
	case <-time.After(50 * time.Millisecond):
	}
	close(block)
	<-done
	if n := len(e.stream.entries(t)); n != 3 {
		t.Fatalf("%d entries durable after the response", n)
	}
	// A failed append fails the whole call: no event is reported accepted.
	e.s.opts.Stream = e.stream
	e.stream.fail = errors.New("disk gone")
	res := e.call(owner, q(e.ch.ARN), ids(2)...)
	e.fails(res, http.StatusInternalServerError, "InternalFailure")
}

// TestActivityAuditLogIsNotManagement: accepted events are not
// management events, so the history indexer (management only) skips them.
func TestActivityAuditLogIsNotManagement(t *testing.T) {
	e := newEnv(t)
	e.ok(e.call(owner, q(e.ch.ARN), ids(2)...))
	for _, en := range e.stream.entries(t) {
		if en.Meta.Management || en.Meta.Category != event.CategoryActivityAuditLog {
			t.Fatalf("meta %+v", en.Meta)
		}
	}
}
