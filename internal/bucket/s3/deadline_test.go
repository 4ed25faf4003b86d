package s3

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/outbound"
	"github.com/cairn-audit/cairn/internal/outbound/outboundtest"
)

// blackHoleStore is a Store on an endpoint that accepts connections and
// never answers.
func blackHoleStore(t *testing.T, o Options) (*Store, string) {
	t.Helper()
	endpoint := "http://" + outboundtest.BlackHole(t)
	o.Endpoint, o.AccessKeyID, o.SecretAccessKey, o.TempDir = endpoint, "k", "s", t.TempDir()
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s, endpoint
}

// put runs a PutObject and fails the test if it hangs.
func put(t *testing.T, s *Store, limit time.Duration) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		_, err := s.Put(context.Background(), "logs", "AWSLogs/k.json.gz", strings.NewReader("{}"), bucket.PutOptions{Size: 2})
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-time.After(limit):
		t.Fatalf("PutObject to a black hole did not fail within %s", limit)
		return nil
	}
}

// Regression (issue 11, item 3): PutObject to an endpoint that never answers
// waited forever; it now fails on the response-header deadline, naming it.
func TestPutToBlackHoleTimesOut(t *testing.T) {
	s, endpoint := blackHoleStore(t, Options{
		Outbound:         outbound.Options{ResponseHeaderTimeout: 200 * time.Millisecond},
		RetryMaxAttempts: 2,
	})
	err := put(t, s, 20*time.Second)
	var oe *outbound.Error
	if !errors.As(err, &oe) || oe.Phase != outbound.PhaseResponseHeaders {
		t.Fatalf("want a response-header timeout, got %v", err)
	}
	want := "s3 PutObject to " + endpoint + ": timeout awaiting response headers after 200ms"
	if oe.Error() != want || !strings.Contains(err.Error(), "s3: put logs/AWSLogs/k.json.gz") {
		t.Fatalf("error %q\nwant it to name the operation: %q", err, want)
	}
}

// The operation deadline bounds an operation with all its retries.
func TestOperationDeadline(t *testing.T) {
	s, endpoint := blackHoleStore(t, Options{
		Outbound:         outbound.Options{ResponseHeaderTimeout: time.Minute},
		OperationTimeout: 300 * time.Millisecond,
	})
	err := put(t, s, 20*time.Second)
	var oe *outbound.Error
	if !errors.As(err, &oe) || oe.Phase != outbound.PhaseOverall || !strings.HasPrefix(oe.Error(), "s3 PutObject to "+endpoint+": no complete answer after 300ms") {
		t.Fatalf("want the operation deadline, got %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := s.Get(context.Background(), "logs", "k", nil)
		errc <- err
	}()
	select {
	case err := <-errc:
		if !errors.As(err, &oe) || oe.Op != "GetObject" || !oe.Timeout() {
			t.Fatalf("GetObject: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("GetObject to a black hole hangs")
	}
}
