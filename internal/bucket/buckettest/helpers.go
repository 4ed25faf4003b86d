package buckettest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// testBucket is the bucket most cases work in.
const testBucket = "cairn-test"

// fresh returns a new store holding the empty bucket testBucket.
func (s *suite) fresh(t *testing.T) bucket.Store {
	t.Helper()
	st := s.newStore(t)
	if err := st.CreateBucket(t.Context(), testBucket, bucket.CreateOptions{}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", testBucket, err)
	}
	return st
}

func put(t *testing.T, st bucket.Store, key, body string, opts bucket.PutOptions) bucket.ObjectInfo {
	t.Helper()
	if opts.Size == 0 {
		opts.Size = int64(len(body))
	}
	info, err := st.Put(t.Context(), testBucket, key, strings.NewReader(body), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

func get(t *testing.T, st bucket.Store, key string, rng *bucket.Range) (string, bucket.ObjectInfo) {
	t.Helper()
	rc, info, err := st.Get(t.Context(), testBucket, key, rng)
	if err != nil {
		t.Fatalf("Get(%q, %+v): %v", key, rng, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read body: %v", key, err)
	}
	return string(data), info
}

func head(t *testing.T, st bucket.Store, key string) bucket.ObjectInfo {
	t.Helper()
	info, err := st.Head(t.Context(), testBucket, key)
	if err != nil {
		t.Fatalf("Head(%q): %v", key, err)
	}
	return info
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func etagOf(body []byte) string {
	sum := md5.Sum(body)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// sameInfo fails unless got describes the same object version as want.
func (s *suite) sameInfo(t *testing.T, what string, got, want bucket.ObjectInfo) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.ETag != want.ETag ||
		got.ContentType != want.ContentType || !maps.Equal(got.Metadata, want.Metadata) {
		t.Fatalf("%s: info %s, want %s", what, fmtInfo(got), fmtInfo(want))
	}
	s.sameTime(t, what, got.LastModified, want.LastModified)
}

// sameListInfo is sameInfo for listings, which need only carry key, size,
// ETag and time (S3's carry no content type or user metadata).
func (s *suite) sameListInfo(t *testing.T, what string, got, want bucket.ObjectInfo) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.ETag != want.ETag {
		t.Fatalf("%s: info %s, want %s", what, fmtInfo(got), fmtInfo(want))
	}
	s.sameTime(t, what, got.LastModified, want.LastModified)
}

// sameTime compares two stamps of one event: exactly, or within a second
// when the backend's times are coarse.
func (s *suite) sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if got.Equal(want) {
		return
	}
	if d := got.Sub(want).Abs(); s.dev.CoarseTimes && d <= time.Second {
		return
	}
	t.Fatalf("%s: time %v, want %v", what, got, want)
}

// recent fails unless tm lies between before and now (with a second of slack
// for coarse backends and for clock granularity).
func (s *suite) recent(t *testing.T, what string, tm, before time.Time) {
	t.Helper()
	slack := time.Millisecond
	if s.dev.CoarseTimes {
		slack = 2 * time.Second
	}
	if tm.Before(before.Add(-slack)) || tm.After(time.Now().Add(slack)) {
		t.Fatalf("%s: time %v not between %v and now", what, tm, before)
	}
}

func fmtInfo(i bucket.ObjectInfo) string {
	return fmt.Sprintf("{Key:%q Size:%d ETag:%s ContentType:%q Metadata:%v LastModified:%v}",
		i.Key, i.Size, i.ETag, i.ContentType, i.Metadata, i.LastModified)
}

// onlyReader hides every method but Read (a body of unknown size that
// cannot seek).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func mustEqualBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes %.40q, want %d bytes %.40q", what, len(got), got, len(want), want)
	}
}
