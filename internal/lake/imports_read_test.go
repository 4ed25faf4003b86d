package lake

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestReadLogFile(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var recs []string
	for range 5 {
		recs = append(recs, record(NewID(), at))
	}
	body := logFile(t, recs[0], `{"eventName":"NoID"}`, recs[1], recs[2], recs[3], `{"eventID":"x","eventTime":"soon"}`, recs[4])
	var batches []int
	var got []string
	skipped, err := ReadLogFile(bytes.NewReader(body), "logs", 2, func(rows []Row) error {
		batches = append(batches, len(rows))
		for _, r := range rows {
			if r.Store != "logs" || !r.Time.Equal(at) {
				t.Fatalf("row %+v", r)
			}
			got = append(got, string(r.Record))
		}
		return nil
	})
	if err != nil || skipped != 2 {
		t.Fatalf("ReadLogFile: %d skipped, %v", skipped, err)
	}
	if len(batches) != 3 || batches[0] != 2 || batches[1] != 2 || batches[2] != 1 {
		t.Fatalf("batches %v", batches)
	}
	for i, r := range recs {
		if got[i] != r {
			t.Fatalf("record %d: %s, want %s verbatim", i, got[i], r)
		}
	}

	stop := errors.New("enough")
	if _, err := ReadLogFile(bytes.NewReader(body), "logs", 2, func([]Row) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("emit error: %v", err)
	}
	for _, c := range []struct {
		body []byte
		want error
	}{
		{[]byte(`{"Records":[]}`), ErrLogNotGzip},
		{body[:len(body)-3], ErrLogNotGzip},
		{gz(t, `{"Records":[{"eventID":`), ErrLogNotCloudTrail},
		{gz(t, `{"Records":{}}`), ErrLogNotCloudTrail},
		{gz(t, `["Records"]`), ErrLogNotCloudTrail},
	} {
		if _, err := ReadLogFile(bytes.NewReader(c.body), "logs", 2, func([]Row) error { return nil }); !errors.Is(err, c.want) {
			t.Errorf("ReadLogFile(%q...): %v, want %v", c.body[:min(len(c.body), 12)], err, c.want)
		}
	}
}
