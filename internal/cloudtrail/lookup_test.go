package cloudtrail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/identity"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

type synced struct{}

func (synced) Sync(context.Context, time.Duration) error { return nil }
func (synced) Pending(history.Query, int) ([]event.Entry, bool, error) {
	return nil, true, nil
}

func newTestService(t testing.TB, store history.Store, rate float64) *Service {
	t.Helper()
	s, err := New(Options{Store: store, Index: synced{}, TokenKey: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return testNow }, LookupRateLimit: rate})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func caller(account string) identity.Principal {
	return identity.Principal{Type: identity.TypeRoot, AccountID: account, ARN: "arn:aws:iam::" + account + ":root", PrincipalID: account, AccessKeyID: "AKIATEST"}
}

func call(account, op string, body any) *api.Call {
	b, _ := json.Marshal(body)
	return &api.Call{RequestID: "req", Region: "us-east-1", Caller: caller(account), Method: http.MethodPost,
		Header: http.Header{"X-Amz-Target": {TargetPrefix + "." + op}}, Body: b}
}

// fill stores n events of account 111111111111, one per minute back from testNow.
func fill(t testing.TB, n int) *history.Memory {
	t.Helper()
	m := history.NewMemory()
	var entries []event.Entry
	for i := 1; i <= n; i++ {
		entries = append(entries, event.Entry{Seq: uint64(i), Meta: event.Meta{
			Time: testNow.Add(-time.Duration(n-i) * time.Minute), Account: "111111111111", Region: "us-east-1",
			EventID: fmt.Sprintf("id-%d", i), EventName: []string{"CreateUser", "GetUser", "DeleteUser"}[i%3],
			EventSource: "iam.amazonaws.com", Username: "root", ReadOnly: i%3 == 1, Management: true,
			Resources: []event.ResourceRef{{Type: "AWS::IAM::User", Name: fmt.Sprintf("u%d", i%7), ARN: fmt.Sprintf("arn:aws:iam::111111111111:user/u%d", i%7)}},
		}, Record: []byte(fmt.Sprintf(`{"eventID":"id-%d"}`, i))})
	}
	if err := m.Apply(context.Background(), entries, uint64(n)); err != nil {
		t.Fatal(err)
	}
	return m
}

func lookup(t testing.TB, s *Service, c *api.Call) (lookupEventsOutput, *api.Result) {
	t.Helper()
	res := s.Handle(context.Background(), c)
	var out lookupEventsOutput
	if res.ErrorCode == "" {
		if err := json.Unmarshal(res.Body, &out); err != nil {
			t.Fatalf("decode response %s: %v", res.Body, err)
		}
	}
	return out, res
}

func TestLookupEventsErrors(t *testing.T) {
	s := newTestService(t, fill(t, 10), 0)
	attr := func(k, v string) []map[string]string {
		return []map[string]string{{"AttributeKey": k, "AttributeValue": v}}
	}
	long := make([]byte, 1001)
	for i := range long {
		long[i] = '_'
	}
	cases := []struct {
		name string
		body any
		code string
	}{
		{"two attributes", map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "a"}, {"AttributeKey": "Username", "AttributeValue": "b"}}}, "InvalidLookupAttributesException"},
		{"unknown key", map[string]any{"LookupAttributes": attr("Colour", "red")}, "InvalidLookupAttributesException"},
		{"lower-case key", map[string]any{"LookupAttributes": attr("eventname", "x")}, "InvalidLookupAttributesException"},
		{"empty value", map[string]any{"LookupAttributes": attr("EventName", "")}, "InvalidLookupAttributesException"},
		{"value over 2000 counted", map[string]any{"LookupAttributes": attr("EventName", string(long))}, "InvalidLookupAttributesException"},
		{"readonly not boolean", map[string]any{"LookupAttributes": attr("ReadOnly", "yes")}, "InvalidLookupAttributesException"},
		{"insight with username", map[string]any{"EventCategory": "insight", "LookupAttributes": attr("Username", "x")}, "InvalidLookupAttributesException"},
		{"start after end", map[string]any{"StartTime": testNow.Unix(), "EndTime": testNow.Unix() - 1}, "InvalidTimeRangeException"},
		{"max results 0", map[string]any{"MaxResults": 0}, "InvalidMaxResultsException"},
		{"max results 51", map[string]any{"MaxResults": 51}, "InvalidMaxResultsException"},
		{"bad category", map[string]any{"EventCategory": "data"}, "InvalidEventCategoryException"},
		{"garbage token", map[string]any{"NextToken": "not-a-token"}, "InvalidNextTokenException"},
		{"mistyped member", map[string]any{"MaxResults": "ten"}, "SerializationException"},
		{"negative time", map[string]any{"StartTime": -5}, "SerializationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, res := lookup(t, s, call("111111111111", "LookupEvents", tc.body))
			if res.ErrorCode != tc.code || res.Status != 400 {
				t.Fatalf("got %d %s (%s), want 400 %s", res.Status, res.ErrorCode, res.ErrorMessage, tc.code)
			}
			var body struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal(res.Body, &body); err != nil || body.Type != tc.code {
				t.Fatalf("error body %s", res.Body)
			}
		})
	}
}

func TestLookupEventsPaginationWalksEveryEventOnce(t *testing.T) {
	const n = 137
	s := newTestService(t, fill(t, n), 0)
	seen := map[string]bool{}
	var last float64 = 1e18
	token := ""
	pages := 0
	for {
		body := map[string]any{"MaxResults": 10}
		if token != "" {
			body["NextToken"] = token
		}
		out, res := lookup(t, s, call("111111111111", "LookupEvents", body))
		if res.ErrorCode != "" {
			t.Fatalf("page %d: %s %s", pages, res.ErrorCode, res.ErrorMessage)
		}
		pages++
		for _, e := range out.Events {
			if seen[e.EventID] {
				t.Fatalf("event %s returned twice", e.EventID)
			}
			seen[e.EventID] = true
			if e.EventTime > last {
				t.Fatalf("not newest first: %v after %v", e.EventTime, last)
			}
			last = e.EventTime
		}
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	if len(seen) != n || pages != 14 {
		t.Fatalf("saw %d events in %d pages, want %d in 14", len(seen), pages, n)
	}
}

func TestLookupEventsFilters(t *testing.T) {
	s := newTestService(t, fill(t, 30), 0)
	count := func(k, v string) int {
		out, res := lookup(t, s, call("111111111111", "LookupEvents", map[string]any{"LookupAttributes": []map[string]string{{"AttributeKey": k, "AttributeValue": v}}}))
		if res.ErrorCode != "" {
			t.Fatalf("%s=%s: %s", k, v, res.ErrorCode)
		}
		return len(out.Events)
	}
	for _, tc := range []struct {
		k, v string
		want int
	}{
		{"EventName", "GetUser", 10}, {"ReadOnly", "true", 10}, {"ReadOnly", "false", 20}, {"EventId", "id-7", 1},
		{"Username", "root", 30}, {"Username", "alice", 0}, {"ResourceType", "AWS::IAM::User", 30},
		{"ResourceName", "u3", 4}, {"ResourceName", "arn:aws:iam::111111111111:user/u3", 4}, {"EventSource", "iam.amazonaws.com", 30},
	} {
		if got := count(tc.k, tc.v); got != tc.want {
			t.Errorf("%s=%s: %d events, want %d", tc.k, tc.v, got, tc.want)
		}
	}
	// Other accounts see nothing.
	out, _ := lookup(t, s, call("222222222222", "LookupEvents", map[string]any{}))
	if len(out.Events) != 0 {
		t.Fatalf("account 222222222222 saw %d events of another account", len(out.Events))
	}
	// Time bounds are inclusive.
	at := testNow.Add(-10 * time.Minute).Unix()
	out, _ = lookup(t, s, call("111111111111", "LookupEvents", map[string]any{"StartTime": at, "EndTime": at}))
	if len(out.Events) != 1 {
		t.Fatalf("inclusive single-second window: %d events", len(out.Events))
	}
}

func TestLookupEventsTokenBoundToQuery(t *testing.T) {
	s := newTestService(t, fill(t, 30), 0)
	first := map[string]any{"MaxResults": 5, "LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}}}
	out, _ := lookup(t, s, call("111111111111", "LookupEvents", first))
	if out.NextToken == "" {
		t.Fatal("no NextToken")
	}
	for name, body := range map[string]map[string]any{
		"other attribute": {"NextToken": out.NextToken, "LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": "GetUser"}}},
		"no attribute":    {"NextToken": out.NextToken},
		"other start":     {"NextToken": out.NextToken, "StartTime": 1, "LookupAttributes": first["LookupAttributes"]},
		"tampered":        {"NextToken": out.NextToken[:len(out.NextToken)-2] + "AA", "LookupAttributes": first["LookupAttributes"]},
	} {
		if _, res := lookup(t, s, call("111111111111", "LookupEvents", body)); res.ErrorCode != "InvalidNextTokenException" {
			t.Errorf("%s: got %q, want InvalidNextTokenException", name, res.ErrorCode)
		}
	}
	if _, res := lookup(t, s, call("222222222222", "LookupEvents", map[string]any{"NextToken": out.NextToken, "LookupAttributes": first["LookupAttributes"]})); res.ErrorCode != "InvalidNextTokenException" {
		t.Errorf("token used by another account: %q", res.ErrorCode)
	}
	next, res := lookup(t, s, call("111111111111", "LookupEvents", map[string]any{"NextToken": out.NextToken, "MaxResults": 5, "LookupAttributes": first["LookupAttributes"]}))
	if res.ErrorCode != "" || len(next.Events) != 5 {
		t.Fatalf("valid token: %s, %d events", res.ErrorCode, len(next.Events))
	}
}

func TestLookupEventsRetentionWindow(t *testing.T) {
	m := history.NewMemory()
	old := event.Entry{Seq: 1, Meta: event.Meta{Time: testNow.Add(-91 * 24 * time.Hour), Account: "111111111111", Region: "us-east-1", EventID: "old", Management: true}}
	recent := event.Entry{Seq: 2, Meta: event.Meta{Time: testNow.Add(-89 * 24 * time.Hour), Account: "111111111111", Region: "us-east-1", EventID: "recent", Management: true}}
	if err := m.Apply(context.Background(), []event.Entry{old, recent}, 2); err != nil {
		t.Fatal(err)
	}
	s := newTestService(t, m, 0)
	out, _ := lookup(t, s, call("111111111111", "LookupEvents", map[string]any{"StartTime": 0}))
	if len(out.Events) != 1 || out.Events[0].EventID != "recent" {
		t.Fatalf("events past the 90-day window are visible: %+v", out.Events)
	}
}

func TestLookupEventsThrottling(t *testing.T) {
	s := newTestService(t, fill(t, 1), 2)
	codes := map[string]int{}
	for i := 0; i < 5; i++ {
		_, res := lookup(t, s, call("111111111111", "LookupEvents", map[string]any{}))
		codes[res.ErrorCode]++
		if res.ErrorCode == "ThrottlingException" && res.Status != 400 {
			t.Fatalf("throttling status %d, want 400", res.Status)
		}
	}
	if codes[""] != 2 || codes["ThrottlingException"] != 3 {
		t.Fatalf("with 2/s and a frozen clock: %v", codes)
	}
}

func TestOperations(t *testing.T) {
	s := newTestService(t, fill(t, 1), 0)
	res := s.Handle(context.Background(), call("111111111111", "CreateTrail", map[string]any{"Name": "t"}))
	if res.ErrorCode != "UnsupportedOperationException" || res.EventName != "CreateTrail" || res.ReadOnly {
		t.Fatalf("CreateTrail: %s %s readOnly=%v", res.ErrorCode, res.EventName, res.ReadOnly)
	}
	if string(res.RequestParameters.(json.RawMessage)) != `{"name":"t"}` {
		t.Fatalf("requestParameters %s", res.RequestParameters)
	}
	if res := s.Handle(context.Background(), call("111111111111", "MakeCoffee", nil)); res.ErrorCode != "UnknownOperationException" {
		t.Fatalf("MakeCoffee: %s", res.ErrorCode)
	}
	if res := s.Handle(context.Background(), call("111111111111", "LookupEvents", map[string]any{})); !res.ReadOnly || res.ErrorCode != "" {
		t.Fatalf("LookupEvents: readOnly=%v err=%s", res.ReadOnly, res.ErrorCode)
	}
}

func FuzzLookupEventsRequest(f *testing.F) {
	f.Add([]byte(`{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"x"}],"StartTime":1,"EndTime":2.5,"MaxResults":3}`))
	f.Add([]byte(`{"NextToken":"AQ","EventCategory":"insight"}`))
	f.Add([]byte(`{"StartTime":"2026-01-01T00:00:00Z"}`))
	s := newTestService(f, fill(f, 20), 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		c := call("111111111111", "LookupEvents", nil)
		c.Body = body
		res := s.Handle(context.Background(), c)
		if res.ErrorCode == "" {
			var out lookupEventsOutput
			if err := json.Unmarshal(res.Body, &out); err != nil || len(out.Events) > 50 {
				t.Fatalf("bad success response %s: %v", res.Body, err)
			}
			return
		}
		if res.Status != 400 || res.ErrorCode == "InternalFailure" {
			t.Fatalf("unexpected error %d %s for %q", res.Status, res.ErrorCode, body)
		}
	})
}
