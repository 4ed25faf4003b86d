package lake

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
)

func openTestBuckets(t *testing.T, names ...string) *file.Store {
	t.Helper()
	st, err := file.Open(t.TempDir(), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, n := range names {
		if err := st.CreateBucket(context.Background(), n, bucket.CreateOptions{Owner: qAcct}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func readCSVObject(t *testing.T, st bucket.Store, bucketName, key string) [][]string {
	t.Helper()
	body, info, err := st.Get(context.Background(), bucketName, key, nil)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer body.Close()
	if info.ContentType != "application/x-gzip" {
		t.Fatalf("content type %q", info.ContentType)
	}
	zr, err := gzip.NewReader(body)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func submitDelivered(t *testing.T, e *queriesEnv, uri string) string {
	t.Helper()
	id, err := e.q.Submit(Submission{Account: qAcct, Region: "us-east-1", SQL: "SELECT", Stores: map[string]Scope{qStore: {}}, DeliveryURI: uri})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestQueriesDeliverCSV(t *testing.T) {
	st := openTestBuckets(t, "results")
	e := newQueriesEnv(t, func(_ context.Context, _ Query, w ResultWriter) (QueryStats, error) {
		if err := w.Columns([]string{"eventName", "n", "note"}); err != nil {
			return QueryStats{}, err
		}
		err := errors.Join(
			w.Row([]Value{{S: "CreateUser"}, {S: "3"}, {Null: true}}),
			w.Row([]Value{{S: "Get,User"}, {S: "25"}, {S: "say \"hi\"\nbye"}}),
		)
		return QueryStats{}, err
	}, func(o *QueriesOptions) { o.Buckets = st })
	e.start()
	id := submitDelivered(t, e, "s3://results/team/lake/")
	if info, _ := e.q.Describe(qAcct, id); info.DeliveryStatus != DeliveryPending && info.DeliveryStatus != DeliverySuccess {
		t.Fatalf("delivery status right after submission: %q", info.DeliveryStatus)
	}
	info := e.wait(id, QueryFinished)
	if info.DeliveryStatus != DeliverySuccess || info.DeliveryURI != "s3://results/team/lake/" {
		t.Fatalf("delivery: %+v", info)
	}
	key := "team/lake/AWSLogs/" + qAcct + "/CloudTrail-Lake/Query/2026/03/04/" + id + "/result_1.csv.gz"
	recs := readCSVObject(t, st, "results", key)
	want := [][]string{{"eventName", "n", "note"}, {"CreateUser", "3", ""}, {"Get,User", "25", "say \"hi\"\nbye"}}
	if len(recs) != len(want) {
		t.Fatalf("csv %q", recs)
	}
	for i := range want {
		if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("csv row %d: %q, want %q", i, recs[i], want[i])
		}
	}
	if _, err := os.Stat(filepath.Join(e.dir, id, deliverySpoolName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("spool file left: %v", err)
	}

	// No prefix: the key starts at AWSLogs.
	id = submitDelivered(t, e, "s3://results")
	e.wait(id, QueryFinished)
	readCSVObject(t, st, "results", DeliveryKey("", qAcct, id, queriesT0))
}

func TestQueriesDeliveryStatuses(t *testing.T) {
	st := openTestBuckets(t, "results")
	started := make(chan string, 4)
	e := newQueriesEnv(t, func(ctx context.Context, q Query, w ResultWriter) (QueryStats, error) {
		switch q.SQL {
		case "block":
			return blockingRun(1, started)(ctx, q, w)
		case "fail":
			return QueryStats{}, ErrQueryLimit
		}
		return rowsRun(2)(ctx, q, w)
	}, func(o *QueriesOptions) { o.Buckets = st; o.Timeout = time.Second })

	e.start()
	missing := submitDelivered(t, e, "s3://no-such-bucket/x")
	if info := e.wait(missing, QueryFinished); info.DeliveryStatus != DeliveryResourceNotFound {
		t.Fatalf("missing bucket: %q", info.DeliveryStatus)
	}
	failed, err := e.q.Submit(Submission{Account: qAcct, SQL: "fail", DeliveryURI: "s3://results"})
	if err != nil {
		t.Fatal(err)
	}
	if info := e.wait(failed, QueryFailed); info.DeliveryStatus != DeliveryFailed {
		t.Fatalf("failed query: %q", info.DeliveryStatus)
	}
	cancelled, err := e.q.Submit(Submission{Account: qAcct, SQL: "block", DeliveryURI: "s3://results"})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	e.q.Cancel(qAcct, cancelled)
	if info := e.wait(cancelled, QueryCancelled); info.DeliveryStatus != DeliveryCancelled {
		t.Fatalf("cancelled query: %q", info.DeliveryStatus)
	}
	timedOut, err := e.q.Submit(Submission{Account: qAcct, SQL: "block", DeliveryURI: "s3://results"})
	if err != nil {
		t.Fatal(err)
	}
	if info := e.wait(timedOut, QueryTimedOut); info.DeliveryStatus != DeliveryFailed {
		t.Fatalf("timed out query: %q", info.DeliveryStatus)
	}
	// Nothing but the successful deliveries reached the bucket.
	res, err := st.List(context.Background(), "results", bucket.ListOptions{})
	if err != nil || len(res.Objects) != 0 {
		t.Fatalf("objects %+v %v", res.Objects, err)
	}
	if _, err := e.q.Submit(Submission{Account: qAcct, SQL: "x", DeliveryURI: "s3://Bad_Bucket"}); !errors.Is(err, ErrInvalidDeliveryBucket) {
		t.Fatalf("bad URI: %v", err)
	}
}

func TestQueriesRedeliverAfterRestart(t *testing.T) {
	st := openTestBuckets(t, "results")
	e := newQueriesEnv(t, rowsRun(2)) // no Buckets yet: delivery cannot happen
	e.start()
	id := submitDelivered(t, e, "s3://results/p")
	e.wait(id, QueryFinished)
	e.close()
	// Put the record back as a crash between finishing and delivering leaves it.
	path := filepath.Join(e.dir, id, queryRecordName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"deliveryStatus":"RESOURCE_NOT_FOUND"`, `"deliveryStatus":"PENDING"`, 1))
	if err := os.WriteFile(path, data, queryFilePerm); err != nil {
		t.Fatal(err)
	}
	e.opts.Buckets = st
	e.open()
	e.start()
	if info := e.wait(id, QueryFinished); info.DeliveryStatus != DeliverySuccess {
		t.Fatalf("redelivery: %q", info.DeliveryStatus)
	}
	if recs := readCSVObject(t, st, "results", DeliveryKey("p", qAcct, id, queriesT0)); len(recs) != 3 {
		t.Fatalf("redelivered csv %q", recs)
	}
}

func TestParseDeliveryURI(t *testing.T) {
	cases := []struct {
		uri, bucket, prefix string
		err                 error
	}{
		{"s3://results", "results", "", nil},
		{"s3://results/", "results", "", nil},
		{"s3://my.results-1/a/b/", "my.results-1", "a/b", nil},
		{"s3://results/a b/é", "results", "a b/é", nil},
		{"https://results/a", "", "", ErrInvalidDeliveryURI},
		{"s3://", "", "", ErrInvalidDeliveryBucket},
		{"s3://ab", "", "", ErrInvalidDeliveryBucket},
		{"s3://Results", "", "", ErrInvalidDeliveryBucket},
		{"s3://-results", "", "", ErrInvalidDeliveryBucket},
		{"s3://res..ults", "", "", ErrInvalidDeliveryBucket},
		{"s3://192.168.1.1", "", "", ErrInvalidDeliveryBucket},
		{"s3://" + strings.Repeat("a", 64), "", "", ErrInvalidDeliveryBucket},
		{"s3://results//a", "", "", ErrInvalidDeliveryPrefix},
		{"s3://results/a/../b", "", "", ErrInvalidDeliveryPrefix},
		{"s3://results/a\x00b", "", "", ErrInvalidDeliveryPrefix},
		{"s3://results/" + strings.Repeat("a", maxDeliveryPrefix+1), "", "", ErrInvalidDeliveryPrefix},
		{"s3://results/\xff", "", "", ErrInvalidDeliveryPrefix},
	}
	for _, c := range cases {
		b, p, err := ParseDeliveryURI(c.uri)
		if !errors.Is(err, c.err) || b != c.bucket || p != c.prefix {
			t.Errorf("%q: %q %q %v, want %q %q %v", c.uri, b, p, err, c.bucket, c.prefix, c.err)
		}
	}
	long := "s3://results/" + strings.Repeat("a", maxDeliveryPrefix)
	_, p, err := ParseDeliveryURI(long)
	if err != nil {
		t.Fatal(err)
	}
	if key := DeliveryKey(p, "0123456789012345", "01234567-0123-0123-0123-0123456789ab", queriesT0); len(key) != 1024 || bucket.CheckKey(key) != nil {
		t.Fatalf("longest key is %d bytes", len(key))
	}
}
