package lake

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

const importURI = "s3://" + impBucket + "/org/"

// checkRows fails unless the store holds exactly want (ID -> record), each
// record verbatim with its eventTime.
func (e *importEnv) checkRows(want map[string]string) {
	e.t.Helper()
	got := e.engine.stored(e.eds.ID)
	if len(got) != len(want) {
		e.t.Fatalf("store holds %d events, want %d", len(got), len(want))
	}
	for id, rec := range want {
		r, ok := got[id]
		if !ok {
			e.t.Fatalf("event %s missing", id)
		}
		var m struct{ EventTime time.Time }
		if err := json.Unmarshal([]byte(rec), &m); err != nil {
			e.t.Fatal(err)
		}
		if string(r.Record) != rec || r.Store != e.eds.ID || !r.Time.Equal(m.EventTime) || r.Time.Location() != time.UTC {
			e.t.Fatalf("row %+v\nwant record %s at %v", r, rec, m.EventTime)
		}
	}
}

func TestImportStoresEveryEventOnce(t *testing.T) {
	e := newImportEnv(t)
	_, r1 := e.putLog("org", "us-east-1", impNow.Add(-48*time.Hour), 5)
	_, r2 := e.putLog("org", "us-east-1", impNow.Add(-47*time.Hour), 3)
	_, r3 := e.putLog("org", "eu-west-1", impNow.Add(-24*time.Hour), 6)
	e.put("org/AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/11/19/digest.json.gz", []byte("not read"))
	e.putLog("elsewhere", "us-east-1", impNow.Add(-24*time.Hour), 2) // outside the URI
	want := merge(r1, r2, r3)

	started := e.start(importURI, time.Time{}, time.Time{})
	if started.Status != ImportInitializing || len(started.ID) != 36 || !started.Created.Equal(impNow) {
		t.Fatalf("started %+v", started)
	}
	imp := e.wait(started.ID, ImportCompleted, ImportFailed)
	wantStats := ImportStatistics{PrefixesFound: 2, PrefixesCompleted: 2, FilesCompleted: 3, EventsCompleted: 14}
	if imp.Status != ImportCompleted || imp.Stats != wantStats {
		t.Fatalf("import %+v, failures %+v", imp, e.failures(imp.ID))
	}
	e.checkRows(want)
	for _, n := range e.engine.calls {
		if n == 0 || n > 2*e.opts.BatchSize-1 {
			t.Fatalf("Import calls of %v rows with BatchSize %d", e.engine.calls, e.opts.BatchSize)
		}
	}
	if e.im.Ongoing(e.eds.ID) {
		t.Fatal("a completed import is ongoing")
	}

	// The same files again: nothing new is stored.
	e.advance(time.Second)
	again := e.wait(e.start(importURI, time.Time{}, time.Time{}).ID, ImportCompleted, ImportFailed)
	if again.Status != ImportCompleted || again.Stats.FilesCompleted != 3 || again.Stats.EventsCompleted != 0 {
		t.Fatalf("second import %+v", again)
	}
	e.checkRows(want)
	if l := e.im.List(impAcct, impRegion); len(l) != 2 || l[0].ID != imp.ID || l[1].ID != again.ID {
		t.Fatalf("List %+v", l)
	}
	if l := e.im.List(impOther, impRegion); len(l) != 0 {
		t.Fatalf("another account lists %+v", l)
	}
	if _, ok := e.im.Get(impAcct, "eu-west-1", imp.ID); ok {
		t.Fatal("an import is visible from another region")
	}

	// Records survive a restart.
	e.reopen()
	if got, ok := e.im.Get(impAcct, impRegion, imp.ID); !ok || got.Status != ImportCompleted || got.Stats != wantStats {
		t.Fatalf("after reopen %+v", got)
	}
}

func TestImportTimeWindow(t *testing.T) {
	e := newImportEnv(t)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	// Events at 11:59, 11:58, 11:57, 11:56 of 11/20.
	_, recs := e.putLog("org", "us-east-1", day.Add(12*time.Hour), 4)
	// Files that must not be read, by their folder's date or their name.
	garbage := []byte("not gzip")
	e.put("org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/19/111111111111_CloudTrail_us-east-1_20261119T2350Z_AAAAAAAAAAAAAAAA.json.gz", garbage)
	e.put("org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/20/111111111111_CloudTrail_us-east-1_20261120T1130Z_BBBBBBBBBBBBBBBB.json.gz", garbage)
	e.put("org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/20/111111111111_CloudTrail_us-east-1_20261120T1400Z_CCCCCCCCCCCCCCCC.json.gz", garbage)
	e.put("org/AWSLogs/111111111111/CloudTrail/us-east-1/2026/11/21/111111111111_CloudTrail_us-east-1_20261121T0000Z_DDDDDDDDDDDDDDDD.json.gz", garbage)

	start, end := day.Add(11*time.Hour+57*time.Minute), day.Add(11*time.Hour+58*time.Minute)
	imp := e.wait(e.start(importURI, start, end).ID, ImportCompleted, ImportFailed)
	if imp.Status != ImportCompleted || imp.Stats != (ImportStatistics{PrefixesFound: 1, PrefixesCompleted: 1, FilesCompleted: 1, EventsCompleted: 2}) {
		t.Fatalf("import %+v, failures %+v", imp, e.failures(imp.ID))
	}
	if !imp.StartEventTime.Equal(start) || !imp.EndEventTime.Equal(end) {
		t.Fatalf("window %v..%v", imp.StartEventTime, imp.EndEventTime)
	}
	want := map[string]string{}
	for id, r := range recs {
		if strings.Contains(r, "T11:57:00Z") || strings.Contains(r, "T11:58:00Z") {
			want[id] = r
		}
	}
	e.checkRows(want)
}

func TestImportSkipsEventsPastRetention(t *testing.T) {
	e := newImportEnv(t)
	e.eds.RetentionPeriod = 7
	e.stores[e.eds.ID] = e.eds
	// Events at 12:01, 12:00, 11:59, 11:58 seven days ago: the cutoff is 12:00.
	_, recs := e.putLog("org", "us-east-1", impNow.Add(-7*24*time.Hour+2*time.Minute), 4)
	imp := e.wait(e.start(importURI, time.Time{}, time.Time{}).ID, ImportCompleted, ImportFailed)
	if imp.Status != ImportCompleted || imp.Stats.EventsCompleted != 2 || imp.Stats.FilesCompleted != 1 {
		t.Fatalf("import %+v", imp)
	}
	for id, r := range recs {
		if !strings.Contains(r, "T12:0") {
			delete(recs, id)
		}
	}
	e.checkRows(recs)
}

func TestImportFailuresAndRetry(t *testing.T) {
	e := newImportEnv(t)
	at := impNow.Add(-24 * time.Hour)
	_, good := e.putLog("org", "us-east-1", at, 3)
	bad := map[string]string{} // key -> the ErrorType it must fail with
	add := func(body []byte, errorType string) string {
		key, _ := e.putLog("org", "us-east-1", at.Add(time.Duration(len(bad)+1)*time.Minute), 1)
		e.put(key, body)
		bad[key] = errorType
		return key
	}
	add(logFile(t, record(NewID(), at))[:20], ImportErrorDecompress) // truncated
	crc1, crc2 := NewID(), NewID()
	badCRC := logFile(t, record(crc1, at), record(crc2, at))
	badCRC[len(badCRC)-8] ^= 0xff // the records decode; the checksum at the end fails
	add(badCRC, ImportErrorDecompress)
	add([]byte(`{"Records":[]}`), ImportErrorDecompress)
	add(gz(t, `{"Records":[{"eventID":"x"`), ImportErrorParse)
	add(gz(t, `{"Items":[]}`), ImportErrorParse)
	ok1, ok2 := NewID(), NewID()
	invalidKey := add(logFile(t, record(ok1, at), `{"eventTime":"2026-11-20T11:00:00Z"}`, record(ok2, at),
		`{"eventID":"y","eventTime":"yesterday"}`, `[1]`), ImportErrorInvalidEvent)

	id := e.start(importURI, time.Time{}, time.Time{}).ID
	imp := e.wait(id, ImportCompleted, ImportFailed)
	if imp.Status != ImportFailed || imp.Stats.FilesCompleted != 1 || imp.Stats.FailedEntries != 6 ||
		imp.Stats.PrefixesCompleted != 1 || imp.Stats.EventsCompleted != 7 {
		t.Fatalf("import %+v", imp)
	}
	fails := e.failures(id)
	if len(fails) != len(bad) {
		t.Fatalf("failures %+v", fails)
	}
	for _, f := range fails {
		key := strings.TrimPrefix(f.Location, "s3://"+impBucket+"/")
		if f.ErrorType != bad[key] || f.Status != FailureFailed || !f.LastUpdated.Equal(impNow) || !strings.Contains(f.ErrorMessage, key) {
			t.Errorf("failure %+v, want type %s", f, bad[key])
		}
		if key == invalidKey && !strings.Contains(f.ErrorMessage, "3 of 5 records") {
			t.Errorf("invalid events message %q", f.ErrorMessage)
		}
	}
	kept := map[string]string{ok1: record(ok1, at), ok2: record(ok2, at), crc1: record(crc1, at), crc2: record(crc2, at)}
	e.checkRows(merge(good, kept))

	// Fix the files and retry: every failure is tried again.
	fixed := map[string]string{}
	for key := range bad {
		rid := NewID()
		fixed[rid] = record(rid, at)
		e.put(key, logFile(t, fixed[rid]))
	}
	ch, err := e.im.Restart(impAcct, impRegion, id)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Import.Status != ImportInProgress {
		t.Fatalf("restarting %+v", ch.Import)
	}
	if err := ch.Commit(); err != nil {
		t.Fatal(err)
	}
	imp = e.wait(id, ImportCompleted, ImportFailed)
	if imp.Status != ImportCompleted || imp.Stats.FilesCompleted != 7 || imp.Stats.FailedEntries != 0 || imp.Stats.EventsCompleted != 13 {
		t.Fatalf("retried import %+v, failures %+v", imp, e.failures(id))
	}
	for _, f := range e.failures(id) {
		if f.Status != FailureSucceeded {
			t.Fatalf("failure after a good retry: %+v", f)
		}
	}
	e.checkRows(merge(good, fixed, kept))
	if _, err := e.im.Restart(impAcct, impRegion, id); !errors.Is(err, ErrImportNotRestartable) {
		t.Fatalf("restarting a completed import: %v", err)
	}
	if _, err := e.im.Stop(impAcct, impRegion, id); !errors.Is(err, ErrImportNotStoppable) {
		t.Fatalf("stopping a completed import: %v", err)
	}
}

// idle waits until no goroutine runs the import.
func (e *importEnv) idle(id string) {
	e.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		e.im.mu.Lock()
		running, changed := e.im.imports[id].run != nil, e.im.changed
		e.im.mu.Unlock()
		if !running {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			e.t.Fatal("the import's goroutine does not end")
		}
	}
}

// blockAt makes Import call n block until its context ends, and returns a
// channel closed when it is reached.
func (e *importEnv) blockAt(n int) <-chan struct{} {
	reached := make(chan struct{})
	e.engine.mu.Lock()
	e.engine.hook = func(ctx context.Context, call int) error {
		if call != n {
			return nil
		}
		close(reached)
		<-ctx.Done()
		return ctx.Err()
	}
	e.engine.mu.Unlock()
	return reached
}

func (e *importEnv) unhook() {
	e.engine.mu.Lock()
	e.engine.hook = nil
	e.engine.mu.Unlock()
}

func TestImportStopAndRestart(t *testing.T) {
	e := newImportEnv(t)
	var all []map[string]string
	for i := range 3 {
		_, r := e.putLog("org", "us-east-1", impNow.Add(-time.Duration(i+1)*time.Hour), 3)
		all = append(all, r)
	}
	reached := e.blockAt(1)
	id := e.start(importURI, time.Time{}, time.Time{}).ID
	<-reached
	if !e.im.Ongoing(e.eds.ID) || !e.im.Ongoing(strings.ToUpper(e.eds.ID)) {
		t.Fatal("a running import is not ongoing")
	}
	ch, err := e.im.Stop(impAcct, impRegion, id)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Import.Status != ImportStopped {
		t.Fatalf("stopping %+v", ch.Import)
	}
	if err := ch.Commit(); err != nil {
		t.Fatal(err)
	}
	e.idle(id)
	imp, _ := e.im.Get(impAcct, impRegion, id)
	if imp.Status != ImportStopped || imp.Stats.FilesCompleted != 0 || e.im.Ongoing(e.eds.ID) {
		t.Fatalf("stopped import %+v", imp)
	}
	if ch, err := e.im.Stop(impAcct, impRegion, id); err != nil || ch.Import.Status != ImportStopped || ch.Commit() != nil {
		t.Fatalf("stopping again: %v", err)
	}
	e.unhook()
	ch, err = e.im.Restart(impAcct, impRegion, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Commit(); err != nil {
		t.Fatal(err)
	}
	imp = e.wait(id, ImportCompleted, ImportFailed)
	if imp.Status != ImportCompleted || imp.Stats.FilesCompleted != 3 || imp.Stats.EventsCompleted != 9 {
		t.Fatalf("restarted import %+v", imp)
	}
	e.checkRows(merge(all...))
}

func TestImportResumesAfterCrash(t *testing.T) {
	e := newImportEnv(t, func(o *ImportsOptions) { o.Workers, o.BatchSize = 1, 2 })
	var all []map[string]string
	for i := range 6 {
		_, r := e.putLog("org", []string{"us-east-1", "eu-west-1"}[i%2], impNow.Add(-time.Duration(i+1)*time.Hour), 3)
		all = append(all, r)
	}
	reached := e.blockAt(4)
	id := e.start(importURI, time.Time{}, time.Time{}).ID
	<-reached
	// The process dies: nothing more reaches the disk.
	e.im.mu.Lock()
	e.im.write = func(string, []byte) error { return nil }
	e.im.mu.Unlock()
	e.unhook()
	e.close()

	b, err := os.ReadFile(e.im.path(id))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk importRecord
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatal(err)
	}
	done := onDisk.Import.Stats.FilesCompleted
	if onDisk.Import.Status != ImportInProgress || done < 1 || done >= 6 || !onDisk.Discovered || len(onDisk.Prefixes) != 2 {
		t.Fatalf("saved progress %s", b)
	}
	e.engine.mu.Lock()
	before := len(e.engine.calls)
	e.engine.mu.Unlock()

	e.open()
	imp := e.wait(id, ImportCompleted, ImportFailed)
	if imp.Status != ImportCompleted || imp.Stats.FilesCompleted != 6 || imp.Stats.PrefixesCompleted != 2 || imp.Stats.EventsCompleted > 18 {
		t.Fatalf("resumed import %+v", imp)
	}
	e.checkRows(merge(all...))
	// Files done before the crash were not read again.
	reread := 0
	for _, n := range e.engine.calls[before:] {
		reread += n
	}
	if want := int(18 - 3*done); reread != want {
		t.Fatalf("resumed run imported %d rows, want %d (the files not saved as done)", reread, want)
	}
}

func TestImportStartChecks(t *testing.T) {
	e := newImportEnv(t)
	src := ImportSource{S3LocationURI: importURI, S3BucketRegion: impRegion, S3BucketAccessRoleARN: "arn:aws:iam::111111111111:role/r"}
	in := NewImport{Account: impAcct, Region: impRegion, Destinations: []string{e.eds.ARN}, Source: src}
	for name, f := range map[string]func(*NewImport){
		"no destination":    func(n *NewImport) { n.Destinations = nil },
		"two destinations":  func(n *NewImport) { n.Destinations = []string{e.eds.ARN, e.eds.ARN} },
		"bad uri":           func(n *NewImport) { n.Source.S3LocationURI = "http://x/y" },
		"start after end":   func(n *NewImport) { n.StartEventTime, n.EndEventTime = impNow, impNow.Add(-time.Second) },
		"no bucket in uri":  func(n *NewImport) { n.Source.S3LocationURI = "s3:///prefix" },
		"upper-case bucket": func(n *NewImport) { n.Source.S3LocationURI = "s3://Logs/prefix" },
	} {
		bad := in
		f(&bad)
		if _, err := e.im.Start(bad); !errors.Is(err, ErrInvalidImport) {
			t.Errorf("%s: %v", name, err)
		}
	}

	staged, err := e.im.Start(in)
	if err != nil {
		t.Fatal(err)
	}
	if !e.im.Ongoing(e.eds.ID) {
		t.Fatal("a staged import is not ongoing")
	}
	if _, err := e.im.Start(in); !errors.Is(err, ErrAccountHasOngoingImport) {
		t.Fatalf("second start: %v", err)
	}
	otherAcct := in
	otherAcct.Account = impOther
	theirs, err := e.im.Start(otherAcct)
	if err != nil {
		t.Fatalf("another account's start: %v", err)
	}
	theirs.Abort()
	staged.Abort()
	if e.im.Ongoing(e.eds.ID) {
		t.Fatal("an aborted import is ongoing")
	}
	if _, ok := e.im.Get(impAcct, impRegion, staged.Import.ID); ok {
		t.Fatal("an aborted import exists")
	}

	reached := e.blockAt(1)
	e.putLog("org", "us-east-1", impNow.Add(-time.Hour), 1)
	id := e.start(importURI, time.Time{}, time.Time{}).ID
	<-reached
	if _, err := e.im.Start(in); !errors.Is(err, ErrAccountHasOngoingImport) {
		t.Fatalf("start while one runs: %v", err)
	}
	if _, err := e.im.Restart(impAcct, impRegion, id); !errors.Is(err, ErrAccountHasOngoingImport) {
		t.Fatalf("restart of a running import: %v", err)
	}
	for _, ref := range []struct{ account, region, id string }{{impOther, impRegion, id}, {impAcct, "eu-west-1", id}, {impAcct, impRegion, NewID()}} {
		if _, err := e.im.Stop(ref.account, ref.region, ref.id); !errors.Is(err, ErrImportNotFound) {
			t.Errorf("Stop %v: %v", ref, err)
		}
		if _, err := e.im.Restart(ref.account, ref.region, ref.id); !errors.Is(err, ErrImportNotFound) {
			t.Errorf("Restart %v: %v", ref, err)
		}
		if _, ok := e.im.Failures(ref.account, ref.region, ref.id); ok {
			t.Errorf("Failures %v found", ref)
		}
	}
	e.unhook()
	e.close()
	if _, err := e.im.Start(in); !errors.Is(err, ErrImportsClosed) {
		t.Fatalf("start after Close: %v", err)
	}
}

func TestImportRunFailures(t *testing.T) {
	e := newImportEnv(t)
	e.putLog("org", "us-east-1", impNow.Add(-time.Hour), 2)

	// The engine refuses the events.
	e.engine.hook = func(context.Context, int) error { return errors.New("disk full") }
	id := e.start(importURI, time.Time{}, time.Time{}).ID
	imp := e.wait(id, ImportCompleted, ImportFailed)
	f := e.failures(id)
	if imp.Status != ImportFailed || len(f) != 1 || f[0].ErrorType != ImportErrorDestination || f[0].Location != e.eds.ARN ||
		!strings.Contains(f[0].ErrorMessage, "disk full") || imp.Stats.FailedEntries != 1 {
		t.Fatalf("import %+v, failures %+v", imp, f)
	}
	e.unhook()
	ch, err := e.im.Restart(impAcct, impRegion, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Commit(); err != nil {
		t.Fatal(err)
	}
	imp = e.wait(id, ImportCompleted, ImportFailed)
	if f := e.failures(id); imp.Status != ImportCompleted || imp.Stats.EventsCompleted != 2 || len(f) != 1 || f[0].Status != FailureSucceeded {
		t.Fatalf("retried %+v, failures %+v", imp, f)
	}

	// The destination was deleted.
	delete(e.stores, e.eds.ID)
	id = e.start(importURI, time.Time{}, time.Time{}).ID
	imp = e.wait(id, ImportCompleted, ImportFailed)
	if f := e.failures(id); imp.Status != ImportFailed || len(f) != 1 || f[0].ErrorType != ImportErrorDestination {
		t.Fatalf("import into a deleted store %+v, failures %+v", imp, f)
	}

	// The bucket is gone.
	e.stores[e.eds.ID] = e.eds
	id = e.start("s3://no-such-bucket/", time.Time{}, time.Time{}).ID
	imp = e.wait(id, ImportCompleted, ImportFailed)
	if f := e.failures(id); imp.Status != ImportFailed || len(f) != 1 || f[0].ErrorType != ImportErrorList || f[0].Location != "s3://no-such-bucket/" {
		t.Fatalf("import from a missing bucket %+v, failures %+v", imp, f)
	}
}
