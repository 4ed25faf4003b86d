package cloudtraildata

import (
	"strings"
	"testing"
)

// TestPutAuditEventsEventTimeBounds: an eventTime the destination store's
// retention would delete at once (0001-01-01, before: accepted, then dropped
// silently by the Lake's retention at the next start), or too far in the
// future, is refused per event with InvalidData; the other events of the
// call are accepted.
func TestPutAuditEventsEventTimeBounds(t *testing.T) {
	e := newEnv(t)
	e.s.SetStoreRetention(func(ref string) (int, bool) { return 7, ref == "eds-1" })
	cases := []struct {
		id, ts string
		ok     bool
		msg    string
	}{
		{"year1", "0001-01-01T00:00:00Z", false, "older than the 7-day retention period of event data store eds-1"},
		{"old", "2026-11-14T11:59:59Z", false, "older than the 7-day retention period"},
		{"edge", "2026-11-14T12:00:01Z", true, ""},
		{"now", "2026-11-21T12:00:00Z", true, ""},
		{"ahead", "2026-11-22T11:59:00Z", true, ""},
		{"future", "2026-11-22T12:00:01Z", false, "at most 24 hours ahead"},
		{"far", "9999-12-31T23:59:59Z", false, "at most 24 hours ahead"},
	}
	var evs []map[string]any
	for _, c := range cases {
		evs = append(evs, ev(c.id, eventDataFor(owner, map[string]any{"eventTime": c.ts})))
	}
	out := e.ok(e.call(owner, q(e.ch.ARN), evs...))
	failed := map[string]string{}
	for _, f := range out.Failed {
		if f.ErrorCode != "InvalidData" {
			t.Errorf("%s: code %s", f.ID, f.ErrorCode)
		}
		failed[f.ID] = f.ErrorMessage
	}
	for _, c := range cases {
		msg, refused := failed[c.id]
		if refused == c.ok || !strings.Contains(msg, c.msg) {
			t.Errorf("%s (%s): refused=%v %q", c.id, c.ts, refused, msg)
		}
	}
	if n := len(e.stream.entries(t)); n != 3 {
		t.Fatalf("%d events stored, want the 3 accepted", n)
	}
}

// TestPutAuditEventsYearOneRefused: without any store retention known, an
// eventTime of 0001-01-01 is still refused (fixed bound 1970-01-01), and
// nothing is stored. Uses only the API the code had before the bounds.
func TestPutAuditEventsYearOneRefused(t *testing.T) {
	e := newEnv(t)
	out := e.ok(e.call(owner, q(e.ch.ARN), ev("zero", eventDataFor(owner, map[string]any{"eventTime": "0001-01-01T00:00:00Z"}))))
	if len(out.Successful) != 0 || len(out.Failed) != 1 || out.Failed[0].ErrorCode != "InvalidData" || !strings.Contains(out.Failed[0].ErrorMessage, "0001-01-01T00:00:00Z is before 1970-01-01") {
		t.Fatalf("0001-01-01: %+v", out)
	}
	if n := len(e.stream.entries(t)); n != 0 {
		t.Fatalf("%d events stored", n)
	}
}
