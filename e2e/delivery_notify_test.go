package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// A trail naming an SNS topic announces each delivered file to the topic's
// webhook in the SNS notification format; a topic without a webhook is refused.
func TestTrailSNSNotification(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var n map[string]string
		if err := json.Unmarshal(b, &n); err != nil {
			t.Errorf("notification is not JSON: %s", b)
		}
		n["header:type"] = r.Header.Get("X-Amz-Sns-Message-Type")
		mu.Lock()
		got = append(got, n)
		mu.Unlock()
	}))
	defer hook.Close()
	s := startServer(t, "--delivery-interval", "1s", "--sns-topic", "ct-events="+hook.URL)
	ctx := context.Background()
	if _, err := s3Client(s.endpoint, testKey, testSecret).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("notified")}); err != nil {
		t.Fatal(err)
	}
	ct := cloudtrail.NewFromConfig(sdkConfig(s, testKey, testSecret, testRegion))
	_, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("quiet"), S3BucketName: aws.String("notified"), SnsTopicName: aws.String("no-such-topic")})
	if apiCode(err) != "InsufficientSnsTopicPolicyException" {
		t.Fatalf("CreateTrail with an unconfigured topic: %v", err)
	}
	out, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("loud"), S3BucketName: aws.String("notified"), SnsTopicName: aws.String("ct-events")})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:sns:us-east-1:" + testAccount + ":ct-events"
	if aws.ToString(out.SnsTopicARN) != wantARN {
		t.Errorf("SnsTopicARN %q, want %q", aws.ToString(out.SnsTopicARN), wantARN)
	}
	if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("loud")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notification\n%s", tail(s.logs.String(), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	n := got[0]
	mu.Unlock()
	if n["Type"] != "Notification" || n["header:type"] != "Notification" || n["TopicArn"] != wantARN {
		t.Errorf("notification envelope: %v", n)
	}
	var msg struct {
		S3Bucket    string   `json:"s3Bucket"`
		S3ObjectKey []string `json:"s3ObjectKey"`
	}
	if err := json.Unmarshal([]byte(n["Message"]), &msg); err != nil || msg.S3Bucket != "notified" || len(msg.S3ObjectKey) == 0 {
		t.Fatalf("Message %q (%v)", n["Message"], err)
	}
	for _, k := range msg.S3ObjectKey {
		if !logKeyPattern.MatchString(k) {
			t.Errorf("announced key %q is not a log file key", k)
		}
		if _, err := s3Client(s.endpoint, testKey, testSecret).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("notified"), Key: aws.String(k)}); err != nil {
			t.Errorf("announced %s, which is not stored: %v", k, err)
		}
	}
	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("loud")})
	if err != nil {
		t.Fatal(err)
	}
	if st.LatestNotificationTime == nil || aws.ToString(st.LatestNotificationError) != "" || !strings.HasPrefix(aws.ToString(st.LatestNotificationAttemptSucceeded), "20") {
		t.Errorf("GetTrailStatus notification fields: time %v, error %q, succeeded %q", st.LatestNotificationTime, aws.ToString(st.LatestNotificationError), aws.ToString(st.LatestNotificationAttemptSucceeded))
	}
}
