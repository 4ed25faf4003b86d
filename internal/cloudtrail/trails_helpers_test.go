package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	objstore "github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/trail"
)

const (
	acct  = "111111111111"
	other = "222222222222"
)

// memBuckets is an in-memory bucket.Store for the trail tests.
type memBuckets struct {
	mu      sync.Mutex
	buckets map[string]*memBucket
	puts    int
}

type memBucket struct {
	info    objstore.BucketInfo
	objects map[string][]byte
	denied  bool // writes fail with ErrAccessDenied
}

func newMemBuckets() *memBuckets { return &memBuckets{buckets: map[string]*memBucket{}} }

func (m *memBuckets) add(name, owner string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets[name] = &memBucket{info: objstore.BucketInfo{Name: name, Owner: owner}, objects: map[string][]byte{}}
}

func (m *memBuckets) deny(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets[name].denied = true
}

func (m *memBuckets) CreateBucket(_ context.Context, name string, o objstore.CreateOptions) error {
	m.add(name, o.Owner)
	return nil
}

func (m *memBuckets) HeadBucket(_ context.Context, name string) (objstore.BucketInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[name]
	if !ok {
		return objstore.BucketInfo{}, fmt.Errorf("head %s: %w", name, objstore.ErrNoSuchBucket)
	}
	return b.info, nil
}

func (m *memBuckets) ListBuckets(context.Context) ([]objstore.BucketInfo, error) { return nil, nil }
func (m *memBuckets) DeleteBucket(context.Context, string) error                 { return nil }

func (m *memBuckets) Put(_ context.Context, bucket, key string, body io.Reader, _ objstore.PutOptions) (objstore.ObjectInfo, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return objstore.ObjectInfo{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[bucket]
	if !ok {
		return objstore.ObjectInfo{}, objstore.ErrNoSuchBucket
	}
	if b.denied {
		return objstore.ObjectInfo{}, fmt.Errorf("put %s/%s: %w", bucket, key, objstore.ErrAccessDenied)
	}
	m.puts++
	b.objects[key] = data
	return objstore.ObjectInfo{Key: key, Size: int64(len(data))}, nil
}

func (m *memBuckets) Get(context.Context, string, string, *objstore.Range) (io.ReadCloser, objstore.ObjectInfo, error) {
	return nil, objstore.ObjectInfo{}, objstore.ErrNoSuchKey
}

func (m *memBuckets) Head(context.Context, string, string) (objstore.ObjectInfo, error) {
	return objstore.ObjectInfo{}, objstore.ErrNoSuchKey
}

func (m *memBuckets) Delete(_ context.Context, bucket, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.buckets[bucket]; ok {
		delete(b.objects, key)
	}
	return nil
}

func (m *memBuckets) List(context.Context, string, objstore.ListOptions) (objstore.ListResult, error) {
	return objstore.ListResult{}, nil
}

func (m *memBuckets) objects(bucket string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets[bucket].objects)
}

// fakeStatus is a StatusSource with fixed answers.
type fakeStatus map[string]trail.Status

func (f fakeStatus) Status(id string) trail.Status { return f[id] }

// trailEnv is a service with a trail store, buckets and a front door that
// numbers events.
type trailEnv struct {
	t       *testing.T
	s       *Service
	store   *trail.Store
	buckets *memBuckets
	dir     string
	seq     uint64
	opts    Options
}

func newTrailEnv(t *testing.T, tweak ...func(*Options)) *trailEnv {
	t.Helper()
	e := &trailEnv{t: t, buckets: newMemBuckets(), dir: t.TempDir()}
	e.buckets.add("logs", acct)
	e.buckets.add("shared", "")
	e.buckets.add("theirs", other)
	e.opts = Options{Store: history.NewMemory(), Index: synced{}, TokenKey: []byte("0123456789abcdef0123456789abcdef"),
		Now: func() time.Time { return testNow }, Buckets: e.buckets, SNSTopics: map[string]string{"alerts": "http://127.0.0.1:1/hook"}}
	for _, f := range tweak {
		f(&e.opts)
	}
	e.open()
	return e
}

// open (re)opens the trail store and the service on it.
func (e *trailEnv) open() {
	e.t.Helper()
	st, err := trail.Open(e.dir, trail.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	e.store = st
	opts := e.opts
	opts.Trails = st
	if e.s, err = New(opts); err != nil {
		e.t.Fatal(err)
	}
}

func (e *trailEnv) reopen() {
	e.t.Helper()
	if err := e.store.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func trailCall(account, region, op string, body any) *api.Call {
	b, _ := json.Marshal(body)
	return &api.Call{RequestID: "req", Time: testNow, Region: region, Caller: caller(account), Method: http.MethodPost,
		Header: http.Header{"X-Amz-Target": {TargetPrefix + "." + op}}, Body: b}
}

// handle serves a call without finishing it (no Commit/Abort).
func (e *trailEnv) handle(account, region, op string, body any) *api.Result {
	e.t.Helper()
	return e.s.Handle(context.Background(), trailCall(account, region, op, body))
}

// do serves a call as the front door does: a successful write gets the
// next sequence number and is committed; a failed one must carry no staging.
func (e *trailEnv) do(region, op string, body any) *api.Result {
	e.t.Helper()
	return e.doAs(acct, region, op, body)
}

func (e *trailEnv) doAs(account, region, op string, body any) *api.Result {
	e.t.Helper()
	res := e.handle(account, region, op, body)
	e.seq++
	res.Seq = e.seq
	if res.ErrorCode != "" && (res.Commit != nil || res.Abort != nil) {
		e.t.Fatalf("%s failed (%s) but left a staged change", op, res.ErrorCode)
	}
	if res.Commit != nil {
		if err := res.Commit(); err != nil {
			e.t.Fatalf("%s: Commit: %v", op, err)
		}
	}
	return res
}

// ok serves a call that must succeed and decodes its response into out (if not nil).
func (e *trailEnv) ok(region, op string, body, out any) *api.Result {
	e.t.Helper()
	res := e.do(region, op, body)
	if res.ErrorCode != "" || res.Status != http.StatusOK {
		e.t.Fatalf("%s %v: %d %s: %s", op, body, res.Status, res.ErrorCode, res.ErrorMessage)
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			e.t.Fatalf("%s response %s: %v", op, res.Body, err)
		}
	}
	return res
}

// fails serves a call that must fail with code and returns its message.
func (e *trailEnv) fails(region, op string, body any, code string) string {
	e.t.Helper()
	res := e.do(region, op, body)
	if res.ErrorCode != code || res.Status != http.StatusBadRequest {
		e.t.Fatalf("%s %v: got %d %s (%s), want %s", op, body, res.Status, res.ErrorCode, res.ErrorMessage, code)
	}
	var wire struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(res.Body, &wire); err != nil || wire.Type != code {
		e.t.Fatalf("error body %s", res.Body)
	}
	return wire.Message
}

// create makes a trail delivering to "logs".
func (e *trailEnv) create(region, name string, extra map[string]any) trailShape {
	e.t.Helper()
	body := map[string]any{"Name": name, "S3BucketName": "logs"}
	for k, v := range extra {
		body[k] = v
	}
	var out trailShape
	e.ok(region, "CreateTrail", body, &out)
	return out
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(b))
}
