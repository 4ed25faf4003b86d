package cloudtraildata

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
)

const (
	owner  = "111111111111"
	other  = "222222222222"
	region = "us-east-1"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// memStream is a Stream keeping batches in memory; fail makes appends fail.
type memStream struct {
	mu      sync.Mutex
	batches [][][]byte
	fail    error
}

func (m *memStream) AppendBatch(_ context.Context, payloads [][]byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	m.batches = append(m.batches, payloads)
	return uint64(len(m.batches)), nil
}

func (m *memStream) entries(t *testing.T) []event.Entry {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []event.Entry
	for _, b := range m.batches {
		for _, p := range b {
			var e event.Entry
			if err := e.UnmarshalBinary(p); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

type env struct {
	t        *testing.T
	s        *Service
	channels *channel.Store
	stream   *memStream
	ch       channel.Channel
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := channel.Open(t.TempDir(), channel.Options{FlushInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, channels: st, stream: &memStream{}}
	e.s, err = New(Options{Channels: st, Stream: e.stream, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	e.ch = e.seed(owner, region, channel.DestinationEventDataStore)
	return e
}

func (e *env) seed(account, region, destType string) channel.Channel {
	e.t.Helper()
	id := channel.NewID()
	ch := channel.Channel{ID: id, ARN: channel.ARN(region, account, id), Account: account, Region: region, Name: "ch-" + id[:8],
		Source: channel.SourceCustom + id[:4], Destinations: []channel.Destination{{Type: destType, Location: "eds-1"}}, Created: testNow}
	e.put(ch)
	return ch
}

func (e *env) put(ch channel.Channel) {
	e.t.Helper()
	tx, err := e.channels.Begin(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Put(ch); err != nil {
		e.t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

func principal(account string) identity.Principal {
	return identity.Principal{Type: identity.TypeRoot, AccountID: account, ARN: "arn:aws:iam::" + account + ":root", PrincipalID: account, AccessKeyID: "AKIATEST"}
}

// eventData is a valid eventData document for recipient, with overrides
// (a nil value removes the member).
func eventDataFor(recipient string, over map[string]any) string {
	d := map[string]any{
		"version":            "1.0",
		"userIdentity":       map[string]any{"type": "CustomUser", "principalId": "alice@example.com", "details": map[string]any{"team": "a"}},
		"userAgent":          "app/1.0",
		"eventSource":        "app.example.com",
		"eventName":          "Login",
		"eventTime":          "2026-11-21T11:59:30Z",
		"UID":                "uid-1",
		"requestParameters":  map[string]any{"user": "alice"},
		"responseElements":   map[string]any{"ok": true},
		"sourceIPAddress":    "203.0.113.9",
		"recipientAccountId": recipient,
	}
	for k, v := range over {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func checksum(data string) string {
	sum := sha256.Sum256([]byte(data))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func ev(id, data string) map[string]any {
	return map[string]any{"id": id, "eventData": data, "eventDataChecksum": checksum(data)}
}

// put calls PutAuditEvents as account with query parameters (channelArn, externalId).
func (e *env) call(account string, query url.Values, events ...map[string]any) *api.Result {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"auditEvents": events})
	return e.callRaw(account, query, body)
}

func (e *env) callRaw(account string, query url.Values, body []byte) *api.Result {
	e.t.Helper()
	c := &api.Call{RequestID: "req-1", Time: testNow, Region: region, Caller: principal(account), Method: http.MethodPost,
		Path: "/PutAuditEvents", Header: http.Header{"Content-Type": {"application/json"}}, Query: query, Body: body}
	return e.s.Handle(context.Background(), c)
}

func q(channelRef string) url.Values { return url.Values{"channelArn": {channelRef}} }

type putResponse struct {
	Successful []resultEntry
	Failed     []errorEntry
}

func (e *env) ok(res *api.Result) putResponse {
	e.t.Helper()
	if res.Status != http.StatusOK || res.ErrorCode != "" {
		e.t.Fatalf("PutAuditEvents: %d %s: %s", res.Status, res.ErrorCode, res.ErrorMessage)
	}
	var out putResponse
	if err := json.Unmarshal(res.Body, &out); err != nil {
		e.t.Fatalf("response %s: %v", res.Body, err)
	}
	return out
}

// fails checks a whole-request error and its rest-json rendering.
func (e *env) fails(res *api.Result, status int, code string) {
	e.t.Helper()
	if res.Status != status || res.ErrorCode != code || res.Header.Get("X-Amzn-Errortype") != code {
		e.t.Fatalf("got %d %s (%s), want %d %s", res.Status, res.ErrorCode, res.ErrorMessage, status, code)
	}
	var body struct{ Code, Message string }
	if err := json.Unmarshal(res.Body, &body); err != nil || body.Message == "" || body.Code != code {
		e.t.Fatalf("error body %s", res.Body)
	}
	if res.EventName == "" || !res.DataEvent || res.ReadOnly {
		e.t.Fatalf("error event %+v", res)
	}
}

func ids(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = ev(fmt.Sprintf("e%d", i), eventDataFor(owner, nil))
	}
	return out
}
