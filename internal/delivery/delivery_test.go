package delivery

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/selector"
)

var keyPattern = regexp.MustCompile(`^AWSLogs/111122223333/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/111122223333_CloudTrail_([a-z0-9-]+)_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`)

func TestDeliversMatchingEventsOncePerRegionInAWSLayout(t *testing.T) {
	f := newFixture(t)
	tr := baseTrail("single", 1)
	multi := baseTrail("multi", 1)
	multi.IsMultiRegionTrail, multi.S3KeyPrefix = true, "multi"
	f.trails.set(tr, multi)
	var single, all []string
	for i := range 30 {
		region := []string{"us-east-1", "eu-west-1", "ap-south-1"}[i%3]
		_, id := f.ev("111122223333", region, "cloudtrail.amazonaws.com", "DescribeTrails", true, false)
		all = append(all, id)
		if region == "us-east-1" {
			single = append(single, id)
		}
	}
	_, other := f.ev("999999999999", "us-east-1", "cloudtrail.amazonaws.com", "DescribeTrails", true, false) // other account
	_, data := f.ev("111122223333", "us-east-1", "s3.amazonaws.com", "GetObject", true, true)                // not selected
	f.start(Options{})
	byTrail := func() (map[string][]string, map[string][]string) {
		one, many := map[string][]string{}, map[string][]string{}
		for k, ids := range f.store.records(t) {
			if rest, ok := strings.CutPrefix(k, "logs/multi/"); ok {
				many[rest] = ids
			} else {
				one[strings.TrimPrefix(k, "logs/")] = ids
			}
		}
		return one, many
	}
	waitFor(t, "delivery", func() bool {
		one, many := byTrail()
		return len(allIDs(t, one)) == len(single) && len(allIDs(t, many)) == len(all)
	})
	f.stop()
	one, many := byTrail()
	for _, recs := range []map[string][]string{one, many} {
		for k, ids := range recs {
			m := keyPattern.FindStringSubmatch(k)
			if m == nil || m[1] != m[2] {
				t.Fatalf("key %q is not in the AWS layout", k)
			}
			for _, id := range ids {
				if id == other || id == data {
					t.Fatalf("event %s should not be delivered", id)
				}
			}
		}
	}
	if got := allIDs(t, one); !slices.Equal(got, sorted(single...)) {
		t.Errorf("single-region trail got %d events, want %d", len(got), len(single))
	}
	if got := allIDs(t, many); !slices.Equal(got, sorted(all...)) {
		t.Errorf("multi-region trail got %d events, want %d", len(got), len(all))
	}
	if n := keysWith(many, "/eu-west-1/"); n != 1 {
		t.Errorf("%d eu-west-1 files, want 1 (one file per region per batch)", n)
	}
	if n := keysWith(one, "/eu-west-1/"); n != 0 {
		t.Errorf("the single-region trail got %d eu-west-1 files", n)
	}
}

func TestLoggingWindowsAndSelectorsDecide(t *testing.T) {
	f := newFixture(t)
	before, _ := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "CreateTrail", false, false)
	start, startID := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "StartLogging", false, false)
	_, readID := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false)
	_, writeID := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "UpdateTrail", false, false)
	_, dataID := f.ev("111122223333", "us-east-1", "s3.amazonaws.com", "PutObject", false, true)
	stop, stopID := f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "StopLogging", false, false)
	f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false) // after stop
	_ = before
	tr := baseTrail("t", start)
	tr.Windows[0].Stop = stop
	tr.Selectors = selector.Set{Basic: []selector.EventSelector{{ReadWriteType: "WriteOnly", DataResources: []selector.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::data/"}}}}}}
	f.trails.set(tr)
	f.start(Options{})
	want := sorted(startID, writeID, dataID, stopID)
	waitFor(t, "delivery", func() bool { return len(allIDs(t, f.store.records(t))) >= len(want) })
	time.Sleep(60 * time.Millisecond)
	f.stop()
	got := allIDs(t, f.store.records(t))
	if !slices.Equal(got, want) {
		t.Fatalf("delivered %v, want %v (read event %s must be filtered)", got, want, readID)
	}
	if n := f.eng.Needed(); n <= stop {
		t.Errorf("Needed() = %d after delivering through %d", n, stop)
	}
}

func TestCrashBetweenUploadsRedeliversUnderTheSameKeys(t *testing.T) {
	f := newFixture(t)
	tr := baseTrail("t", 1)
	tr.IsMultiRegionTrail = true
	f.trails.set(tr)
	var want []string
	for i := range 40 {
		_, id := f.ev("111122223333", []string{"us-east-1", "eu-west-1"}[i%2], "cloudtrail.amazonaws.com", "DescribeTrails", true, false)
		want = append(want, id)
	}
	// The second file of the first batch fails: the first is stored, the
	// cursor must not move, and the engine "crashes".
	var mu sync.Mutex
	puts := 0
	f.store.setFail(func(key string) error {
		mu.Lock()
		defer mu.Unlock()
		puts++
		if puts >= 2 {
			return errors.New("injected outage")
		}
		return nil
	})
	f.start(Options{})
	waitFor(t, "a failed attempt", func() bool { return f.eng.Status("t").LatestDeliveryError != "" })
	f.stop()
	first := f.store.records(t)
	if len(first) != 1 {
		t.Fatalf("%d files stored before the crash, want 1", len(first))
	}
	f.store.setFail(nil)
	f.start(Options{}) // restart: the pending batch is rebuilt and stored again
	waitFor(t, "redelivery", func() bool { return len(f.store.records(t)) == 2 })
	f.stop()
	recs := f.store.records(t)
	for k := range first {
		if _, ok := recs[k]; !ok {
			t.Fatalf("the retried batch used a new key instead of %s", k)
		}
	}
	if got := allIDs(t, recs); !slices.Equal(got, sorted(want...)) {
		t.Fatalf("delivered %d events, want %d", len(got), len(want))
	}
	if st := f.eng.Status("t"); st.LatestDeliveryError != "" || st.LatestDeliveryTime.IsZero() {
		t.Errorf("status after recovery: %+v", st)
	}
}

func TestOutageIsReportedAndBacklogDelivered(t *testing.T) {
	f := newFixture(t)
	f.trails.set(baseTrail("t", 1))
	f.store.setFail(func(string) error { return fmt.Errorf("put: %w", bucket.ErrNoSuchBucket) })
	f.start(Options{MaxBatchEvents: 7})
	var want []string
	for range 50 {
		_, id := f.ev("111122223333", "us-east-1", "sts.amazonaws.com", "GetCallerIdentity", true, false)
		want = append(want, id)
	}
	waitFor(t, "the error in the status", func() bool { return f.eng.Status("t").LatestDeliveryError == "NoSuchBucket" })
	f.store.setFail(nil)
	waitFor(t, "the backlog", func() bool { return len(allIDs(t, f.store.records(t))) == len(want) })
	if st := f.eng.Status("t"); st.LatestDeliveryError != "" {
		t.Errorf("error still reported after recovery: %q", st.LatestDeliveryError)
	}
	if n := len(f.store.records(t)); n < 50/7 {
		t.Errorf("%d files: the size bound did not cut batches", n)
	}
}

func TestNotificationAnnouncesStoredFiles(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get("X-Amz-Sns-Message-Type")+" "+string(b))
		mu.Unlock()
	}))
	defer srv.Close()
	f := newFixture(t)
	tr := baseTrail("t", 1)
	tr.SnsTopicName, tr.SnsTopicARN = "ct-topic", "arn:aws:sns:us-east-1:111122223333:ct-topic"
	f.trails.set(tr)
	f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false)
	f.start(Options{SNSTopics: map[string]string{"ct-topic": srv.URL}})
	waitFor(t, "a notification", func() bool { mu.Lock(); defer mu.Unlock(); return len(bodies) > 0 })
	mu.Lock()
	got := bodies[0]
	mu.Unlock()
	for _, want := range []string{"Notification ", `"TopicArn":"arn:aws:sns:us-east-1:111122223333:ct-topic"`, `\"s3Bucket\":\"logs\"`, `\"s3ObjectKey\":[\"AWSLogs/111122223333/CloudTrail/us-east-1/`} {
		if !strings.Contains(got, want) {
			t.Errorf("notification %s lacks %s", got, want)
		}
	}
	waitFor(t, "status", func() bool { return !f.eng.Status("t").LatestNotificationTime.IsZero() })
}

func TestLogKey(t *testing.T) {
	at := time.Date(2015, 8, 1, 2, 10, 59, 0, time.UTC)
	got := LogKey("prefix/", "111122223333", "us-east-2", at, "Mu0KsOhtH1ar15ZZ")
	want := "prefix/AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz"
	if got != want {
		t.Fatalf("LogKey = %s\nwant %s", got, want)
	}
	if u := uniqueString(); !regexp.MustCompile(`^[A-Za-z0-9]{16}$`).MatchString(u) {
		t.Fatalf("uniqueString %q", u)
	}
}
