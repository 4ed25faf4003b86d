package buckettest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// wantKeys fails unless a listing with opts (no delimiter, one page) returns
// exactly keys, in that order.
func (s *suite) wantKeys(t *testing.T, st bucket.Store, opts bucket.ListOptions, keys ...string) {
	t.Helper()
	res, err := st.List(t.Context(), testBucket, opts)
	if err != nil {
		t.Fatalf("List(%+v): %v", opts, err)
	}
	got := pageOf(res)
	if !slices.Equal(got.Keys, keys) || len(got.Prefixes) != 0 || got.Truncated {
		t.Fatalf("List(%+v):\n got %q (prefixes %q, truncated %v)\nwant %q", opts, got.Keys, got.Prefixes, got.Truncated, keys)
	}
}

// wantPage fails unless a listing with opts returns want, as the model says.
func wantPage(t *testing.T, st bucket.Store, keys []string, opts bucket.ListOptions) page {
	t.Helper()
	res, err := st.List(t.Context(), testBucket, opts)
	if err != nil {
		t.Fatalf("List(%+v): %v", opts, err)
	}
	got, want := pageOf(res), modelList(keys, opts)
	if !got.equal(want) {
		t.Fatalf("List(%+v):\n got %+v\nwant %+v", opts, got, want)
	}
	return got
}

func putKeys(t *testing.T, st bucket.Store, keys []string) {
	t.Helper()
	for _, k := range keys {
		put(t, st, k, "", bucket.PutOptions{})
	}
}

// orderKeys trip up listings that sort by file name or by path: '-' < '/' < '0',
// and a key is followed by its own children only after its siblings that
// sort between.
var orderKeys = []string{
	"a", "a-b", "a/b", "a/b/c", "a/b-c", "a/b0", "a0", "a b", "a.b", "a//b", "a/", "A", "b", "é", "ä/x",
	"~", "a~o", "a%2F", "z", "a/b/", "a-/x", "a./x", "a0/x",
}

func (s *suite) listOrder(t *testing.T) {
	st := s.fresh(t)
	putKeys(t, st, orderKeys)
	want := slices.Clone(orderKeys)
	slices.Sort(want)
	s.wantKeys(t, st, bucket.ListOptions{}, want...)
	s.wantKeys(t, st, bucket.ListOptions{MaxKeys: 0}, want...) // 0 means 1000
}

func (s *suite) listPrefix(t *testing.T) {
	st := s.fresh(t)
	putKeys(t, st, orderKeys)
	for _, p := range []string{"a", "a/", "a/b", "a/b/", "a-", "a0", "ä", "\xc3", "zz", "b", "a//", "~"} {
		wantPage(t, st, orderKeys, bucket.ListOptions{Prefix: p})
	}
}

func (s *suite) listDelimiter(t *testing.T) {
	st := s.fresh(t)
	keys := append(slices.Clone(orderKeys),
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/f1.json.gz",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/f2.json.gz",
		"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/16/f1.json.gz",
		"AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/f1.json.gz",
		"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/15/d.json.gz",
	)
	putKeys(t, st, keys)
	res := wantPage(t, st, keys, bucket.ListOptions{Prefix: "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/", Delimiter: "/"})
	if !slices.Equal(res.Prefixes, []string{"AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/", "AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/16/"}) {
		t.Fatalf("day folders: %q", res.Prefixes)
	}
	for _, o := range []bucket.ListOptions{
		{Delimiter: "/"}, {Prefix: "a", Delimiter: "/"}, {Prefix: "a/", Delimiter: "/"},
		{Delimiter: "-"}, {Delimiter: "b"}, {Delimiter: "/b"}, {Delimiter: "a"}, {Delimiter: "é"},
		{Prefix: "AWSLogs/", Delimiter: "/"}, {Prefix: "AWSLogs/111122223333/", Delimiter: "/"},
		{Prefix: "AWSLogs/111122223333/CloudTrail", Delimiter: "/"}, {Prefix: "AWSLogs", Delimiter: "CloudTrail"},
		{Delimiter: "zzz"}, {Prefix: "nothing", Delimiter: "/"},
	} {
		wantPage(t, st, keys, o)
	}
}

// listAll pages through a listing with opts, checking each page against the
// model, and returns how many pages it took.
func listAll(t *testing.T, st bucket.Store, keys []string, opts bucket.ListOptions) int {
	t.Helper()
	pages := 0
	for {
		p := wantPage(t, st, keys, opts)
		pages++
		if !p.Truncated {
			return pages
		}
		if pages > len(keys)+1 {
			t.Fatalf("List(%+v): pagination does not end", opts)
		}
		opts.After = p.NextAfter
	}
}

func (s *suite) listPagination(t *testing.T) {
	st := s.fresh(t)
	putKeys(t, st, orderKeys)
	for _, max := range []int{1, 2, 3, 5, len(orderKeys) - 1, len(orderKeys), len(orderKeys) + 1} {
		for _, d := range []string{"", "/", "b"} {
			listAll(t, st, orderKeys, bucket.ListOptions{Delimiter: d, MaxKeys: max})
			listAll(t, st, orderKeys, bucket.ListOptions{Prefix: "a", Delimiter: d, MaxKeys: max})
		}
	}
	// A full page that ends exactly at the last entry is not truncated.
	res := wantPage(t, st, orderKeys, bucket.ListOptions{MaxKeys: len(orderKeys)})
	if res.Truncated {
		t.Fatal("exactly full page marked truncated")
	}
}

func (s *suite) listAfter(t *testing.T) {
	st := s.fresh(t)
	putKeys(t, st, orderKeys)
	for _, after := range []string{"a", "a/", "a/b", "a/b/", "a-", "a.", "a0", "a00", "A", "", "z", "zz", "\U0010FFFF", "a/\xff"} {
		for _, d := range []string{"", "/"} {
			wantPage(t, st, orderKeys, bucket.ListOptions{After: after, Delimiter: d})
			wantPage(t, st, orderKeys, bucket.ListOptions{After: after, Delimiter: d, Prefix: "a/", MaxKeys: 2})
		}
	}
}

func (s *suite) listEmpty(t *testing.T) {
	st := s.fresh(t)
	for _, o := range []bucket.ListOptions{{}, {Delimiter: "/"}, {Prefix: "a/"}, {After: "m", MaxKeys: 1}} {
		res, err := st.List(t.Context(), testBucket, o)
		if err != nil || len(res.Objects) != 0 || len(res.CommonPrefixes) != 0 || res.Truncated {
			t.Fatalf("List(%+v) of an empty bucket: %+v, %v", o, res, err)
		}
	}
	putKeys(t, st, []string{"a/b"})
	wantPage(t, st, []string{"a/b"}, bucket.ListOptions{Prefix: "b"})
	wantPage(t, st, []string{"a/b"}, bucket.ListOptions{After: "a/b"})
	wantPage(t, st, []string{"a/b"}, bucket.ListOptions{After: "a/", Delimiter: "/"})
}

func (s *suite) listObjectInfo(t *testing.T) {
	st := s.fresh(t)
	infos := map[string]bucket.ObjectInfo{}
	for i, k := range []string{"x/1", "x/2", "y"} {
		infos[k] = put(t, st, k, strings.Repeat("z", i*100), bucket.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"m": "v"}})
	}
	res, err := st.List(t.Context(), testBucket, bucket.ListOptions{})
	if err != nil || len(res.Objects) != 3 {
		t.Fatalf("List: %+v, %v", res, err)
	}
	for _, o := range res.Objects {
		s.sameListInfo(t, "List vs Head", o, head(t, st, o.Key))
		s.sameListInfo(t, "List vs Put", o, infos[o.Key])
	}
}

// listRandomModel cross-checks seeded random listings against the model.
func (s *suite) listRandomModel(t *testing.T) {
	st := s.fresh(t)
	r := rand.New(rand.NewPCG(2024, 1))
	alphabet := []string{"a", "b", "/", "/", "-", ".", "0", "é", " ", "%", "~"}
	seen := map[string]bool{}
	var keys []string
	for len(keys) < 150 {
		var b strings.Builder
		for n := 1 + r.IntN(8); n > 0; n-- {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		if r.IntN(20) == 0 { // straddle the file store's 80-byte segment limit
			b.WriteString(strings.Repeat("s", 76+r.IntN(8)))
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		if k := b.String(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	putKeys(t, st, keys)
	pick := func() string { // a random prefix of a random key, or noise
		if r.IntN(5) == 0 {
			return alphabet[r.IntN(len(alphabet))]
		}
		k := keys[r.IntN(len(keys))]
		return k[:r.IntN(len(k)+1)]
	}
	delims := []string{"", "", "/", "/", "a", "-", "/a", "é", "ss"}
	maxes := []int{0, 1, 2, 3, 7, 20}
	for i := 0; i < 60; i++ {
		o := bucket.ListOptions{Delimiter: delims[r.IntN(len(delims))], MaxKeys: maxes[r.IntN(len(maxes))]}
		if r.IntN(2) == 0 {
			o.Prefix = pick()
		}
		if r.IntN(3) == 0 {
			o.After = pick()
		}
		if o.MaxKeys > 0 && o.MaxKeys < 3 && o.Delimiter == "" {
			o.MaxKeys = 7 // keep the page count, and the run time, bounded
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) { listAll(t, st, keys, o) })
	}
}
