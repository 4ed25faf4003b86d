package e2e

import (
	"encoding/csv"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

type cliImport struct {
	ImportId, ImportStatus string
	ImportStatistics       struct {
		PrefixesFound, PrefixesCompleted, FilesCompleted, EventsCompleted, FailedEntries int64
	}
}

// TestLakeImportAndCairnQuery fills a bucket with a trail, imports it into
// a store that ingests nothing live, and checks the store event for event
// against the log files; a second import adds nothing. Then `cairn query`
// asks the store, and `cairn query --logs` the log files directly.
func TestLakeImportAndCairnQuery(t *testing.T) {
	t.Parallel()
	s := startTrailServerWith(t, "--delivery-interval", "1s")
	cli := awsCLIs(t)[0]
	ct := ctCLI{t, cli, s}
	ct.ok(nil, "create-trail", "--name", "imported", "--s3-bucket-name", trailBucket, "--s3-key-prefix", "org")
	ct.ok(nil, "start-logging", "--name", "imported")
	for range 30 {
		ct.ok(nil, "describe-trails")
	}
	ct.ok(nil, "stop-logging", "--name", "imported")
	c := s3Client(s.endpoint, testKey, testSecret)
	files := waitLogs(t, s, c, trailBucket, "org/", "the StopLogging event", func(fs []logFile) bool {
		for _, f := range fs {
			for _, r := range f.Records {
				if r.EventName == "StopLogging" {
					return true
				}
			}
		}
		return false
	})
	inBucket := byEventID(t, files)

	var eds cliEDS
	ct.ok(&eds, "create-event-data-store", "--name", "imports", "--no-start-ingestion", "--no-termination-protection-enabled")
	id := eds.EventDataStoreArn[strings.LastIndex(eds.EventDataStoreArn, "/")+1:]
	runImport := func() cliImport {
		var imp cliImport
		ct.ok(&imp, "start-import", "--destinations", eds.EventDataStoreArn,
			"--import-source", `{"S3":{"S3LocationUri":"s3://`+trailBucket+`/org/","S3BucketRegion":"us-east-1","S3BucketAccessRoleArn":"arn:aws:iam::`+testAccount+`:role/import"}}`)
		deadline := time.Now().Add(time.Minute)
		for imp.ImportStatus != "COMPLETED" {
			if time.Now().After(deadline) || imp.ImportStatus == "FAILED" || imp.ImportStatus == "STOPPED" {
				t.Fatalf("import %+v", imp)
			}
			time.Sleep(200 * time.Millisecond)
			ct.ok(&imp, "get-import", "--import-id", imp.ImportId)
		}
		return imp
	}
	imp := runImport()
	if imp.ImportStatistics.FilesCompleted != int64(len(files)) || imp.ImportStatistics.EventsCompleted != int64(len(inBucket)) ||
		imp.ImportStatistics.FailedEntries != 0 {
		t.Fatalf("import statistics %+v; bucket has %d files, %d events", imp.ImportStatistics, len(files), len(inBucket))
	}
	inStore := map[string]bool{}
	for _, r := range ct.lakeQuery("SELECT eventID, eventName FROM " + id) {
		inStore[r[0]["eventID"]] = true
		if want, ok := inBucket[r[0]["eventID"]]; !ok || want.EventName != r[1]["eventName"] {
			t.Fatalf("store event %v is not in the bucket as such", r)
		}
	}
	if len(inStore) != len(inBucket) {
		t.Fatalf("store holds %d events, bucket %d", len(inStore), len(inBucket))
	}
	runImport() // the same files again: nothing new
	rows := ct.lakeQuery("SELECT count(*) AS n FROM " + id)
	if rows[0][0]["n"] != strconv.Itoa(len(inBucket)) {
		t.Fatalf("after a second import: %v, want %d", rows, len(inBucket))
	}
	var imports struct{ Imports []cliImport }
	ct.ok(&imports, "list-imports")
	if len(imports.Imports) != 2 {
		t.Fatalf("list-imports %+v", imports)
	}

	// cairn query: the store, as CSV and JSON.
	env := s.clientEnv(testKey, testSecret)
	sql := "SELECT eventName, count(*) AS n FROM " + id + " WHERE eventName = 'DescribeTrails' GROUP BY eventName"
	out, code := runTool(t, env, cairnBin, "query", "--data", s.data, "--endpoint", s.endpoint, "--format", "csv", sql)
	recs, err := csv.NewReader(strings.NewReader(lastCSV(out))).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 || recs[1][0] != "DescribeTrails" || recs[1][1] != "30" {
		t.Fatalf("cairn query --format csv: exit %d, %v\n%s", code, err, out)
	}
	out, code = runTool(t, env, cairnBin, "query", "--data", s.data, "--endpoint", s.endpoint, "--format", "table", sql)
	if code != 0 || !strings.Contains(out, "DescribeTrails") || !strings.Contains(out, "30") {
		t.Fatalf("cairn query --format table: exit %d\n%s", code, out)
	}
	out, code = runTool(t, env, cairnBin, "query", "--data", s.data, "--endpoint", s.endpoint, "SELECT * FROM read_csv('/etc/passwd')")
	if code == 0 || !strings.Contains(out, "InvalidQueryStatement") {
		t.Fatalf("cairn query with hostile SQL: exit %d\n%s", code, out)
	}

	// cairn query --logs: the same question of the log files themselves.
	out, code = runTool(t, env, cairnBin, "query", "--data", s.data, "--endpoint", s.endpoint, "--format", "json",
		"--logs", "s3://"+trailBucket+"/org/", "SELECT eventID FROM logs")
	if code != 0 {
		t.Fatalf("cairn query --logs: exit %d\n%s", code, out)
	}
	var fromLogs []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var row map[string]string
		if json.Unmarshal([]byte(line), &row) == nil && row["eventID"] != "" {
			fromLogs = append(fromLogs, row["eventID"])
		}
	}
	var want []string
	for id := range inBucket {
		want = append(want, id)
	}
	sort.Strings(fromLogs)
	sort.Strings(want)
	if strings.Join(fromLogs, ",") != strings.Join(want, ",") {
		t.Fatalf("cairn query --logs returned %d event IDs, bucket has %d\n%s", len(fromLogs), len(want), tail(out, 2000))
	}
}

// lastCSV drops any progress lines before the CSV header.
func lastCSV(out string) string {
	if i := strings.Index(out, "eventName,"); i >= 0 {
		return out[i:]
	}
	return out
}
