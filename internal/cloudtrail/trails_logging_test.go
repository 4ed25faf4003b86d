package cloudtrail

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/trail"
)

func TestStartStopLoggingWindows(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	e.fails("eu-west-1", "StartLogging", map[string]any{"Name": "main"}, "InvalidHomeRegionException")
	e.fails("us-east-1", "StartLogging", map[string]any{"Name": "nope"}, "TrailNotFoundException")
	e.seq = 99
	res := e.ok("us-east-1", "StartLogging", map[string]any{"Name": "main"}, nil) // seq 100
	if string(res.Body) != `{}` || res.ResponseElements != nil || res.ReadOnly || jsonString(t, res.RequestParameters) != `{"name":"main"}` || len(res.Resources) != 1 {
		t.Fatalf("StartLogging result %s %v", res.Body, res.ResponseElements)
	}
	e.ok("us-east-1", "StartLogging", map[string]any{"Name": mainARN}, nil) // 101: already logging
	tr, _ := e.store.Get(acct, mainARN)
	if len(tr.Windows) != 1 || tr.Windows[0].Start != 100 || !tr.Windows[0].StartTime.Equal(testNow) || !tr.IsLogging() {
		t.Fatalf("windows %+v", tr.Windows)
	}
	e.fails("eu-west-1", "StopLogging", map[string]any{"Name": mainARN}, "InvalidHomeRegionException")
	e.seq = 199
	e.ok("us-east-1", "StopLogging", map[string]any{"Name": "main"}, nil) // 200
	e.ok("us-east-1", "StopLogging", map[string]any{"Name": "main"}, nil) // 201: not logging
	tr, _ = e.store.Get(acct, mainARN)
	if len(tr.Windows) != 1 || tr.Windows[0].Stop != 200 || tr.IsLogging() || !tr.Logs(100) || !tr.Logs(200) || tr.Logs(201) || tr.Logs(99) {
		t.Fatalf("windows %+v", tr.Windows)
	}
}

func TestStartLoggingAbortAndSeqFromCommit(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", nil)
	ch, cancel := e.store.Subscribe()
	defer cancel()
	res := e.handle(acct, "us-east-1", "StartLogging", map[string]any{"Name": "main"})
	res.Abort()
	if tr, _ := e.store.Get(acct, mainARN); tr.IsLogging() {
		t.Fatal("aborted StartLogging applied")
	}
	select {
	case <-ch:
		t.Fatal("notified of an aborted change")
	default:
	}
	res = e.handle(acct, "us-east-1", "StartLogging", map[string]any{"Name": "main"})
	if tr, _ := e.store.Get(acct, mainARN); tr.IsLogging() {
		t.Fatal("logging before the event is durable")
	}
	res.Seq = 4242 // set by the front door once the event is durable
	if err := res.Commit(); err != nil {
		t.Fatal(err)
	}
	tr, _ := e.store.Get(acct, mainARN)
	if !tr.IsLogging() || tr.Windows[0].Start != 4242 {
		t.Fatalf("windows %+v", tr.Windows)
	}
	select {
	case <-ch:
	default:
		t.Fatal("delivery not notified")
	}
}

type statusOut struct {
	IsLogging                                                   bool
	LatestDeliveryTime, StartLoggingTime                        *float64
	StopLoggingTime, LatestNotificationTime                     *float64
	LatestDigestDeliveryTime                                    *float64
	LatestDeliveryError, LatestDigestDeliveryError              *string
	LatestDeliveryAttemptTime, TimeLoggingStarted               *string
	TimeLoggingStopped, LatestDeliveryAttemptSucceeded          *string
	LatestNotificationAttemptTime                               *string
	LatestNotificationAttemptSucceeded, LatestNotificationError *string
}

func TestGetTrailStatus(t *testing.T) {
	e := newTrailEnv(t)
	e.create("us-east-1", "main", map[string]any{"IsMultiRegionTrail": true})
	res := e.ok("us-east-1", "GetTrailStatus", map[string]any{"Name": "main"}, nil)
	want := `{"IsLogging":false,"LatestDeliveryAttemptTime":"","LatestNotificationAttemptTime":"","LatestNotificationAttemptSucceeded":"","LatestDeliveryAttemptSucceeded":"","TimeLoggingStarted":"","TimeLoggingStopped":""}`
	if string(res.Body) != want || !res.ReadOnly {
		t.Fatalf("fresh trail status\n%s\nwant\n%s", res.Body, want)
	}
	start := testNow
	c := trailCall(acct, "us-east-1", "StartLogging", map[string]any{"Name": "main"})
	c.Time = start
	r := e.s.Handle(t.Context(), c)
	r.Seq = 1
	if err := r.Commit(); err != nil {
		t.Fatal(err)
	}
	stop := testNow.Add(90*time.Minute + 500*time.Millisecond)
	c = trailCall(acct, "us-east-1", "StopLogging", map[string]any{"Name": "main"})
	c.Time = stop
	r = e.s.Handle(t.Context(), c)
	r.Seq = 2
	if err := r.Commit(); err != nil {
		t.Fatal(err)
	}
	var out statusOut
	e.ok("us-east-1", "GetTrailStatus", map[string]any{"Name": mainARN}, &out)
	if out.IsLogging || *out.StartLoggingTime != float64(start.Unix()) || *out.StopLoggingTime != float64(stop.UnixMilli())/1000 ||
		*out.TimeLoggingStarted != "2026-11-21T12:00:00Z" || *out.TimeLoggingStopped != "2026-11-21T13:30:00Z" || out.LatestDeliveryTime != nil || out.LatestDeliveryError != nil {
		t.Fatalf("status %s", mustJSON(out))
	}
	// A shadow needs the ARN.
	msg := e.fails("eu-west-1", "GetTrailStatus", map[string]any{"Name": "main"}, "TrailNotFoundException")
	if msg != "Unknown trail: arn:aws:cloudtrail:eu-west-1:111111111111:trail/main for the user: 111111111111" {
		t.Fatal(msg)
	}
	e.ok("eu-west-1", "GetTrailStatus", map[string]any{"Name": mainARN}, nil)
	e.fails("us-east-1", "GetTrailStatus", map[string]any{"Name": "ab"}, "InvalidTrailNameException")
}

func TestGetTrailStatusFromDelivery(t *testing.T) {
	status := fakeStatus{}
	e := newTrailEnv(t, func(o *Options) { o.Status = status })
	e.create("us-east-1", "main", nil)
	tr, _ := e.store.Get(acct, mainARN)
	at := time.Date(2026, 11, 21, 11, 0, 0, 250e6, time.UTC)
	status[tr.ID] = trail.Status{LatestDeliveryTime: at, LatestDeliveryAttemptTime: at, LatestDeliveryAttemptSucceeded: at,
		LatestDeliveryError: "AccessDenied", LatestNotificationTime: at, LatestNotificationAttemptTime: at,
		LatestNotificationAttemptSucceeded: at, LatestNotificationError: "NotFound", LatestDigestDeliveryTime: at, LatestDigestDeliveryError: "NoSuchBucket"}
	var out statusOut
	e.ok("us-east-1", "GetTrailStatus", map[string]any{"Name": "main"}, &out)
	epochAt := float64(at.UnixMilli()) / 1000
	if *out.LatestDeliveryTime != epochAt || *out.LatestNotificationTime != epochAt || *out.LatestDigestDeliveryTime != epochAt ||
		*out.LatestDeliveryError != "AccessDenied" || *out.LatestNotificationError != "NotFound" || *out.LatestDigestDeliveryError != "NoSuchBucket" ||
		*out.LatestDeliveryAttemptTime != "2026-11-21T11:00:00Z" || *out.LatestDeliveryAttemptSucceeded != "2026-11-21T11:00:00Z" ||
		*out.LatestNotificationAttemptTime != "2026-11-21T11:00:00Z" || *out.LatestNotificationAttemptSucceeded != "2026-11-21T11:00:00Z" ||
		out.StartLoggingTime != nil || *out.TimeLoggingStarted != "" {
		t.Fatalf("status %s", mustJSON(out))
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
