package buckettest

import (
	"context"
	"crypto/md5"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

func (s *suite) roundTrip(t *testing.T) {
	st := s.fresh(t)
	body := `{"Records":[]}`
	before := time.Now()
	md := map[string]string{"trail": "management-events", "digest-signature": "abc=="}
	pinfo := put(t, st, "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/log.json", body,
		bucket.PutOptions{ContentType: "application/json", Metadata: md})
	want := bucket.ObjectInfo{
		Key: "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/log.json", Size: int64(len(body)),
		ETag: etagOf([]byte(body)), ContentType: "application/json", Metadata: md, LastModified: pinfo.LastModified,
	}
	s.sameInfo(t, "Put", pinfo, want)
	s.recent(t, "Put LastModified", pinfo.LastModified, before)
	s.sameInfo(t, "Head", head(t, st, want.Key), want)
	got, ginfo := get(t, st, want.Key, nil)
	if got != body {
		t.Fatalf("Get body %q, want %q", got, body)
	}
	s.sameInfo(t, "Get", ginfo, want)
}

func (s *suite) defaultContentType(t *testing.T) {
	st := s.fresh(t)
	put(t, st, "k", "x", bucket.PutOptions{})
	if ct := head(t, st, "k").ContentType; ct != "binary/octet-stream" {
		t.Fatalf("ContentType %q, want S3's default binary/octet-stream", ct)
	}
}

func (s *suite) emptyObject(t *testing.T) {
	st := s.fresh(t)
	info := put(t, st, "empty", "", bucket.PutOptions{})
	if info.Size != 0 || info.ETag != `"d41d8cd98f00b204e9800998ecf8427e"` {
		t.Fatalf("Put empty: %s", fmtInfo(info))
	}
	if body, ginfo := get(t, st, "empty", nil); body != "" || ginfo.Size != 0 {
		t.Fatalf("Get empty: %q %s", body, fmtInfo(ginfo))
	}
}

func (s *suite) etagOption(t *testing.T) {
	if s.dev.ServerETag {
		t.Skip("deviation: the server computes ETags")
	}
	st := s.fresh(t)
	const multipart = `"0123456789abcdef0123456789abcdef-3"`
	if info := put(t, st, "mp", "body", bucket.PutOptions{ETag: multipart}); info.ETag != multipart {
		t.Fatalf("Put ETag %s, want %s", info.ETag, multipart)
	}
	if e := head(t, st, "mp").ETag; e != multipart {
		t.Fatalf("Head ETag %s, want %s", e, multipart)
	}
	// An unquoted ETag is stored quoted, as S3 shows them.
	if info := put(t, st, "mp2", "body", bucket.PutOptions{ETag: "abc-2"}); info.ETag != `"abc-2"` {
		t.Fatalf("Put unquoted ETag: %s", info.ETag)
	}
	res, err := st.List(t.Context(), testBucket, bucket.ListOptions{})
	if err != nil || len(res.Objects) != 2 || res.Objects[0].ETag != multipart || res.Objects[1].ETag != `"abc-2"` {
		t.Fatalf("List ETags: %+v, %v", res.Objects, err)
	}
}

func (s *suite) contentMD5(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	good := md5.Sum([]byte("hello"))
	put(t, st, "k", "hello", bucket.PutOptions{ContentMD5: good[:]})
	bad := md5.Sum([]byte("other"))
	_, err := st.Put(ctx, testBucket, "k", strings.NewReader("replaced"), bucket.PutOptions{Size: 8, ContentMD5: bad[:]})
	wantErr(t, "Put with a wrong Content-MD5", err, bucket.ErrBadDigest)
	if body, _ := get(t, st, "k", nil); body != "hello" {
		t.Fatalf("object changed by a rejected write: %q", body)
	}
	_, err = st.Put(ctx, testBucket, "new", strings.NewReader("new"), bucket.PutOptions{Size: -1, ContentMD5: bad[:]})
	wantErr(t, "Put new key with a wrong Content-MD5", err, bucket.ErrBadDigest)
	_, err = st.Head(ctx, testBucket, "new")
	wantErr(t, "Head after a rejected write", err, bucket.ErrNoSuchKey)
}

func (s *suite) sizeMismatch(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	for _, size := range []int64{3, 10} {
		if _, err := st.Put(ctx, testBucket, "k", onlyReader{strings.NewReader("hello")}, bucket.PutOptions{Size: size}); err == nil {
			t.Fatalf("Put of 5 bytes announced as %d succeeded", size)
		}
		_, err := st.Head(ctx, testBucket, "k")
		wantErr(t, "Head after a short or long body", err, bucket.ErrNoSuchKey)
	}
}

func (s *suite) unknownSize(t *testing.T) {
	st := s.fresh(t)
	body := strings.Repeat("0123456789abcdef", 10000)
	info, err := st.Put(t.Context(), testBucket, "k", onlyReader{strings.NewReader(body)}, bucket.PutOptions{Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(body)) || info.ETag != etagOf([]byte(body)) {
		t.Fatalf("Put info %s", fmtInfo(info))
	}
	if got, _ := get(t, st, "k", nil); got != body {
		t.Fatal("body differs")
	}
}

func (s *suite) canceledPut(t *testing.T) {
	st := s.fresh(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := st.Put(ctx, testBucket, "k", onlyReader{strings.NewReader("body")}, bucket.PutOptions{Size: -1}); err == nil {
		t.Fatal("Put with a canceled context succeeded")
	}
	_, err := st.Head(t.Context(), testBucket, "k")
	wantErr(t, "Head after a canceled Put", err, bucket.ErrNoSuchKey)
}

func (s *suite) overwrite(t *testing.T) {
	st := s.fresh(t)
	put(t, st, "k", "version one", bucket.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"v": "1"}})
	v2 := put(t, st, "k", "two", bucket.PutOptions{})
	want := bucket.ObjectInfo{Key: "k", Size: 3, ETag: etagOf([]byte("two")), ContentType: "binary/octet-stream", LastModified: v2.LastModified}
	s.sameInfo(t, "Head after overwrite", head(t, st, "k"), want)
	if body, _ := get(t, st, "k", nil); body != "two" {
		t.Fatalf("Get after overwrite: %q", body)
	}
	res, err := st.List(t.Context(), testBucket, bucket.ListOptions{})
	if err != nil || len(res.Objects) != 1 {
		t.Fatalf("List after overwrite: %+v, %v", res, err)
	}
	s.sameListInfo(t, "List after overwrite", res.Objects[0], want)
}

func (s *suite) deleteObject(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	for _, k := range []string{"x", "x/y/z", "x/y/w/v"} {
		put(t, st, k, k, bucket.PutOptions{})
	}
	if err := st.Delete(ctx, testBucket, "x/y/z"); err != nil {
		t.Fatal(err)
	}
	_, _, err := st.Get(ctx, testBucket, "x/y/z", nil)
	wantErr(t, "Get deleted", err, bucket.ErrNoSuchKey)
	if err := st.Delete(ctx, testBucket, "x/y/z"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if err := st.Delete(ctx, testBucket, "never/was"); err != nil {
		t.Fatalf("Delete of a never-written key: %v", err)
	}
	s.wantKeys(t, st, bucket.ListOptions{}, "x", "x/y/w/v")
	if err := st.Delete(ctx, testBucket, "x/y/w/v"); err != nil {
		t.Fatal(err)
	}
	s.wantKeys(t, st, bucket.ListOptions{}, "x")
	// The same key, and one below the emptied directories, can be written again.
	put(t, st, "x/y/w/v", "again", bucket.PutOptions{})
	if body, _ := get(t, st, "x/y/w/v", nil); body != "again" {
		t.Fatalf("Get after re-put: %q", body)
	}
	for _, k := range []string{"x", "x/y/w/v"} {
		if err := st.Delete(ctx, testBucket, k); err != nil {
			t.Fatal(err)
		}
	}
	s.wantKeys(t, st, bucket.ListOptions{})
	if err := st.DeleteBucket(ctx, testBucket); err != nil {
		t.Fatalf("DeleteBucket after deleting every key: %v", err)
	}
}

func (s *suite) invalidKeys(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	for _, k := range []string{"", strings.Repeat("k", 1025), "bad\xffutf8", "a/\xc3"} {
		_, err := st.Put(ctx, testBucket, k, strings.NewReader("x"), bucket.PutOptions{Size: 1})
		wantErr(t, "Put("+k+")", err, bucket.ErrInvalidKey)
	}
	// 1024 bytes is the limit, and allowed.
	put(t, st, strings.Repeat("k", 1024), "x", bucket.PutOptions{})
}

// trickyKeys are keys that stress a mapping of keys onto file names: path
// syntax, escapes, unicode, sort-order traps and long segments.
var trickyKeys = []string{
	"a", "a/b", "a/b/c", "a//b", "/leading", "trailing/", "//", "/", "a/", "a-", "a0", "a.b", "a b",
	".", "..", "./x", "../x", "a/./b", "a/../b", "a/..", ".hidden", "...",
	"100%", "%", "%2F", "%25", "a%2Fb", "a+b", "a~b", "~", "x~o", "x~c", "~e", ".cairn-tmp", ".cairn-bucket.json",
	"LOCK", "Upper/Case", "upper/case", "spaces in/a name", "tab\there", "new\nline",
	"unicodé/ключ/🎉", "日本語/ファイル", "é", "e\u0301", "\u00a0nbsp",
	"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/111122223333_CloudTrail_us-east-1_20240115T0000Z_a1b2c3.json.gz",
	strings.Repeat("s", 79), strings.Repeat("s", 80), strings.Repeat("s", 81), strings.Repeat("s", 80) + "/x",
	strings.Repeat("s", 79) + "/x", strings.Repeat("s", 80) + "-", strings.Repeat("s", 80) + "0", strings.Repeat("s", 161),
	strings.Repeat("é", 100) + "/" + strings.Repeat("%", 200), strings.Repeat("d/", 512),
	strings.Repeat("/", 1024), strings.Repeat("ü", 512),
}

func (s *suite) trickyKeys(t *testing.T) {
	st := s.fresh(t)
	ctx := t.Context()
	keys := trickyKeys
	if s.dev.NoNewlineKeys {
		keys = slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return strings.Contains(k, "\n") })
	}
	for i, k := range keys {
		info := put(t, st, k, "body of "+k, bucket.PutOptions{Metadata: map[string]string{"i": string(rune('a' + i%26))}})
		if info.Key != k {
			t.Fatalf("Put(%q) info key %q", k, info.Key)
		}
	}
	for _, k := range keys {
		body, info := get(t, st, k, nil)
		if body != "body of "+k || info.Key != k {
			t.Fatalf("Get(%q) = %q, key %q", k, body, info.Key)
		}
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	s.wantKeys(t, st, bucket.ListOptions{}, want...)
	for _, k := range keys {
		if err := st.Delete(ctx, testBucket, k); err != nil {
			t.Fatalf("Delete(%q): %v", k, err)
		}
	}
	s.wantKeys(t, st, bucket.ListOptions{})
}
