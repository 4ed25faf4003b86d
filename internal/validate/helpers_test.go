package validate

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/digest"
)

// Test keys are made once: RSA key generation is slow.
var (
	keysOnce sync.Once
	testKeys []*rsa.PrivateKey
)

func testKey(i int) *rsa.PrivateKey {
	keysOnce.Do(func() {
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			testKeys = append(testKeys, k)
		}
	})
	return testKeys[i]
}

func publicKey(k *rsa.PrivateKey, from, to time.Time) digest.PublicKey {
	der := x509.MarshalPKCS1PublicKey(&k.PublicKey)
	sum := md5.Sum(der)
	return digest.PublicKey{Value: der, Fingerprint: hex.EncodeToString(sum[:]), ValidityStart: from, ValidityEnd: to}
}

// sealed is a stored digest of the fixture.
type sealed struct {
	key, bucket string
	raw, body   []byte
	hash, sig   string
	d           digest.Digest
	meta        map[string]string
}

// seal seals d for its digestS3Bucket/Object with digest.Seal.
func seal(t testing.TB, d digest.Digest, prev *digest.Link, k *rsa.PrivateKey) sealed {
	t.Helper()
	sk, err := digest.NewSigningKey(k, base.Add(-24*time.Hour), base.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := digest.Seal(d, d.DigestS3Bucket, d.DigestS3Object, prev, sk)
	if err != nil {
		t.Fatal(err)
	}
	s := sealed{key: ss.Key, bucket: d.DigestS3Bucket, raw: ss.Raw, body: ss.Body, hash: ss.Hash, sig: ss.Signature, meta: ss.Metadata}
	if err := json.Unmarshal(ss.Raw, &s.d); err != nil {
		t.Fatal(err)
	}
	return s
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func strp(s string) *string { return &s }

const (
	testAccount = "123456789012"
	testBucket  = "ct-bucket"
	testHome    = "us-east-1"
	testName    = "mytrail"
)

// base is the fixture's first digest window start (windows are deliberately
// not aligned to the hour, like AWS's).
var base = time.Date(2024, 1, 1, 0, 1, 31, 0, time.UTC)

// fixture builds a trail's bucket: hourly digest chains per region, each
// listing log files delivered in its window.
type fixture struct {
	t      testing.TB
	store  *memStore
	trail  Trail
	lay    layout
	keyFor func(region string, end time.Time) *rsa.PrivateKey
	pubs   map[string][]digest.PublicKey
	chains map[string]*sealed // last digest per region
	all    map[string][]sealed
	logs   map[string][]string // log keys per region
	seq    int
	// records per log file written by hour (default 3)
	records int
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{t: t, store: newMemStore(), records: 3, chains: map[string]*sealed{}, all: map[string][]sealed{},
		logs: map[string][]string{}, pubs: map[string][]digest.PublicKey{}}
	f.trail = Trail{ARN: "arn:aws:cloudtrail:us-east-1:" + testAccount + ":trail/" + testName, Bucket: testBucket, Prefix: "pfx",
		Account: testAccount, Name: testName, HomeRegion: testHome}
	f.lay = newLayout(f.trail)
	if err := f.store.CreateBucket(context.Background(), testBucket, bucket.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.keyFor = func(string, time.Time) *rsa.PrivateKey { return testKey(0) }
	return f
}

// trustKey makes key i listed for region (all time).
func (f *fixture) trustKey(region string, i int, from, to time.Time) {
	f.pubs[region] = append(f.pubs[region], publicKey(testKey(i), from, to))
}

func (f *fixture) keySource() KeySource {
	return func(_ context.Context, region string, start, end time.Time) ([]digest.PublicKey, error) {
		var out []digest.PublicKey
		for _, k := range f.pubs[region] {
			if !k.ValidityEnd.Before(start) && !k.ValidityStart.After(end) {
				out = append(out, k)
			}
		}
		return out, nil
	}
}

func (f *fixture) put(key string, body []byte, meta map[string]string) {
	f.t.Helper()
	if _, err := f.store.Put(context.Background(), testBucket, key, bytes.NewReader(body), bucket.PutOptions{Metadata: meta, Size: int64(len(body))}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) get(key string) memObject {
	f.t.Helper()
	o, err := f.store.object(testBucket, key)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *fixture) del(key string) {
	f.t.Helper()
	if _, err := f.store.object(testBucket, key); err != nil {
		f.t.Fatalf("delete %s: %v", key, err)
	}
	_ = f.store.Delete(context.Background(), testBucket, key)
}

// logBody is a log file's JSON.
func (f *fixture) logBody(region string, at time.Time, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		f.seq++
		fmt.Fprintf(&b, `{"eventVersion":"1.09","eventTime":"%s","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"%s","eventID":"%08d-0000-0000-0000-000000000000","recipientAccountId":"%s"}`,
			at.Add(-time.Duration(i)*time.Second).Format(digest.TimeFormat), region, f.seq, testAccount)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// putLog stores a log file delivered at `at` and returns its digest entry.
func (f *fixture) putLog(region string, at time.Time, records int) digest.LogFile {
	f.seq++
	unique := fmt.Sprintf("U%015d", f.seq)
	key := f.lay.logFolder(region, at) + f.trail.Account + "_CloudTrail_" + region + "_" + at.UTC().Format(logKeyTime) + "_" + unique + ".json.gz"
	raw := f.logBody(region, at, records)
	sum := sha256.Sum256(raw)
	f.put(key, gz(f.t, raw), nil)
	f.logs[region] = append(f.logs[region], key)
	ts := at.Format(digest.TimeFormat)
	return digest.LogFile{S3Bucket: testBucket, S3Object: key, HashValue: hex.EncodeToString(sum[:]), HashAlgorithm: digest.HashAlgorithm,
		NewestEventTime: ts, OldestEventTime: at.Add(-time.Duration(records-1) * time.Second).Format(digest.TimeFormat)}
}

// hour writes the log files of one window [start, start+1h) and the digest
// that lists them, chained to the region's previous digest unless restart.
func (f *fixture) hour(region string, start time.Time, logs int, restart bool) sealed {
	f.t.Helper()
	end := start.Add(time.Hour)
	var files []digest.LogFile
	for j := range logs {
		at := start.Add(time.Duration(j)*time.Hour/time.Duration(logs) + 10*time.Second)
		files = append(files, f.putLog(region, at, max(f.records, 1)))
	}
	return f.digest(region, start, end, files, restart)
}

func (f *fixture) digest(region string, start, end time.Time, files []digest.LogFile, restart bool) sealed {
	f.t.Helper()
	k := f.keyFor(region, end)
	pub := publicKey(k, time.Time{}, time.Time{})
	d := digest.Digest{AWSAccountID: testAccount, DigestStartTime: start.Format(digest.TimeFormat), DigestEndTime: end.Format(digest.TimeFormat),
		DigestS3Bucket: testBucket, DigestS3Object: f.lay.digestKey(region, end, false),
		DigestPublicKeyFingerprint: pub.Fingerprint, DigestSignatureAlgorithm: digest.SignatureAlgorithm, LogFiles: files}
	if d.LogFiles == nil {
		d.LogFiles = []digest.LogFile{}
	}
	if len(files) > 0 {
		d.NewestEventTime, d.OldestEventTime = strp(files[len(files)-1].NewestEventTime), strp(files[0].OldestEventTime)
	}
	var link *digest.Link
	if prev := f.chains[region]; prev != nil && !restart {
		link = &digest.Link{Bucket: prev.bucket, Key: prev.key, Hash: prev.hash, Signature: prev.sig}
	}
	s := seal(f.t, d, link, k)
	f.put(s.key, s.body, s.meta)
	f.chains[region] = &s
	f.all[region] = append(f.all[region], s)
	return s
}

// build writes hours consecutive windows from base in each region.
func (f *fixture) build(hours, logsPerHour int, regions ...string) {
	for _, r := range regions {
		f.trustKey(r, 0, base.Add(-24*time.Hour), base.Add(30*24*time.Hour))
		for i := range hours {
			f.hour(r, base.Add(time.Duration(i)*time.Hour), logsPerHour, false)
		}
	}
}

func (f *fixture) options(start, end time.Time) Options {
	return Options{Trail: f.trail, StartTime: start, EndTime: end, Store: f.store, PublicKeys: f.keySource(),
		Now: func() time.Time { return end.Add(10 * time.Minute) }, Parallel: 8}
}

func (f *fixture) run(o Options) Report {
	f.t.Helper()
	rep, err := Run(context.Background(), o)
	if err != nil {
		f.t.Fatalf("Run: %v", err)
	}
	return rep
}

// rewriteDigest changes a stored digest's JSON (keeping its metadata).
func (f *fixture) rewriteDigest(key string, change func(*digest.Digest)) {
	f.t.Helper()
	o := f.get(key)
	zr, err := gzip.NewReader(bytes.NewReader(o.body))
	if err != nil {
		f.t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	var d digest.Digest
	if err := json.Unmarshal(raw, &d); err != nil {
		f.t.Fatal(err)
	}
	change(&d)
	raw, _ = json.Marshal(d)
	f.put(key, gz(f.t, raw), o.info.Metadata)
}

func dumpProblems(rep Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		fmt.Fprintf(&b, "  [%s %s] %s\n", p.Severity, p.Kind, p)
	}
	return b.String()
}

// findProblem returns the problems of kind at key.
func findProblems(rep Report, kind Kind, key string) []Problem {
	var out []Problem
	for _, p := range rep.Problems {
		if p.Kind == kind && (key == "" || p.Key == key) {
			out = append(out, p)
		}
	}
	return out
}

func (s sealed) endTime() time.Time {
	t, err := time.Parse(digest.TimeFormat, s.d.DigestEndTime)
	if err != nil {
		panic(err)
	}
	return t
}
