package delivery

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	s3store "github.com/cairn-audit/cairn/internal/bucket/s3"
	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/outbound/outboundtest"
)

// Regression (issue 11, item 3): with an S3 endpoint that accepts the
// connection and never answers, delivery froze with LatestDeliveryError
// null. The stall is now a timeout named in the status, and retried.
func TestStalledS3IsReported(t *testing.T) {
	endpoint := "http://" + outboundtest.BlackHole(t)
	st, err := s3store.New(context.Background(), s3store.Options{
		Endpoint: endpoint, AccessKeyID: "k", SecretAccessKey: "s", TempDir: t.TempDir(),
		Outbound: outbound.Options{ResponseHeaderTimeout: 200 * time.Millisecond}, RetryMaxAttempts: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.trails.set(baseTrail("t", 1))
	f.ev("111122223333", "us-east-1", "sts.amazonaws.com", "GetCallerIdentity", true, false)
	eng, err := New(f.src, f.trails, st, Options{
		Dir: f.dir + "/delivery", Interval: 20 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	want := "RequestTimeout: s3 PutObject to " + endpoint + ": timeout awaiting response headers after 200ms"
	waitFor(t, "the stall in LatestDeliveryError", func() bool { return eng.Status("t").LatestDeliveryError == want })
	first := eng.Status("t").LatestDeliveryAttemptTime
	waitFor(t, "a retry", func() bool { return eng.Status("t").LatestDeliveryAttemptTime.After(first) })
}

// A notification webhook that never answers fails on its deadline, named in
// LatestNotificationError, instead of holding the trail's worker.
func TestStalledWebhookIsReported(t *testing.T) {
	url := "http://" + outboundtest.BlackHole(t) + "/hook"
	f := newFixture(t)
	tr := baseTrail("t", 1)
	tr.SnsTopicName, tr.SnsTopicARN = "ct-topic", "arn:aws:sns:us-east-1:111122223333:ct-topic"
	f.trails.set(tr)
	f.ev("111122223333", "us-east-1", "cloudtrail.amazonaws.com", "GetTrail", true, false)
	f.start(Options{SNSTopics: map[string]string{"ct-topic": url}, NotifyTimeout: time.Minute,
		Outbound: outbound.Options{ResponseHeaderTimeout: 200 * time.Millisecond}})
	waitFor(t, "the notification error", func() bool { return f.eng.Status("t").LatestNotificationError != "" })
	got := f.eng.Status("t").LatestNotificationError
	if want := "notification POST to " + strings.TrimSuffix(url, "/hook") + ": timeout awaiting response headers after 200ms"; !strings.Contains(got, want) {
		t.Fatalf("LatestNotificationError %q, want it to contain %q", got, want)
	}
	if f.eng.Status("t").LatestDeliveryTime.IsZero() {
		t.Fatal("the log file was not delivered")
	}
}
