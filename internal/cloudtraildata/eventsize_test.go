package cloudtraildata

import (
	"strings"
	"testing"
)

// bigEvent is a valid eventData of about n KB: the per-field limits
// (requestParameters and responseElements 100 KB each) allow it, the
// store's MaxEventSize decides.
func bigEvent(n int) string {
	return eventDataFor(owner, map[string]any{
		"requestParameters": map[string]string{"k": strings.Repeat("a", 90<<10)},
		"responseElements":  map[string]string{"k": strings.Repeat("b", 90<<10)},
		"userIdentity":      map[string]any{"type": "CustomUser", "principalId": "p", "details": map[string]string{"k": strings.Repeat("c", (n-180)<<10)}},
	})
}

// TestPutAuditEventsMaxEventSize: eventData over the destination store's
// MaxEventSize (Standard 256 KB, Large 1 MB) fails with FieldTooLong.
func TestPutAuditEventsMaxEventSize(t *testing.T) {
	e := newEnv(t)
	big := bigEvent(300)
	small := bigEvent(200)

	// No size source set: Standard.
	out := e.ok(e.call(owner, q(e.ch.ARN), ev("big", big), ev("small", small)))
	if len(out.Failed) != 1 || out.Failed[0].ID != "big" || out.Failed[0].ErrorCode != "FieldTooLong" || !strings.Contains(out.Failed[0].ErrorMessage, "MaxEventSize Standard") {
		t.Fatalf("standard: %+v", out.Failed)
	}
	if len(out.Successful) != 1 || out.Successful[0].ID != "small" {
		t.Fatalf("standard: %+v", out.Successful)
	}

	large := 1 << 20
	e.s.SetStoreEventSize(func(ref string) (int, bool) { return large, ref == "eds-1" })
	if out := e.ok(e.call(owner, q(e.ch.ARN), ev("big2", big))); len(out.Failed) != 0 || len(out.Successful) != 1 {
		t.Fatalf("large: %+v", out)
	}
	large = 256 << 10
	if out := e.ok(e.call(owner, q(e.ch.ARN), ev("big3", big))); len(out.Failed) != 1 {
		t.Fatalf("back to standard: %+v", out)
	}
}
