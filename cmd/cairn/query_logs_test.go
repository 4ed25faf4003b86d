package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// putLogObject stores a gzip'd {"Records":[...]} object in f's bucket.
func putLogObject(t *testing.T, f *fakeAWS, key string, records ...string) {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(`{"Records":[` + strings.Join(records, ",") + `]}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.objects[cliBucket+"/"+key] = fakeObject{body: b.Bytes()}
	f.mu.Unlock()
}

func logRecord(id, name string) string {
	return fmt.Sprintf(`{"eventVersion":"1.11","eventID":%q,"eventTime":"2024-01-01T00:0%d:00Z","eventName":%q,"awsRegion":"us-east-1"}`, id, len(name)%10, name)
}

func TestQueryLogs(t *testing.T) {
	f := &fakeAWS{t: t, objects: map[string]fakeObject{}, calls: map[string][]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	day := "pfx/AWSLogs/" + cliAccount + "/CloudTrail/us-east-1/2024/01/01/" + cliAccount + "_CloudTrail_us-east-1_"
	putLogObject(t, f, day+"20240101T0010Z_AAAAAAAAAAAAAAAA.json.gz", logRecord("e1", "GetObject"), logRecord("e2", "PutObject"), logRecord("e3", "ListBuckets"))
	// e3 again (CloudTrail may deliver an event twice), and a record without an eventID.
	putLogObject(t, f, day+"20240101T0015Z_BBBBBBBBBBBBBBBB.json.gz", logRecord("e3", "ListBuckets"), logRecord("e4", "GetObject"), `{"eventName":"NoID"}`)
	putLogObject(t, f, "pfx/AWSLogs/"+cliAccount+"/CloudTrail-Digest/us-east-1/2024/01/01/digest.json.gz", logRecord("d1", "Digest"))
	putLogObject(t, f, "elsewhere/AWSLogs/"+cliAccount+"/CloudTrail/us-east-1/2024/01/01/x.json.gz", logRecord("x1", "Elsewhere"))

	run := func(args ...string) (string, string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		base := []string{"--logs", "s3://" + cliBucket + "/pfx/", "--s3-endpoint", srv.URL, "--s3-access-key-id", "k", "--s3-secret-access-key", "s"}
		err := runQuery(append(base, args...), strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, errOut, err := run("--format", "json", "SELECT eventID, eventName FROM logs ORDER BY eventID")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := `{"eventID":"e1","eventName":"GetObject"}
{"eventID":"e2","eventName":"PutObject"}
{"eventID":"e3","eventName":"ListBuckets"}
{"eventID":"e4","eventName":"GetObject"}
`
	if out != want || !strings.Contains(errOut, "1 records without an eventID") {
		t.Fatalf("json\n%s\nwant\n%s\nstderr %q", out, want, errOut)
	}
	out, _, err = run("--format", "csv", "SELECT eventName, count(*) AS n FROM logs GROUP BY eventName ORDER BY eventName")
	if err != nil || out != "eventName,n\nGetObject,2\nListBuckets,1\nPutObject,1\n" {
		t.Fatalf("csv %q, %v", out, err)
	}
	if out, _, err = run("--format", "csv", "--max-rows", "2", "SELECT eventID FROM logs ORDER BY eventID"); err != nil || out != "eventID\ne1\ne2\n" {
		t.Fatalf("--max-rows 2: %q, %v", out, err)
	}
	if _, _, err := run("SELECT * FROM read_csv('/etc/passwd')"); err == nil || !strings.Contains(err.Error(), "InvalidQueryStatement") {
		t.Fatalf("hostile statement: %v", err)
	}

	// A file that cannot be read is reported, after the results.
	f.mu.Lock()
	f.objects[cliBucket+"/"+day+"20240101T0020Z_CCCCCCCCCCCCCCCC.json.gz"] = fakeObject{body: []byte("not gzip")}
	f.mu.Unlock()
	out, errOut, err = run("--format", "csv", "SELECT eventID FROM logs")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	sort.Strings(lines)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 log files") || strings.Join(lines, ",") != "e1,e2,e3,e4,eventID" ||
		!strings.Contains(errOut, "20240101T0020Z_CCCCCCCCCCCCCCCC.json.gz") {
		t.Fatalf("with a bad file: %v\n%s\nstderr %s", err, out, errOut)
	}
}
