package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// runHostileAuthPy runs testdata/hostile_auth.py MODE against s and returns
// its last output line.
func runHostileAuthPy(t *testing.T, s *server, mode string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "testdata/hostile_auth.py", mode)
	cmd.Env = s.clientEnv(testKey, testSecret)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("hostile_auth.py %s: %v\n%s%s\nserver log:\n%s", mode, err, out, stderr, tail(s.logs.String(), 3000))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// dirSize is the total size of the regular files under dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// badSignatureCall sends one ListTrails call signed with akid and a wrong
// secret; it reports whether it got the 403 InvalidSignatureException and the
// answer's request ID.
func badSignatureCall(client *http.Client, endpoint, akid string) (refused bool, requestID string, err error) {
	body := []byte("{}")
	sum := sha256.Sum256(body)
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListTrails")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: "not-the-secret-000000000000000000000000"},
		req, hex.EncodeToString(sum[:]), "cloudtrail", testRegion, time.Now()); err != nil {
		return false, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, "", err
	}
	b := make([]byte, 512)
	k, _ := resp.Body.Read(b)
	resp.Body.Close()
	return resp.StatusCode == http.StatusForbidden && strings.Contains(string(b[:k]), "InvalidSignatureException"), resp.Header.Get("X-Amzn-Requestid"), nil
}

// badSignatureFlood sends n ListTrails calls signed with akid and a wrong
// secret (4 at a time, keep-alive) and returns how many got the 403.
func badSignatureFlood(t *testing.T, endpoint, akid string, n int) int64 {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var refused atomic.Int64
	var wg sync.WaitGroup
	next := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for range next {
				ok, _, err := badSignatureCall(client, endpoint, akid)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					refused.Add(1)
				}
			}
		})
	}
	for range n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	return refused.Load()
}

// TestHostileAuth drives the real binary with the authentication attacks of
// issue 11 item 8: a GetTrail signed with host;x-amz-date replayed as
// DeleteTrail, a presigned PUT with unsigned x-amz-meta/x-amz-acl headers,
// bad regions in the scope, 3,000 bad-signature requests of a known key, and
// PutAuditEvents with eventTime 0001-01-01. It ends with an integrity check
// across a graceful restart: checkIntegrity over the calls whose answers the
// clients saw (failed authentications only where they are the first of their
// window, the rest are counted into a summary), and no record of the calls
// refused before any principal was known.
func TestHostileAuth(t *testing.T) {
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Skip("boto3 not installed")
	}
	s := startServer(t, "--regions", "onprem-1")
	var setup struct {
		FloodKey, GoodEventID string
		Calls                 []struct{ Event, Region, RequestID, Code string }
		Unrecorded            []string // request IDs of the bad-region calls
	}
	if err := json.Unmarshal([]byte(runHostileAuthPy(t, s, "setup")), &setup); err != nil || setup.FloodKey == "" || len(setup.Calls) == 0 {
		t.Fatalf("setup output: %v %+v", err, setup)
	}
	var calls []ackedCall
	for _, c := range setup.Calls {
		calls = append(calls, ackedCall{Event: c.Event, Region: c.Region, RequestID: c.RequestID, Answered: true, Code: c.Code})
	}

	// 3,000 bad signatures of a known key: bounded records. The first, sent
	// alone, opens the window and is recorded on its own.
	journalDir := filepath.Join(s.data, "journal")
	before := dirSize(t, journalDir)
	const flood = 3000
	start := time.Now()
	refused, firstID, err := badSignatureCall(http.DefaultClient, s.endpoint, setup.FloodKey)
	if err != nil || !refused || firstID == "" {
		t.Fatalf("first bad-signature request: refused %v, request ID %q, %v", refused, firstID, err)
	}
	calls = append(calls, ackedCall{Event: "ListTrails", RequestID: firstID, Answered: true, Code: "InvalidSignatureException"})
	if n := badSignatureFlood(t, s.endpoint, setup.FloodKey, flood-1); n != flood-1 {
		t.Fatalf("%d of %d bad-signature requests refused with InvalidSignatureException", n, flood-1)
	}
	took := time.Since(start)
	grew := dirSize(t, journalDir) - before
	t.Logf("%d bad-signature requests in %s; journal grew by %d bytes", flood, took, grew)
	if grew > 64<<10 { // before: ~2 KB per request (6.2 MB for 3,000)
		t.Fatalf("journal grew by %d bytes for %d failed authentications", grew, flood)
	}

	// Graceful restart: the open window's summary is recorded at shutdown.
	s.stop()
	var good int
	for _, e := range readAuditJournal(t, filepath.Join(s.data, "channels", "events")) {
		if e.Meta.EventID == setup.GoodEventID {
			good++
		}
		if strings.Contains(string(e.Record), "0001-01-01") {
			t.Fatalf("refused audit event stored: %s", e.Record)
		}
	}
	if good != 1 {
		t.Fatalf("accepted audit event stored %d times", good)
	}
	s = startServerIn(t, s.data, "--regions", "onprem-1")
	var events map[string][]struct {
		ErrorCode           string `json:"errorCode"`
		AWSRegion           string `json:"awsRegion"`
		RequestParameters   map[string]any
		AdditionalEventData struct {
			Summary *struct {
				Count      int            `json:"count"`
				ErrorCodes map[string]int `json:"errorCodes"`
			} `json:"authFailureSummary"`
		} `json:"additionalEventData"`
		UserIdentity struct {
			AccessKeyID string `json:"accessKeyId"`
		} `json:"userIdentity"`
	}
	// The history indexer catches up after the restart: poll until the
	// summary written at shutdown is visible.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := json.Unmarshal([]byte(runHostileAuthPy(t, s, "lookup")), &events); err != nil {
			t.Fatal(err)
		}
		if len(events["ListTrails"]) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	single, counted := 0, 0
	for _, e := range events["ListTrails"] {
		if e.UserIdentity.AccessKeyID != setup.FloodKey || e.ErrorCode != "InvalidSignatureException" {
			t.Fatalf("unexpected ListTrails event %+v", e)
		}
		if sum := e.AdditionalEventData.Summary; sum != nil {
			counted += sum.Count
			if sum.ErrorCodes["InvalidSignatureException"] != sum.Count {
				t.Fatalf("summary error codes %v", sum.ErrorCodes)
			}
		} else {
			single++
		}
	}
	if single != 1 || counted != flood-1 || len(events["ListTrails"]) != 2 {
		t.Fatalf("ListTrails events: %d single, %d counted in summaries, %d in all (want 1, %d, 2)", single, counted, len(events["ListTrails"]), flood-1)
	}

	// Integrity: every acknowledged call present once with its outcome; the
	// refused ones never succeeded.
	for name, want := range map[string]int{"CreateTrail": 1, "CreateChannel": 1, "CreateEventDataStore": 1, "CreateUser": 1, "CreateAccessKey": 1} {
		ok := 0
		for _, e := range events[name] {
			if e.ErrorCode == "" {
				ok++
			}
			if e.AWSRegion != testRegion {
				t.Errorf("%s recorded in region %q", name, e.AWSRegion)
			}
		}
		if ok != want {
			t.Errorf("%s: %d successful events, want %d (%+v)", name, ok, want, events[name])
		}
	}
	for _, e := range events["DeleteTrail"] {
		if e.ErrorCode != "AccessDeniedException" {
			t.Errorf("DeleteTrail recorded with outcome %q", e.ErrorCode)
		}
	}
	for _, e := range events["GetTrail"] {
		if e.ErrorCode != "AccessDeniedException" {
			t.Errorf("replayed GetTrail recorded with outcome %q", e.ErrorCode)
		}
	}
	for _, c := range awsCLIs(t)[:1] {
		if out := c.mustRun(s, testKey, testSecret, "cloudtrail", "describe-trails", "--output", "json"); !strings.Contains(out, `"Name": "replayed"`) {
			t.Fatalf("describe-trails after restart: %s", out)
		}
	}
	// The bad-region calls were refused before any principal was known: no
	// record, by design.
	if len(events["CreateTrail"]) != 1 {
		t.Errorf("%d CreateTrail records, want only the successful one: %+v", len(events["CreateTrail"]), events["CreateTrail"])
	}
	unrecorded := map[string]bool{}
	for _, id := range setup.Unrecorded {
		unrecorded[id] = true
	}
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	for _, e := range lookupAll(t, ct, byAttr(cttypes.LookupAttributeKeyEventName, "CreateTrail")) {
		if r := parseRecord(t, e); unrecorded[r.RequestID] {
			t.Errorf("a bad-region call was recorded: %s", aws.ToString(e.CloudTrailEvent))
		}
	}
	checkIntegrity(t, s, calls)
}
