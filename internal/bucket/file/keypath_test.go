package file

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// checkElems verifies that elems is a well-formed path for key: each element
// is a usable file name, decodes, and the elements map back to key.
func checkElems(t *testing.T, key string, elems []string) {
	t.Helper()
	for _, e := range elems {
		if e == "" || e == "." || e == ".." || strings.ContainsAny(e, "/\x00") || len(e) > 255 ||
			strings.HasPrefix(e, reservedPrefix) {
			t.Fatalf("key %q: bad path element %q", key, e)
		}
	}
	back, ok := elemsKey(elems)
	if !ok || back != key {
		t.Fatalf("key %q → %q → %q (ok=%v)", key, elems, back, ok)
	}
}

// firstDiff returns the elements of the first elements where two
// paths differ, as a directory listing sorts them.
func firstDiff(a, b []string) (ea, eb elem, ok bool) {
	inCont := false
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			sa, ka, _ := parseElem(a[i], inCont)
			sb, kb, _ := parseElem(b[i], inCont)
			return elem{a[i], span(sa, ka), ka}, elem{b[i], span(sb, kb), kb}, true
		}
		_, k, _ := parseElem(a[i], inCont)
		inCont = k == kindCont
	}
	return elem{}, elem{}, false
}

func elemLess(a, b elem) bool {
	if a.span != b.span {
		return a.span < b.span
	}
	return a.kind == kindObject
}

// FuzzKeyPath checks the key → path mapping: it round-trips, distinct keys
// never share a path, and sorting directory entries as List does orders keys
// by their bytes.
func FuzzKeyPath(f *testing.F) {
	for _, k := range []string{
		"a", "a/b", "a//b", "/", "a/", ".", "..", "./..", "%", "%2F", "~o", "x~c", ".cairn-tmp",
		strings.Repeat("s", 80), strings.Repeat("s", 81), strings.Repeat("s", 80) + "/x", strings.Repeat("é", 300),
	} {
		f.Add(k, "a")
	}
	f.Add("a-", "a/")
	f.Add(strings.Repeat("s", 80)+"-", strings.Repeat("s", 80)+"/")
	f.Add(strings.Repeat("s", 79)+"/", strings.Repeat("s", 79)+"0")
	f.Fuzz(func(t *testing.T, k1, k2 string) {
		if bucket.CheckKey(k1) != nil || bucket.CheckKey(k2) != nil {
			return
		}
		p1, p2 := keyElems(k1), keyElems(k2)
		checkElems(t, k1, p1)
		checkElems(t, k2, p2)
		same := strings.Join(p1, "/") == strings.Join(p2, "/")
		if same != (k1 == k2) {
			t.Fatalf("keys %q and %q: paths %q and %q", k1, k2, p1, p2)
		}
		if k1 == k2 {
			return
		}
		// Where the paths part, the entries must sort as the keys do.
		e1, e2, ok := firstDiff(p1, p2)
		if !ok {
			t.Fatalf("keys %q and %q: one path is a prefix of the other: %q, %q", k1, k2, p1, p2)
		}
		if elemLess(e1, e2) != (k1 < k2) {
			t.Fatalf("keys %q < %q is %v, but entries %q, %q sort the other way", k1, k2, k1 < k2, e1.name, e2.name)
		}
		// The directories a prefix search starts from hold every key with that prefix.
		for _, pre := range []string{k1[:len(k1)/2], k1} {
			if !utf8.ValidString(pre) {
				continue
			}
			dirs, consumed, _ := prefixElems(pre)
			if !strings.HasPrefix(pre, consumed) || len(dirs) > len(p1)-1 || strings.Join(dirs, "/") != strings.Join(p1[:len(dirs)], "/") {
				t.Fatalf("prefix %q of %q: dirs %q (consumed %q), key path %q", pre, k1, dirs, consumed, p1)
			}
		}
	})
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"AWSLogs": "AWSLogs", "file.json.gz": "file.json.gz", ".hidden": "%2Ehidden", "..": "%2E.",
		"a b": "a%20b", "100%": "100%25", "a~o": "a%7Eo", "é": "%C3%A9",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
		if back, ok := unescape(want); !ok || back != in {
			t.Errorf("unescape(%q) = %q, %v", want, back, ok)
		}
	}
	for _, bad := range []string{"%2e", "%41", "%", "%4", "a~b", ".x", "%2F"} {
		if s, ok := unescape(bad); ok {
			t.Errorf("unescape(%q) accepted a non-canonical name: %q", bad, s)
		}
	}
}
