package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	objstore "github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/lake"
)

// Buckets of the import tests: the caller's, another account's, and one
// in eu-west-1.
const (
	impBucket      = "imports"
	impTheirBucket = "their-imports"
	impEUBucket    = "eu-imports"
)

// impEngine is a lake.Engine for the import handlers: Import keeps rows by
// store and event ID, skipping known IDs; while gate is set, Import waits
// for it to close (or its context to end).
type impEngine struct {
	mu   sync.Mutex
	rows map[string]map[string]bool
	gate chan struct{}
}

func (e *impEngine) Import(ctx context.Context, store string, rows []lake.Row) (int, error) {
	e.mu.Lock()
	gate := e.gate
	e.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rows[store] == nil {
		e.rows[store] = map[string]bool{}
	}
	n := 0
	for _, r := range rows {
		if !e.rows[store][r.EventID] {
			e.rows[store][r.EventID] = true
			n++
		}
	}
	return n, nil
}

func (e *impEngine) count(store string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.rows[store])
}

// hold makes Import calls wait until the returned func is called.
func (e *impEngine) hold() (release func()) {
	gate := make(chan struct{})
	e.mu.Lock()
	e.gate = gate
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		e.gate = nil
		e.mu.Unlock()
		close(gate)
	}
}

func (e *impEngine) Cursors(context.Context) (map[string]uint64, error) { return nil, nil }
func (e *impEngine) Append(context.Context, []lake.Row, map[string]uint64) error {
	return fmt.Errorf("impEngine: Append is not used by imports")
}
func (e *impEngine) Expire(context.Context, string, time.Time) (int, error) { return 0, nil }
func (e *impEngine) Drop(context.Context, string) error                     { return nil }
func (e *impEngine) Size(context.Context, string, time.Time) (int64, int64, error) {
	return 0, 0, nil
}
func (e *impEngine) Check(context.Context, string) ([]string, error) {
	return nil, fmt.Errorf("impEngine: no queries")
}
func (e *impEngine) Run(context.Context, lake.Query, lake.ResultWriter) (lake.QueryStats, error) {
	return lake.QueryStats{}, fmt.Errorf("impEngine: no queries")
}

// importAPIEnv is an edsEnv whose Lake also runs imports from embedded
// buckets, which are the service's buckets too.
type importAPIEnv struct {
	*edsEnv
	files   *file.Store
	engine  *impEngine
	imports *lake.Imports
	logs    int
}

func newImportAPIEnv(t *testing.T) *importAPIEnv {
	t.Helper()
	files, err := file.Open(t.TempDir(), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close() })
	ctx := context.Background()
	for _, b := range []struct{ name, owner, region string }{{impBucket, acct, ""}, {impTheirBucket, other, ""}, {impEUBucket, acct, "eu-west-1"}} {
		if err := files.CreateBucket(ctx, b.name, objstore.CreateOptions{Owner: b.owner, Region: b.region}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := lake.OpenStores(t.TempDir(), lake.StoresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	engine := &impEngine{rows: map[string]map[string]bool{}}
	im, err := lake.NewImports(lake.ImportsOptions{Dir: t.TempDir(), Engine: engine, Stores: st, Buckets: files,
		Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler), FlushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st.SetOngoingImport(im.Ongoing)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := im.Run(runCtx); err != nil {
			t.Errorf("Imports.Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		im.Close()
	})
	e := &importAPIEnv{files: files, engine: engine, imports: im}
	e.edsEnv = &edsEnv{stores: st, audit: new(atomic.Uint64), importing: map[string]bool{}}
	e.edsEnv.channelEnv = newChannelEnv(t, func(o *Options) {
		o.Lake = &lake.Lake{Stores: st, Imports: im}
		o.Buckets = files
	})
	return e
}

// putLog writes a log file of n events delivered an hour before testNow
// under the trail prefix "org" of bucket b.
func (e *importAPIEnv) putLog(b string, n int, body func([]string) string) {
	e.t.Helper()
	e.logs++
	at := testNow.Add(-time.Hour)
	key := delivery.LogKey("org", acct, "us-east-1", at, fmt.Sprintf("K%015d", e.logs))
	var recs []string
	for i := range n {
		recs = append(recs, fmt.Sprintf(`{"eventVersion":"1.11","eventID":%q,"eventTime":%q,"eventName":"Get%d"}`,
			event.NewID(), at.Add(-time.Duration(i)*time.Minute).Format(time.RFC3339), i))
	}
	text := `{"Records":[` + strings.Join(recs, ",") + `]}`
	if body != nil {
		text = body(recs)
	}
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write([]byte(text)); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.files.Put(context.Background(), b, key, &buf, objstore.PutOptions{Size: int64(buf.Len())}); err != nil {
		e.t.Fatal(err)
	}
}

// startBody is a StartImport request for a new import of bucket b into dest.
func startBody(dest, b string) map[string]any {
	return map[string]any{"Destinations": []string{dest}, "ImportSource": map[string]any{"S3": map[string]string{
		"S3LocationUri": "s3://" + b + "/org/", "S3BucketRegion": "us-east-1", "S3BucketAccessRoleArn": "arn:aws:iam::111111111111:role/CloudTrailImport"}}}
}

type importOut struct {
	ImportId         string
	ImportStatus     string
	Destinations     []string
	ImportStatistics *struct{ PrefixesFound, PrefixesCompleted, FilesCompleted, EventsCompleted, FailedEntries int64 }
}

// waitImport polls GetImport until the import has one of the statuses.
func (e *importAPIEnv) waitImport(id string, statuses ...string) importOut {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var out importOut
		e.ok("us-east-1", "GetImport", map[string]any{"ImportId": id}, &out)
		if slices.Contains(statuses, out.ImportStatus) {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %s still %s", id, out.ImportStatus)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
