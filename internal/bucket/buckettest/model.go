package buckettest

import (
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// page is a listing page reduced to names, for comparison.
type page struct {
	Keys      []string
	Prefixes  []string
	Truncated bool
	NextAfter string
}

func pageOf(r bucket.ListResult) page {
	p := page{Prefixes: r.CommonPrefixes, Truncated: r.Truncated, NextAfter: r.NextAfter}
	for _, o := range r.Objects {
		p.Keys = append(p.Keys, o.Key)
	}
	return p
}

func (p page) equal(q page) bool {
	return slices.Equal(p.Keys, q.Keys) && slices.Equal(p.Prefixes, q.Prefixes) &&
		p.Truncated == q.Truncated && p.NextAfter == q.NextAfter
}

// modelList is the listing contract, written as plainly as possible: the
// sorted keys under Prefix, each replaced by its common prefix if it has one,
// duplicates dropped; then the entries strictly after After, at most MaxKeys.
func modelList(keys []string, o bucket.ListOptions) page {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	max := o.MaxKeys
	if max <= 0 {
		max = 1000
	}
	var p page
	lastPrefix := ""
	for _, k := range sorted {
		if !strings.HasPrefix(k, o.Prefix) {
			continue
		}
		entry, isPrefix := k, false
		if o.Delimiter != "" {
			if i := strings.Index(k[len(o.Prefix):], o.Delimiter); i >= 0 {
				entry, isPrefix = k[:len(o.Prefix)+i+len(o.Delimiter)], true
			}
		}
		if isPrefix {
			if entry == lastPrefix {
				continue
			}
			lastPrefix = entry
		}
		if entry <= o.After {
			continue
		}
		if len(p.Keys)+len(p.Prefixes) == max {
			p.Truncated = true
			break
		}
		if isPrefix {
			p.Prefixes = append(p.Prefixes, entry)
		} else {
			p.Keys = append(p.Keys, entry)
		}
		p.NextAfter = entry
	}
	return p
}
