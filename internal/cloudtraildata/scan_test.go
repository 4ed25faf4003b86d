package cloudtraildata

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// refEventData is eventData as encoding/json reads it: the reference the
// hand-written scanner must agree with.
type refEventData struct {
	Version      *string `json:"version"`
	UserIdentity *struct {
		Type        *string         `json:"type"`
		PrincipalID *string         `json:"principalId"`
		Details     json.RawMessage `json:"details"`
	} `json:"userIdentity"`
	UserAgent, EventSource, EventName, EventTime *string
	UID                                          *string `json:"UID"`
	ErrorCode, ErrorMessage, SourceIPAddress     *string
	RecipientAccountID                           *string `json:"recipientAccountId"`
	RequestParameters, ResponseElements          json.RawMessage
	AdditionalEventData                          json.RawMessage
}

func strOrNil(p *string) []byte {
	if p == nil {
		return nil
	}
	return []byte(*p)
}

func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

// compareWithEncodingJSON checks parseEventData against encoding/json on b.
func compareWithEncodingJSON(t *testing.T, b []byte) {
	if !utf8.Valid(b) || strings.ContainsAny(string(b), "\u212a\u017f") { // encoding/json folds these into k and s
		return
	}
	var d eventData
	err := parseEventData(b, &d)
	var ref refEventData
	trimmed := bytes.TrimSpace(b)
	refErr := json.Unmarshal(b, &ref)
	if refErr == nil && (len(trimmed) == 0 || trimmed[0] != '{') {
		refErr = &errType{"eventData", "object"}
	}
	if (err == nil) != (refErr == nil) {
		t.Fatalf("%q: scanner error %v, encoding/json error %v", b, err, refErr)
	}
	if err != nil {
		return
	}
	for _, c := range []struct {
		name      string
		got, want []byte
	}{
		{"version", d.Version, strOrNil(ref.Version)}, {"userAgent", d.UserAgent, strOrNil(ref.UserAgent)},
		{"eventSource", d.EventSource, strOrNil(ref.EventSource)}, {"eventName", d.EventName, strOrNil(ref.EventName)},
		{"eventTime", d.EventTime, strOrNil(ref.EventTime)}, {"UID", d.UID, strOrNil(ref.UID)},
		{"errorCode", d.ErrorCode, strOrNil(ref.ErrorCode)}, {"errorMessage", d.ErrorMessage, strOrNil(ref.ErrorMessage)},
		{"sourceIPAddress", d.SourceIPAddress, strOrNil(ref.SourceIPAddress)}, {"recipientAccountId", d.RecipientAccountID, strOrNil(ref.RecipientAccountID)},
		{"requestParameters", d.RequestParameters, ref.RequestParameters}, {"responseElements", d.ResponseElements, ref.ResponseElements},
		{"additionalEventData", d.AdditionalEventData, ref.AdditionalEventData},
	} {
		if !sameBytes(c.got, c.want) {
			t.Fatalf("%q: %s = %q, encoding/json %q", b, c.name, c.got, c.want)
		}
	}
	if (d.UserIdentity == nil) != (ref.UserIdentity == nil) {
		t.Fatalf("%q: userIdentity %v vs %v", b, d.UserIdentity, ref.UserIdentity)
	}
	if u := d.UserIdentity; u != nil {
		r := ref.UserIdentity
		if !sameBytes(u.Type, strOrNil(r.Type)) || !sameBytes(u.PrincipalID, strOrNil(r.PrincipalID)) || !sameBytes(u.Details, r.Details) {
			t.Fatalf("%q: userIdentity %+v vs %+v", b, u, r)
		}
	}
}

var scanSeeds = []string{
	eventDataFor(owner, nil),
	`{"version":"1.0","UID":"a","uid":"b","Version":"2"}`,
	`{"vers\u0069on":"x","eventName":"\ud83d\ude00 \ud800 \udc00x \u00e9\n\t\"\\\/"}`,
	`{"userIdentity":null}`, `{"userIdentity":{"type":1}}`, `{"userIdentity":[]}`, `{"version":1}`, `{"version":null}`,
	`{"requestParameters":{"a":[1,2.5,-0,1e10,true,false,null,{"b":"c"}]}}`, `{"requestParameters":null}`, `{"requestParameters":"s"}`,
	` {"a":1} `, `{"a":1}x`, `{"a":01}`, `{"a":1.}`, `{"a":.1}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a" 1}`, `{"a":1,}`, `{,}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `[]`, `"s"`, `1`, ``, `{`, `{"a":[}`, `{"a":{"b":[1,{"c":null}]}}`,
	`{"eventName":"a\u0000b"}`, `{"x":{"version":"inner"},"version":"outer"}`,
}

func TestParseEventDataMatchesEncodingJSON(t *testing.T) {
	for _, s := range scanSeeds {
		compareWithEncodingJSON(t, []byte(s))
	}
	deep := strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)
	if parseEventData([]byte(deep), &eventData{}) == nil {
		t.Fatal("nesting beyond 10000 accepted")
	}
}

func FuzzParseEventData(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { compareWithEncodingJSON(t, b) })
}

func TestParseBody(t *testing.T) {
	evs, err := parseBody([]byte(`{"other":[1,{"x":2}],"AuditEvents":[{"id":"a","eventData":"{\"k\":\"v\"}","eventDataChecksum":"c","extra":{}},null,{"id":null,"eventDataChecksum":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].ID != "a" || string(evs[0].EventData) != `{"k":"v"}` || string(evs[0].Checksum) != "c" || !evs[0].HasChecksum ||
		evs[1].ID != "" || evs[1].EventData != nil || evs[2].HasChecksum {
		t.Fatalf("%+v", evs)
	}
	for _, bad := range []string{`{"auditEvents":{}}`, `{"auditEvents":[1]}`, `{"auditEvents":[{"id":1}]}`, `{"auditEvents":[]`, `[]`, `{"auditEvents":[]} x`} {
		if _, err := parseBody([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if evs, err := parseBody([]byte(`{"auditEvents":null}`)); err != nil || evs != nil {
		t.Fatalf("null auditEvents: %v %v", evs, err)
	}
}
