package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/cairn-audit/cairn/internal/fsutil/tmpfstest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
)

// TestHostileLakeDiskFull fills the file system of the Lake's database
// while calls are recorded, frees it, and checks that no row was corrupted
// by the failed commits (issue 11: a retry after a disk-full spliced 166
// events into one row, and every statement reading eventData failed after):
// every acknowledged call is in the store exactly once and intact, eventData
// reads, and so after a restart and by `cairn lake check`.
func TestHostileLakeDiskFull(t *testing.T) {
	data := t.TempDir()
	engine := filepath.Join(data, "lake", "engine")
	tmpfstest.Mount(t, engine, "24m")
	s := startServerIn(t, data)
	var calls callLog // every call whose answer the test saw, for checkIntegrity
	ct := cloudtrail.NewFromConfig(calls.config(sdkConfig(s, testKey, testSecret, testRegion)))
	ctx := context.Background()
	id := createTestEventDataStore(t, ct, "diskfull")

	// Each call names a trail of its own: the store must hold each name once.
	var acked []string
	call := func(phase string, n int) {
		t.Helper()
		for i := range n {
			name := fmt.Sprintf("diskfull-%s-%d", phase, i)
			if _, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{name}}); err == nil {
				acked = append(acked, name)
			}
		}
	}
	call("before", 20)
	lakeDiskWait(t, s, ct, id, acked)

	// Fill the Lake's file system; calls go on being recorded (the journal
	// is elsewhere) while the Lake's commits fail.
	filler := filepath.Join(engine, "filler")
	tmpfstest.Fill(t, filler)
	failures := strings.Count(s.logs.String(), "lake ingest batch failed")
	call("full", 20)
	for deadline := time.Now().Add(30 * time.Second); strings.Count(s.logs.String(), "lake ingest batch failed") < failures+2; {
		if time.Now().After(deadline) {
			t.Fatalf("no failed Lake commit on the full disk:\n%s", tail(s.logs.String(), 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	call("after", 20)
	if len(acked) < 60 {
		t.Fatalf("only %d of 60 calls acknowledged", len(acked))
	}
	lakeDiskWait(t, s, ct, id, acked)
	lakeDiskIntact(t, s, ct, id, acked)

	// After a restart, and by the offline check.
	s.stop()
	s = startServerIn(t, data)
	ct = cloudtrail.NewFromConfig(calls.config(sdkConfig(s, testKey, testSecret, testRegion)))
	lakeDiskIntact(t, s, ct, id, acked)
	if strings.Contains(s.logs.String(), "malformed row") {
		t.Fatalf("the row check at open found malformed rows:\n%s", tail(s.logs.String(), 3000))
	}
	s.stop()
	out, err := exec.Command(cairnBin, "lake", "check", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), " 0 malformed") {
		t.Fatalf("cairn lake check: %v\n%s", err, out)
	}
	// Re-deriving from the journal finds nothing missing.
	out, err = exec.Command(cairnBin, "lake", "repair", "--all", "--data", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), ", 0 were missing") {
		t.Fatalf("cairn lake repair --all: %v\n%s", err, out)
	}
	t.Logf("cairn lake repair --all:\n%s", out)
	// The server starts on the checked and repaired data, and every call of
	// both runs (the DescribeTrails traffic, the queries) is in
	// LookupEvents once, with the outcome the client saw.
	s = startServerIn(t, data)
	checkLoggedIntegrity(t, s, &calls)
}

// lakeDiskRows runs sql to FINISHED and returns its rows.
func lakeDiskRows(t *testing.T, ct *cloudtrail.Client, sql string) []map[string]string {
	t.Helper()
	ctx := context.Background()
	q, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: aws.String(sql)})
	if err != nil {
		t.Fatalf("StartQuery %q: %v", sql, err)
	}
	var rows []map[string]string
	var token *string
	for deadline := time.Now().Add(time.Minute); ; {
		r, err := ct.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: q.QueryId, NextToken: token})
		if err != nil {
			t.Fatalf("GetQueryResults %q: %v", sql, err)
		}
		switch r.QueryStatus {
		case "QUEUED", "RUNNING":
			if time.Now().After(deadline) {
				t.Fatalf("query %q did not finish", sql)
			}
			time.Sleep(50 * time.Millisecond)
			continue
		case "FINISHED":
		default:
			msg := ""
			if r.ErrorMessage != nil {
				msg = *r.ErrorMessage
			}
			t.Fatalf("query %q: %s %s", sql, r.QueryStatus, msg)
		}
		for _, row := range r.QueryResultRows {
			m := map[string]string{}
			for _, cell := range row {
				for k, v := range cell {
					m[k] = v
				}
			}
			rows = append(rows, m)
		}
		if token = r.NextToken; token == nil {
			return rows
		}
	}
}

// lakeDiskNames returns how many times the store holds each trail name.
func lakeDiskNames(t *testing.T, ct *cloudtrail.Client, id string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, r := range lakeDiskRows(t, ct, "SELECT eventID, requestParameters FROM "+id+" WHERE eventName = 'DescribeTrails'") {
		var p struct{ TrailNameList []string }
		if err := json.Unmarshal([]byte(r["requestParameters"]), &p); err != nil || len(p.TrailNameList) != 1 {
			t.Fatalf("event %.100q: requestParameters %.200q", r["eventID"], r["requestParameters"])
		}
		got[p.TrailNameList[0]]++
	}
	return got
}

// lakeDiskWait waits until the store holds every acknowledged call.
func lakeDiskWait(t *testing.T, s *server, ct *cloudtrail.Client, id string, acked []string) {
	t.Helper()
	waitAllCounted(t, s, "in the store", 60*time.Second, acked, func() map[string]int { return lakeDiskNames(t, ct, id) })
}

// lakeDiskIntact: every acknowledged call is in the store exactly once,
// nothing else is, each row is well-formed, eventData reads, and the
// server answers.
func lakeDiskIntact(t *testing.T, s *server, ct *cloudtrail.Client, id string, acked []string) {
	t.Helper()
	got := lakeDiskNames(t, ct, id)
	for _, n := range acked {
		if got[n] != 1 {
			t.Errorf("call %s is in the store %d times", n, got[n])
		}
		delete(got, n)
	}
	for n, c := range got {
		t.Errorf("the store holds %d events of %s, which was never acknowledged", c, n)
	}
	r := lakeDiskRows(t, ct, "SELECT count(*) AS n, count(DISTINCT eventID) AS d, max(length(eventID)) AS idlen, "+
		"max(length(eventJson)) AS reclen, count(eventData) AS ed FROM "+id+" WHERE eventName = 'DescribeTrails'")
	want := fmt.Sprint(len(acked))
	if len(r) != 1 || r[0]["n"] != want || r[0]["d"] != want || r[0]["idlen"] != "36" || len(r[0]["reclen"]) > 4 {
		t.Fatalf("rows %v, want %s well-formed events, each once", r, want)
	}
	lakeDiskRows(t, ct, "SELECT eventData, eventJson FROM "+id)
	if _, err := ct.GetEventDataStore(context.Background(), &cloudtrail.GetEventDataStoreInput{EventDataStore: aws.String(id)}); err != nil {
		t.Fatalf("server not answering: %v", err)
	}
}

// createTestEventDataStore creates an event data store (termination
// protection off, so the test may delete it) and returns its ID.
func createTestEventDataStore(t *testing.T, ct *cloudtrail.Client, name string) string {
	t.Helper()
	eds, err := ct.CreateEventDataStore(context.Background(), &cloudtrail.CreateEventDataStoreInput{Name: aws.String(name),
		TerminationProtectionEnabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	return (*eds.EventDataStoreArn)[strings.LastIndex(*eds.EventDataStoreArn, "/")+1:]
}
