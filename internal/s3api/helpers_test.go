package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/bucket/file"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/server"
)

// Two accounts' root keys.
const (
	account1 = "111111111111"
	akid1    = "AKIAS3APITESTACCT001"
	secret1  = "s3apiTestSecretOne000000000000000000000/"
	account2 = "222222222222"
	akid2    = "AKIAS3APITESTACCT002"
	secret2  = "s3apiTestSecretTwo000000000000000000000+"
)

type testKeys map[string]auth.Key

func (k testKeys) LookupKey(id string) (auth.Key, bool) { v, ok := k[id]; return v, ok }

func rootKey(account, secret string) auth.Key {
	return auth.Key{Secret: secret, Active: true, Principal: identity.Principal{
		Type: identity.TypeRoot, AccountID: account, ARN: "arn:aws:iam::" + account + ":root", PrincipalID: account,
	}}
}

// stream is an in-memory event stream that can be made to fail.
type stream struct {
	mu      sync.Mutex
	fail    bool
	entries []event.Entry
}

func (s *stream) Append(_ context.Context, payload []byte) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return 0, errors.New("disk on fire")
	}
	var e event.Entry
	if err := e.UnmarshalBinary(payload); err != nil {
		return 0, err
	}
	s.entries = append(s.entries, e)
	return uint64(len(s.entries)), nil
}

func (s *stream) setFail(v bool) {
	s.mu.Lock()
	s.fail = v
	s.mu.Unlock()
}

// all returns the recorded entries.
func (s *stream) all() []event.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]event.Entry(nil), s.entries...)
}

// last returns the last recorded event's record, decoded.
func (s *stream) last(t *testing.T) record {
	t.Helper()
	es := s.all()
	if len(es) == 0 {
		t.Fatal("no event recorded")
	}
	return decodeRecord(t, es[len(es)-1])
}

type record struct {
	EventName         string                     `json:"eventName"`
	EventSource       string                     `json:"eventSource"`
	EventCategory     string                     `json:"eventCategory"`
	ManagementEvent   bool                       `json:"managementEvent"`
	ReadOnly          bool                       `json:"readOnly"`
	AWSRegion         string                     `json:"awsRegion"`
	ErrorCode         string                     `json:"errorCode"`
	RequestParameters map[string]any             `json:"requestParameters"`
	ResponseElements  json.RawMessage            `json:"responseElements"`
	Resources         []map[string]string        `json:"resources"`
	UserIdentity      map[string]any             `json:"userIdentity"`
	Raw               map[string]json.RawMessage `json:"-"`
}

func decodeRecord(t *testing.T, e event.Entry) record {
	t.Helper()
	var r record
	if err := json.Unmarshal(e.Record, &r); err != nil {
		t.Fatalf("record: %v\n%s", err, e.Record)
	}
	return r
}

// env is a front door serving the S3 API over a store.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	events *stream
	store  bucket.Store
	svc    *Service
	// requests are the requests the front door received (method, host, headers).
	mu       sync.Mutex
	requests []*http.Request
}

type envOptions struct {
	tls        bool
	minPart    int64
	suffixes   []string
	storeMaker func(t *testing.T) bucket.Store
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	mk := o.storeMaker
	if mk == nil {
		mk = newMemStore
	}
	e := &env{t: t, events: &stream{}, store: mk(t)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.svc = New(e.store, Options{UploadDir: t.TempDir(), MinPartSize: o.minPart, VirtualHostSuffixes: o.suffixes, Logger: quiet})
	front := server.New(server.Options{
		Logger:   quiet,
		Verifier: auth.NewVerifier(testKeys{akid1: rootKey(account1, secret1), akid2: rootKey(account2, secret2)}, auth.DefaultOptions()),
		Recorder: recorder.New(e.events, nil),
		Services: []api.Service{e.svc},
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.requests = append(e.requests, &http.Request{Method: r.Method, Host: r.Host, URL: r.URL, Header: r.Header.Clone()})
		e.mu.Unlock()
		front.ServeHTTP(w, r)
	})
	if o.tls {
		e.srv = httptest.NewTLSServer(h)
	} else {
		e.srv = httptest.NewServer(h)
	}
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) lastRequest() *http.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests[len(e.requests)-1]
}

// client is an aws-sdk-go-v2 S3 client of the given account, path-style.
func (e *env) client(akid, secret string, optFns ...func(*s3.Options)) *s3.Client {
	o := s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(e.srv.URL),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, nil
		}),
		HTTPClient:       e.srv.Client(),
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig sets by default.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	}
	for _, fn := range optFns {
		fn(&o)
	}
	return s3.New(o)
}

// dialAlways returns an HTTP client that connects every request to addr,
// whatever its host (for virtual-host style names like bucket.localhost).
func dialAlways(addr string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// memStore is an in-memory bucket.Store and bucket.Stager.
type memStore struct {
	mu      sync.Mutex
	buckets map[string]*memBucket
}

type memBucket struct {
	info    bucket.BucketInfo
	objects map[string]memObject
}

type memObject struct {
	info bucket.ObjectInfo
	body []byte
}

func newMemStore(*testing.T) bucket.Store { return &memStore{buckets: map[string]*memBucket{}} }

func fileStore(t *testing.T) bucket.Store {
	st, err := file.Open(t.TempDir(), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// stores are the backends every service test runs against.
var stores = []struct {
	name string
	mk   func(*testing.T) bucket.Store
}{{"mem", newMemStore}, {"file", fileStore}}

func (m *memStore) CreateBucket(_ context.Context, name string, o bucket.CreateOptions) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.buckets[name]; ok {
		if b.info.Owner == o.Owner {
			return bucket.ErrBucketAlreadyOwned
		}
		return bucket.ErrBucketExists
	}
	m.buckets[name] = &memBucket{info: bucket.BucketInfo{Name: name, Region: o.Region, Owner: o.Owner, Created: time.Now().UTC()}, objects: map[string]memObject{}}
	return nil
}

func (m *memStore) HeadBucket(_ context.Context, name string) (bucket.BucketInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[name]
	if !ok {
		return bucket.BucketInfo{}, bucket.ErrNoSuchBucket
	}
	return b.info, nil
}

func (m *memStore) ListBuckets(context.Context) ([]bucket.BucketInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []bucket.BucketInfo
	for _, b := range m.buckets {
		out = append(out, b.info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *memStore) DeleteBucket(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[name]
	if !ok {
		return bucket.ErrNoSuchBucket
	}
	if len(b.objects) > 0 {
		return bucket.ErrBucketNotEmpty
	}
	delete(m.buckets, name)
	return nil
}

type memStaged struct {
	m    *memStore
	b    string
	obj  memObject
	done bool
}

func (p *memStaged) Info() bucket.ObjectInfo { return p.obj.info }

func (p *memStaged) Commit() error {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	if p.done {
		return errors.New("done twice")
	}
	p.done = true
	b, ok := p.m.buckets[p.b]
	if !ok {
		return bucket.ErrNoSuchBucket
	}
	b.objects[p.obj.info.Key] = p.obj
	return nil
}

func (p *memStaged) Abort() { p.done = true }

func (m *memStore) StagePut(ctx context.Context, b, k string, body io.Reader, o bucket.PutOptions) (bucket.StagedPut, error) {
	if _, err := m.HeadBucket(ctx, b); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if o.Size >= 0 && int64(len(data)) != o.Size {
		return nil, errors.New("size mismatch")
	}
	sum := md5.Sum(data)
	if o.ContentMD5 != nil && !bytes.Equal(o.ContentMD5, sum[:]) {
		return nil, bucket.ErrBadDigest
	}
	etag := o.ETag
	if etag == "" {
		etag = `"` + hex.EncodeToString(sum[:]) + `"`
	}
	ct := o.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	info := bucket.ObjectInfo{Key: k, Size: int64(len(data)), ETag: etag, LastModified: time.Now().UTC(), ContentType: ct, Metadata: o.Metadata}
	return &memStaged{m: m, b: b, obj: memObject{info, data}}, nil
}

func (m *memStore) Put(ctx context.Context, b, k string, body io.Reader, o bucket.PutOptions) (bucket.ObjectInfo, error) {
	p, err := m.StagePut(ctx, b, k, body, o)
	if err != nil {
		return bucket.ObjectInfo{}, err
	}
	return p.Info(), p.Commit()
}

func (m *memStore) object(b, k string) (memObject, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	bk, ok := m.buckets[b]
	if !ok {
		return memObject{}, bucket.ErrNoSuchBucket
	}
	o, ok := bk.objects[k]
	if !ok {
		return memObject{}, bucket.ErrNoSuchKey
	}
	return o, nil
}

func (m *memStore) Get(_ context.Context, b, k string, rng *bucket.Range) (io.ReadCloser, bucket.ObjectInfo, error) {
	o, err := m.object(b, k)
	if err != nil {
		return nil, bucket.ObjectInfo{}, err
	}
	data := o.body
	if rng != nil {
		first, last, ok := span(rng, int64(len(data)))
		if !ok {
			return nil, bucket.ObjectInfo{}, bucket.ErrInvalidRange
		}
		data = data[first : last+1]
	}
	return io.NopCloser(bytes.NewReader(data)), o.info, nil
}

func (m *memStore) Head(_ context.Context, b, k string) (bucket.ObjectInfo, error) {
	o, err := m.object(b, k)
	return o.info, err
}

func (m *memStore) Delete(_ context.Context, b, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	bk, ok := m.buckets[b]
	if !ok {
		return bucket.ErrNoSuchBucket
	}
	delete(bk.objects, k)
	return nil
}

func (m *memStore) List(_ context.Context, b string, o bucket.ListOptions) (bucket.ListResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	bk, ok := m.buckets[b]
	if !ok {
		return bucket.ListResult{}, bucket.ErrNoSuchBucket
	}
	var keys []string
	for k := range bk.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	max := o.MaxKeys
	if max <= 0 {
		max = 1000
	}
	var res bucket.ListResult
	last := ""
	for _, k := range keys {
		if !strings.HasPrefix(k, o.Prefix) {
			continue
		}
		entry, isPrefix := k, false
		if o.Delimiter != "" {
			if i := strings.Index(k[len(o.Prefix):], o.Delimiter); i >= 0 {
				entry, isPrefix = k[:len(o.Prefix)+i+len(o.Delimiter)], true
			}
		}
		if entry <= o.After || isPrefix && entry == last {
			continue
		}
		if len(res.Objects)+len(res.CommonPrefixes) == max {
			res.Truncated = true
			break
		}
		if isPrefix {
			res.CommonPrefixes = append(res.CommonPrefixes, entry)
		} else {
			res.Objects = append(res.Objects, bk.objects[k].info)
		}
		last, res.NextAfter = entry, entry
	}
	return res, nil
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signReq signs req as account 1 with aws-sdk-go-v2's signer, the way the S3
// client does; payload "" means the SHA-256 of body.
func signReq(t *testing.T, req *http.Request, body []byte, payload string) {
	t.Helper()
	if payload == "" {
		s := sha256.Sum256(body)
		payload = hex.EncodeToString(s[:])
	}
	req.Header.Set("X-Amz-Content-Sha256", payload)
	err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: akid1, SecretAccessKey: secret1}, req, payload, "s3", "us-east-1", time.Now(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		t.Fatal(err)
	}
}
