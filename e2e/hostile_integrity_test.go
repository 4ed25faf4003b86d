package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ackedCall is one call of a hostile test as its client saw it, for
// checkIntegrity.
type ackedCall struct {
	Event string // eventName
	// Region is the region the call was made in, whose event history holds
	// its record (LookupEvents is regional); "" means testRegion.
	Region string
	// RequestID is the request ID of the answer the client got; "" when it
	// got none (connection cut, server killed) or did not see it (a CLI).
	RequestID string
	// Answered says the client got an HTTP answer; Code is its error code
	// ("" for success).
	Answered bool
	Code     string
	// Key is a string unique to the call in its requestParameters (a user or
	// bucket name), used to find its records when RequestID is "".
	Key string
	// Exists reports whether the call's effect exists now; nil when it cannot
	// be checked.
	Exists func() bool
}

// checkIntegrity checks, after a hostile test, that the record tells the
// truth about every call in calls:
//   - the server still answers;
//   - a call with a RequestID has exactly one record, with the outcome the
//     client saw (a client-visible InternalFailure may be recorded as a
//     success only when the effect exists);
//   - a call without one (found by Key) has no success record unless its
//     effect exists, and exactly one when it does (Exists set), and every
//     failed record of an answered call carries the code the client saw.
//
// It returns the records it found per call (same order as calls).
func checkIntegrity(t *testing.T, s *server, calls []ackedCall) [][]record {
	t.Helper()
	cfg := sdkConfig(s, testKey, testSecret, testRegion)
	// The checks only read; let the SDK retry a connection the client's own
	// transport dropped (aws-sdk-go-v2#2737), as a real reader would.
	cfg.RetryMaxAttempts = 3
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("integrity: the server no longer answers: %v\nserver log:\n%s", err, tail(s.logs.String(), 2000))
	}
	regionOf := func(c ackedCall) string {
		if c.Region == "" {
			return testRegion
		}
		return c.Region
	}
	type where struct{ region, event string }
	byName := map[where][]record{}
	for _, c := range calls {
		w := where{regionOf(c), c.Event}
		if _, done := byName[w]; done {
			continue
		}
		byName[w] = []record{}
		ct := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = w.region })
		for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, c.Event)) {
			byName[w] = append(byName[w], parseRecord(t, e))
		}
	}
	out := make([][]record, len(calls))
	for i, c := range calls {
		var recs []record
		for _, r := range byName[where{regionOf(c), c.Event}] {
			if c.RequestID != "" && r.RequestID == c.RequestID || c.RequestID == "" && c.Key != "" && strings.Contains(string(r.RequestParameters), c.Key) {
				recs = append(recs, r)
			}
		}
		out[i] = recs
		exists := func() (bool, bool) {
			if c.Exists == nil {
				return false, false
			}
			return c.Exists(), true
		}
		what := c.Event + " " + c.RequestID + c.Key
		successes := 0
		for _, r := range recs {
			if r.ErrorCode == "" {
				successes++
			}
		}
		if c.RequestID != "" {
			if len(recs) != 1 {
				t.Errorf("integrity: %s answered %q has %d records, want exactly 1", what, c.Code, len(recs))
				continue
			}
			r := recs[0]
			switch {
			case r.ErrorCode == c.Code:
			case c.Code == "InternalFailure" && r.ErrorCode == "":
				if ok, known := exists(); !ok || !known {
					t.Errorf("integrity: %s: the client got InternalFailure, the record says success, and the effect does not exist", what)
				}
			default:
				t.Errorf("integrity: %s: the client saw %q, the record says %q (%s)", what, c.Code, r.ErrorCode, r.ErrorMessage)
			}
			continue
		}
		ok, known := exists()
		switch {
		case successes > 1:
			t.Errorf("integrity: %s has %d success records", what, successes)
		case successes == 1 && known && !ok:
			t.Errorf("integrity: %s has a success record but its effect does not exist", what)
		case successes == 0 && known && ok && c.Code == "":
			t.Errorf("integrity: the effect of %s exists but no record says it succeeded", what)
		case successes == 1 && !known && c.Answered && c.Code != "":
			t.Errorf("integrity: %s answered %q has a success record", what, c.Code)
		}
		if c.Answered && c.Code != "" {
			for _, r := range recs {
				if r.ErrorCode != "" && r.ErrorCode != c.Code {
					t.Errorf("integrity: %s answered %q has a record saying %q", what, c.Code, r.ErrorCode)
				}
			}
		}
	}
	return out
}

// waitAllCounted polls count (a record count per name) until every name has
// at least one, failing the test with how many are missing after within.
func waitAllCounted(t *testing.T, s *server, where string, within time.Duration, names []string, count func() map[string]int) {
	t.Helper()
	for deadline := time.Now().Add(within); ; {
		got := count()
		missing := 0
		for _, n := range names {
			if got[n] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged calls not %s:\n%s", missing, len(names), where, tail(s.logs.String(), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
