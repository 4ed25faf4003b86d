package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAppendHeaderValue(t *testing.T) {
	r := httptest.NewRequest("POST", "http://example.com/", nil)
	r.Host = " example.com:8080 "
	r.ContentLength = 42
	r.TransferEncoding = []string{"chunked"}
	r.Header["X-Multi"] = []string{"  a   b ", "c", ""}
	r.Header["x-multi"] = []string{"lower"}
	r.Header["Content-Type"] = []string{"text/plain;  charset=utf-8"}
	cases := []struct{ name, want string }{
		{"host", "example.com:8080"},
		{"content-length", "42"}, // moved out of r.Header by net/http
		{"transfer-encoding", "chunked"},
		{"x-multi", "a b,c,,lower"}, // canonical key first (sorted), then other spellings
		{"content-type", "text/plain; charset=utf-8"},
		{"x-absent", ""},
	}
	for _, c := range cases {
		if got := string(appendHeaderValue(nil, r, c.name, false)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	r.Header.Set("Content-Length", "7")
	if got := string(appendHeaderValue(nil, r, "content-length", false)); got != "7" {
		t.Errorf("content-length header present: %q", got)
	}
	r2 := &http.Request{Header: http.Header{}, ContentLength: -1}
	if got := string(appendHeaderValue(nil, r2, "content-length", false)); got != "" {
		t.Errorf("unknown length: %q", got)
	}
}

func TestCanonicalURIs(t *testing.T) {
	cases := []struct {
		path, service string
		want          []string
	}{
		{"", "iam", []string{"/"}},
		{"/", "cloudtrail", []string{"/"}},
		{"/a%20b/c", "lambda", []string{"/a%2520b/c"}},
		{"/a//b/./c/../d/", "execute-api", []string{"/a/b/d/", "/a//b/./c/../d/"}},
		{"/..", "iam", []string{"/", "/.."}},
		{"//", "iam", []string{"/", "//"}},
		{"/bkt/a%20b%2Bc", "s3", []string{"/bkt/a%20b%2Bc"}},
		{"/bkt/a+b//./c", "s3", []string{"/bkt/a+b//./c", "/bkt/a%2Bb//./c"}},
		{"/bkt/%e2%9c%93", "s3", []string{"/bkt/%e2%9c%93", "/bkt/%E2%9C%93"}},
	}
	for _, c := range cases {
		uris, n := canonicalURIs(c.path, c.service)
		got := uris[:n]
		if len(got) != len(c.want) {
			t.Errorf("%s %q: %q, want %q", c.service, c.path, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s %q: %q, want %q", c.service, c.path, got, c.want)
			}
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1", "a=1&b=2"},
		{"a=2&a=1&a=10", "a=1&a=10&a=2"},
		{"a-b=1&a=2", "a=2&a-b=1"}, // sorted by key, not by "key=value"
		{"k", "k="},
		{"k=&&j=x", "j=x&k="},
		{"sp=a+b&pct=a%20b&plus=a%2Bb", "pct=a%20b&plus=a%2Bb&sp=a%20b"},
		{"u=%e2%9c%93&t=~._-&s=*", "s=%2A&t=~._-&u=%E2%9C%93"},
		{"semi=a;b", "semi=a%3Bb"},
		{"X-Amz-Signature=abc&x=1", "x=1"},
	}
	for _, c := range cases {
		pairs, err := parseQuery(c.raw)
		if err != nil {
			t.Errorf("%q: %v", c.raw, err)
			continue
		}
		if got := string(appendCanonicalQuery(nil, pairs, true)); got != c.want {
			t.Errorf("%q: %q, want %q", c.raw, got, c.want)
		}
	}
	for _, bad := range []string{"a=%", "a=%2", "a=%zz", "%G0=1"} {
		if _, err := parseQuery(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
