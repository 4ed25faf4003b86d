package delivery

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/trail"
)

// memTrails is a Trails whose configuration a test changes.
type memTrails struct {
	mu     sync.Mutex
	trails []trail.Trail
	subs   []chan struct{}
}

func (m *memTrails) All() []trail.Trail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]trail.Trail(nil), m.trails...)
}

func (m *memTrails) Subscribe() (<-chan struct{}, func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan struct{}, 1)
	m.subs = append(m.subs, ch)
	return ch, func() {}
}

func (m *memTrails) set(ts ...trail.Trail) {
	m.mu.Lock()
	m.trails = ts
	subs := m.subs
	m.mu.Unlock()
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// memStore is a bucket.Store in memory that can be told to fail.
type memStore struct {
	bucket.Store // methods the engine does not use panic
	mu           sync.Mutex
	objects      map[string][]byte // "bucket/key"
	meta         map[string]map[string]string
	puts         int
	fail         func(key string) error
}

func newMemStore() *memStore {
	return &memStore{objects: map[string][]byte{}, meta: map[string]map[string]string{}}
}

func (s *memStore) Put(_ context.Context, b, key string, body io.Reader, opts bucket.PutOptions) (bucket.ObjectInfo, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return bucket.ObjectInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(key); err != nil {
			return bucket.ObjectInfo{}, err
		}
	}
	if b != "logs" {
		return bucket.ObjectInfo{}, fmt.Errorf("put %s: %w", b, bucket.ErrNoSuchBucket)
	}
	s.puts++
	s.objects[b+"/"+key] = data // records() keys include the bucket
	s.meta[b+"/"+key] = opts.Metadata
	return bucket.ObjectInfo{Key: key, Size: int64(len(data))}, nil
}

func (s *memStore) setFail(f func(string) error) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

// records returns every delivered record's eventID per object key.
func (s *memStore) records(t *testing.T) map[string][]string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]string{}
	for k, data := range s.objects {
		if strings.Contains(k, "/CloudTrail-Digest/") {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: not gzip: %v", k, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		var f struct {
			Records []struct {
				EventID   string `json:"eventID"`
				AWSRegion string `json:"awsRegion"`
			}
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: not a log file: %v\n%s", k, err, raw)
		}
		for _, r := range f.Records {
			out[k] = append(out[k], r.EventID)
		}
	}
	return out
}

// allIDs flattens records() and fails on an ID delivered twice.
func allIDs(t *testing.T, byKey map[string][]string) []string {
	t.Helper()
	seen := map[string]string{}
	var ids []string
	for k, vs := range byKey {
		for _, id := range vs {
			if prev, dup := seen[id]; dup {
				t.Fatalf("event %s delivered twice: %s and %s", id, prev, k)
			}
			seen[id] = k
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

type fixture struct {
	t      *testing.T
	dir    string
	jnl    *journal.Journal // the raw journal the test appends to
	src    *stream.Journal  // the stream delivery reads (settled)
	trails *memTrails
	store  *memStore
	eng    *Engine
	cancel context.CancelFunc
	done   chan error
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	jnl, err := journal.Open(dir+"/journal", journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { jnl.Close() })
	src, err := stream.Open(jnl)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, jnl: jnl, src: src, trails: &memTrails{}, store: newMemStore()}
	return f
}

func (f *fixture) start(opts Options) {
	f.t.Helper()
	opts.Dir = f.dir + "/delivery"
	if opts.Interval == 0 {
		opts.Interval = 20 * time.Millisecond
	}
	if opts.RetryMin == 0 {
		opts.RetryMin, opts.RetryMax = 10*time.Millisecond, 40*time.Millisecond
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := New(f.src, f.trails, f.store, opts)
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.eng, f.cancel, f.done = eng, cancel, make(chan error, 1)
	go func() { f.done <- eng.Run(ctx) }()
	f.t.Cleanup(f.stop)
}

func (f *fixture) stop() {
	if f.cancel == nil {
		return
	}
	f.cancel()
	if err := <-f.done; err != nil {
		f.t.Errorf("engine: %v", err)
	}
	f.cancel = nil
}

// ev appends one event and returns its seq and ID.
func (f *fixture) ev(account, region, source, name string, readOnly, data bool) (uint64, string) {
	f.t.Helper()
	id := event.NewID()
	cat := event.CategoryManagement
	var res []event.ResourceRef
	if data {
		cat = event.CategoryData
		res = []event.ResourceRef{{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::data/" + id}}
	}
	m := event.Meta{Time: time.Now().UTC().Truncate(time.Second), Account: account, Region: region, EventID: id, EventName: name,
		EventSource: source, ReadOnly: readOnly, Management: !data, Category: cat, Resources: res,
		Global: source == "iam.amazonaws.com", EventType: "AwsApiCall"}
	rec, _ := json.Marshal(map[string]any{"eventVersion": "1.11", "eventID": id, "awsRegion": region, "eventSource": source, "eventName": name})
	e := event.Entry{Meta: m, Record: rec}
	payload, err := e.MarshalBinary()
	if err != nil {
		f.t.Fatal(err)
	}
	seq, err := f.jnl.Append(context.Background(), payload)
	if err != nil {
		f.t.Fatal(err)
	}
	return seq, id
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func baseTrail(id string, start uint64) trail.Trail {
	return trail.Trail{
		ID: id, Account: "111122223333", HomeRegion: "us-east-1", Name: id,
		ARN:          "arn:aws:cloudtrail:us-east-1:111122223333:trail/" + id,
		S3BucketName: "logs", IncludeGlobalServiceEvents: true,
		Windows: []trail.Window{{Start: start, StartTime: time.Now()}},
	}
}

func sorted(ids ...string) []string {
	sort.Strings(ids)
	return ids
}

func keysWith(m map[string][]string, sub string) int {
	n := 0
	for k := range m {
		if strings.Contains(k, sub) {
			n++
		}
	}
	return n
}
