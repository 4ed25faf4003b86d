package s3

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// List returns a page of the listing with ListObjectsV2 (URL-encoded, so
// that any key survives the XML). The page is exactly what the embedded
// store returns:
//   - entries at or before After are dropped even where the server returns
//     them (some return a common prefix <= StartAfter), and more server pages
//     are fetched until the page is full;
//   - a Prefix or Delimiter that is not valid UTF-8 (say, half a character)
//     cannot be sent, so the keys under the longest valid part of the prefix
//     are listed and filtered and rolled up here;
//   - an After that is not valid UTF-8 is sent shortened to its valid part.
func (s *Store) List(ctx context.Context, bucketName string, opts bucket.ListOptions) (bucket.ListResult, error) {
	p := &pager{opts: opts, max: opts.MaxKeys}
	if p.max <= 0 {
		p.max = 1000
	}
	local := !utf8.ValidString(opts.Prefix) || !utf8.ValidString(opts.Delimiter)
	in := &s3.ListObjectsV2Input{
		Bucket:       aws.String(bucketName),
		EncodingType: types.EncodingTypeUrl,
		MaxKeys:      aws.Int32(int32(min(p.max+1, 1000))),
		Prefix:       optional(validPrefix(opts.Prefix)),
		StartAfter:   optional(validPrefix(opts.After)),
	}
	if local {
		in.MaxKeys = aws.Int32(1000)
	} else {
		in.Delimiter = optional(opts.Delimiter)
	}
	for {
		out, err := s.client.ListObjectsV2(ctx, in)
		if err != nil {
			return bucket.ListResult{}, wrap(err, "list %s", bucketName)
		}
		entries, err := pageEntries(out)
		if err != nil {
			return bucket.ListResult{}, fmt.Errorf("s3: list %s: %w", bucketName, err)
		}
		for _, e := range entries {
			if local {
				var ok bool
				if e, ok = p.localEntry(e); !ok {
					continue
				}
			}
			if p.add(e) {
				return p.res, nil
			}
		}
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextContinuationToken) == "" {
			return p.res, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// pager builds one page of a listing from the server's entries.
type pager struct {
	opts     bucket.ListOptions
	max      int
	res      bucket.ListResult
	lastRoll string // the last common prefix added
}

// add adds e unless it sorts at or before After or repeats the last common
// prefix; it reports whether the page is complete (full, and e left over).
func (p *pager) add(e entry) bool {
	if e.name <= p.opts.After {
		return false
	}
	if e.obj == nil {
		if e.name == p.lastRoll {
			return false
		}
		p.lastRoll = e.name
	}
	if len(p.res.Objects)+len(p.res.CommonPrefixes) == p.max {
		p.res.Truncated = true
		return true
	}
	if e.obj != nil {
		p.res.Objects = append(p.res.Objects, *e.obj)
	} else {
		p.res.CommonPrefixes = append(p.res.CommonPrefixes, e.name)
	}
	p.res.NextAfter = e.name
	return false
}

// localEntry filters a key listed without the delimiter by the full prefix
// and rolls it up into its common prefix.
func (p *pager) localEntry(e entry) (entry, bool) {
	pre, d := p.opts.Prefix, p.opts.Delimiter
	if e.obj == nil || !strings.HasPrefix(e.name, pre) {
		return entry{}, false
	}
	if d != "" {
		if i := strings.Index(e.name[len(pre):], d); i >= 0 {
			return entry{name: e.name[:len(pre)+i+len(d)]}, true
		}
	}
	return e, true
}

// validPrefix returns the longest prefix of s that is valid UTF-8.
func validPrefix(s string) string {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return s[:i]
		}
		i += n
	}
	return s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// entry is a key (obj set) or a common prefix of a listing page.
type entry struct {
	name string
	obj  *bucket.ObjectInfo
}

// pageEntries merges a page's keys and common prefixes in order, decoding
// their URL encoding.
func pageEntries(out *s3.ListObjectsV2Output) ([]entry, error) {
	entries := make([]entry, 0, len(out.Contents)+len(out.CommonPrefixes))
	for _, o := range out.Contents {
		key, err := url.QueryUnescape(aws.ToString(o.Key))
		if err != nil {
			return nil, fmt.Errorf("decode key %q: %w", aws.ToString(o.Key), err)
		}
		entries = append(entries, entry{name: key, obj: &bucket.ObjectInfo{
			Key: key, Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), LastModified: aws.ToTime(o.LastModified),
		}})
	}
	keys := len(entries)
	for _, cp := range out.CommonPrefixes {
		p, err := url.QueryUnescape(aws.ToString(cp.Prefix))
		if err != nil {
			return nil, fmt.Errorf("decode prefix %q: %w", aws.ToString(cp.Prefix), err)
		}
		entries = append(entries, entry{name: p})
	}
	// Keys and common prefixes are each sorted; merge them.
	merged := make([]entry, 0, len(entries))
	a, b := entries[:keys], entries[keys:]
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0].name < b[0].name) {
			merged, a = append(merged, a[0]), a[1:]
		} else {
			merged, b = append(merged, b[0]), b[1:]
		}
	}
	return merged, nil
}
