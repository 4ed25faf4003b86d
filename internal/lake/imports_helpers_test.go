package lake

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	"github.com/cairn-audit/cairn/internal/delivery"
)

const (
	impAcct   = "111111111111"
	impOther  = "222222222222"
	impRegion = "us-east-1"
	impBucket = "trail-logs"
)

var impNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// importEngine is an Engine that keeps imported rows per store, skipping
// event IDs it has, as the DuckDB engine does. hook, if set, runs before
// each Import call (with its 1-based number) and may block or fail it.
type importEngine struct {
	mu    sync.Mutex
	rows  map[string]map[string]Row // store -> eventID -> row
	calls []int                     // rows per Import call
	hook  func(ctx context.Context, call int) error
}

func newImportEngine() *importEngine { return &importEngine{rows: map[string]map[string]Row{}} }

func (e *importEngine) Import(ctx context.Context, store string, rows []Row) (int, error) {
	e.mu.Lock()
	e.calls = append(e.calls, len(rows))
	call, hook := len(e.calls), e.hook
	e.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, call); err != nil {
			return 0, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rows[store] == nil {
		e.rows[store] = map[string]Row{}
	}
	n := 0
	for _, r := range rows {
		if r.Store != store {
			return n, fmt.Errorf("row for store %s in an import into %s", r.Store, store)
		}
		if _, dup := e.rows[store][r.EventID]; !dup {
			e.rows[store][r.EventID] = r
			n++
		}
	}
	return n, nil
}

// stored returns the store's rows by event ID.
func (e *importEngine) stored(store string) map[string]Row {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]Row{}
	for k, v := range e.rows[store] {
		out[k] = v
	}
	return out
}

var errNotImport = errors.New("importEngine serves Import only")

func (e *importEngine) Cursors(context.Context) (map[string]uint64, error) { return nil, errNotImport }
func (e *importEngine) Append(context.Context, []Row, map[string]uint64) error {
	return errNotImport
}
func (e *importEngine) Expire(context.Context, string, time.Time) (int, error) {
	return 0, errNotImport
}
func (e *importEngine) Drop(context.Context, string) error { return errNotImport }
func (e *importEngine) Size(context.Context, string, time.Time) (int64, int64, error) {
	return 0, 0, errNotImport
}
func (e *importEngine) Check(context.Context, string) ([]string, error) { return nil, errNotImport }
func (e *importEngine) Run(context.Context, Query, ResultWriter) (QueryStats, error) {
	return QueryStats{}, errNotImport
}

// storeMap is a StoreLookup over fixed stores.
type storeMap map[string]EventDataStore

func (m storeMap) Get(ref string) (EventDataStore, bool) {
	e, ok := m[storeIDOf(ref)]
	return e, ok
}

// importEnv is an Imports over an embedded bucket store with one
// destination store.
type importEnv struct {
	t       *testing.T
	dir     string
	buckets *file.Store
	engine  *importEngine
	stores  storeMap
	eds     EventDataStore
	opts    ImportsOptions
	im      *Imports
	stopRun context.CancelFunc
	runDone chan struct{}
	files   int // log files written, for unique names

	clockMu sync.Mutex
	clock   time.Time
}

// now is the env's clock; advance moves it.
func (e *importEnv) now() time.Time {
	e.clockMu.Lock()
	defer e.clockMu.Unlock()
	return e.clock
}

func (e *importEnv) advance(d time.Duration) {
	e.clockMu.Lock()
	e.clock = e.clock.Add(d)
	e.clockMu.Unlock()
}

func newImportEnv(t *testing.T, tweak ...func(*ImportsOptions)) *importEnv {
	t.Helper()
	b, err := file.Open(t.TempDir(), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.CreateBucket(context.Background(), impBucket, bucket.CreateOptions{Owner: impAcct}); err != nil {
		t.Fatal(err)
	}
	id := NewID()
	eds := EventDataStore{ID: id, ARN: ARN(impRegion, impAcct, id), Account: impAcct, Region: impRegion, Name: "dest",
		Status: StatusStoppedIngestion, RetentionPeriod: 3653, BillingMode: BillingExtendable, Created: impNow, Updated: impNow}
	e := &importEnv{t: t, dir: t.TempDir(), buckets: b, engine: newImportEngine(), stores: storeMap{id: eds}, eds: eds, clock: impNow}
	e.opts = ImportsOptions{Dir: e.dir, Engine: e.engine, Stores: e.stores, Buckets: b,
		Now: e.now, Logger: slog.New(slog.DiscardHandler), Workers: 3, BatchSize: 4, FlushInterval: 20 * time.Millisecond}
	for _, f := range tweak {
		f(&e.opts)
	}
	e.open()
	return e
}

// open opens Imports on the env's directory and runs it.
func (e *importEnv) open() {
	e.t.Helper()
	im, err := NewImports(e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.im = im
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := im.Run(ctx); err != nil {
			e.t.Errorf("Run: %v", err)
		}
	}()
	e.stopRun, e.runDone = cancel, done
	e.t.Cleanup(e.close)
}

// close stops Run and closes Imports (as a shutdown does).
func (e *importEnv) close() {
	e.stopRun()
	<-e.runDone
	if err := e.im.Close(); err != nil {
		e.t.Fatal(err)
	}
}

// reopen simulates a restart of the process.
func (e *importEnv) reopen() {
	e.t.Helper()
	e.close()
	e.open()
}

// start starts and commits an import of uri.
func (e *importEnv) start(uri string, from, to time.Time) Import {
	e.t.Helper()
	ch, err := e.im.Start(NewImport{Account: impAcct, Region: impRegion, Destinations: []string{e.eds.ARN},
		Source:         ImportSource{S3LocationURI: uri, S3BucketRegion: impRegion, S3BucketAccessRoleARN: "arn:aws:iam::111111111111:role/import"},
		StartEventTime: from, EndEventTime: to})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := ch.Commit(); err != nil {
		e.t.Fatal(err)
	}
	return ch.Import
}

// wait waits until the import has one of the statuses and returns it.
func (e *importEnv) wait(id string, statuses ...string) Import {
	e.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		e.im.mu.Lock()
		changed := e.im.changed
		e.im.mu.Unlock()
		imp, ok := e.im.Get(impAcct, impRegion, id)
		if !ok {
			e.t.Fatalf("import %s not found", id)
		}
		if slices.Contains(statuses, imp.Status) {
			return imp
		}
		select {
		case <-changed:
		case <-deadline:
			e.t.Fatalf("import %s is %s, want %v; failures %+v", id, imp.Status, statuses, e.failures(id))
		}
	}
}

func (e *importEnv) failures(id string) []ImportFailure {
	f, _ := e.im.Failures(impAcct, impRegion, id)
	return f
}

// record is a log record as trails write it, with irregular spacing so
// that verbatim copies can be told from re-encoded ones.
func record(id string, at time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.11", "eventID": %q,"eventTime":%q,"eventName":"DescribeTrails","awsRegion":"us-east-1"}`, id, at.UTC().Format(time.RFC3339))
}

// logFile is a gzip'd {"Records":[...]} body.
func logFile(t *testing.T, records ...string) []byte {
	t.Helper()
	return gz(t, `{"Records":[`+strings.Join(records, ",")+`]}`)
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *importEnv) put(key string, body []byte) {
	e.t.Helper()
	if _, err := e.buckets.Put(context.Background(), impBucket, key, bytes.NewReader(body), bucket.PutOptions{Size: int64(len(body))}); err != nil {
		e.t.Fatal(err)
	}
}

// putLog writes a log file of region delivered at delivered, holding n
// events at the minutes before it; it returns the key and the records by ID.
func (e *importEnv) putLog(prefix, region string, delivered time.Time, n int) (string, map[string]string) {
	e.t.Helper()
	e.files++
	key := delivery.LogKey(prefix, impAcct, region, delivered, fmt.Sprintf("U%015d", e.files))
	recs := map[string]string{}
	var list []string
	for i := range n {
		id := NewID()
		r := record(id, delivered.Add(-time.Duration(i+1)*time.Minute))
		recs[id] = r
		list = append(list, r)
	}
	e.put(key, logFile(e.t, list...))
	return key, recs
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
