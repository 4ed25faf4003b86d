package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// List returns a page of the bucket's keys in ascending byte order. A
// listing is the sorted sequence of keys, with the keys that share a common
// prefix (Prefix, then anything up to and including the first Delimiter)
// replaced by that prefix; a page holds the entries that sort strictly after
// After (a common prefix sorts as itself), at most MaxKeys of them (0 means
// 1000). Only the directories under Prefix are read, and a directory whose
// keys all roll up into one common prefix is not read beyond its first key.
func (s *Store) List(ctx context.Context, bucketName string, opts bucket.ListOptions) (bucket.ListResult, error) {
	dir, err := s.checkBucket(bucketName)
	if err != nil {
		return bucket.ListResult{}, fmt.Errorf("list: %w", err)
	}
	res, err := s.list(ctx, dir, opts)
	if err != nil {
		return bucket.ListResult{}, fmt.Errorf("list %s: %w", bucketName, err)
	}
	return res, nil
}

func (s *Store) list(ctx context.Context, dir string, opts bucket.ListOptions) (bucket.ListResult, error) {
	l := &lister{ctx: ctx, opts: opts, after: opts.After, max: opts.MaxKeys}
	if l.max <= 0 {
		l.max = 1000
	}
	elems, consumed, inCont := prefixElems(opts.Prefix)
	err := l.walk(filepath.Join(append([]string{dir}, elems...)...), consumed, inCont)
	if errors.Is(err, errStop) {
		err = nil
	}
	return l.res, err
}

// errStop ends a walk early once the page is full.
var errStop = errors.New("stop")

type lister struct {
	ctx   context.Context
	opts  bucket.ListOptions
	after string // exclusive lower bound; raised past each common prefix rolled up
	max   int
	res   bucket.ListResult
}

// walk visits, in ascending order, the keys under dir (whose keys all start
// with keyPrefix) that are greater than l.after and start with the prefix.
func (l *lister) walk(dir, keyPrefix string, inCont bool) error {
	if err := l.ctx.Err(); err != nil {
		return err
	}
	ents, err := readElems(dir, keyPrefix, inCont, l.relevant)
	if err != nil {
		return err
	}
	for _, e := range ents {
		q := e.span // every key in e starts with q
		if q > l.opts.Prefix && !strings.HasPrefix(q, l.opts.Prefix) {
			break // this entry and all later ones sort after the prefix's keys
		}
		if !l.relevant(q, e.kind) { // again: after rises as the walk goes on
			continue
		}
		if e.kind == kindObject {
			if err := l.key(q, filepath.Join(dir, e.name)); err != nil {
				return err
			}
			continue
		}
		sub := filepath.Join(dir, e.name)
		if cp, ok := l.commonPrefix(q); ok && q > l.after {
			// Every key below rolls up into cp and is > after: one key is
			// enough to know cp is listed.
			if has, err := hasKey(sub, e.kind == kindCont); err != nil || !has {
				if err != nil {
					return err
				}
				continue
			}
			if err := l.rollUp(cp); err != nil {
				return err
			}
			continue
		}
		if err := l.walk(sub, q, e.kind == kindCont); err != nil {
			return err
		}
	}
	return nil
}

// relevant reports whether the element whose keys start with q (all of them
// longer than q unless it is an object) may hold keys of this listing.
func (l *lister) relevant(q string, kind elemKind) bool {
	if kind == kindObject {
		return q > l.after && strings.HasPrefix(q, l.opts.Prefix)
	}
	return (strings.HasPrefix(q, l.opts.Prefix) || strings.HasPrefix(l.opts.Prefix, q)) &&
		(q > l.after || strings.HasPrefix(l.after, q))
}

// commonPrefix returns the common prefix every key starting with q rolls up
// into, if q alone determines it.
func (l *lister) commonPrefix(q string) (string, bool) {
	d := l.opts.Delimiter
	if d == "" || !strings.HasPrefix(q, l.opts.Prefix) {
		return "", false
	}
	i := strings.Index(q[len(l.opts.Prefix):], d)
	if i < 0 {
		return "", false
	}
	return q[:len(l.opts.Prefix)+i+len(d)], true
}

// key handles one key greater than l.after under the prefix.
func (l *lister) key(key, path string) error {
	if cp, ok := l.commonPrefix(key); ok {
		return l.rollUp(cp)
	}
	if l.full() {
		return errStop
	}
	m, err := readMetaPath(path)
	if os.IsNotExist(err) {
		return nil // deleted while we listed
	}
	if err != nil {
		return err
	}
	if m.Key != key {
		return fmt.Errorf("corrupt object file %s: holds key %q", path, m.Key)
	}
	l.res.Objects = append(l.res.Objects, m.info())
	l.res.NextAfter = key
	return nil
}

// rollUp lists the common prefix cp, known to hold a key greater than
// l.after, and skips the rest of its keys.
func (l *lister) rollUp(cp string) error {
	// No valid UTF-8 key holds 0xff: every key starting with cp is below this.
	l.after = cp + "\xff"
	if cp <= l.opts.After {
		return nil // sorts before the page
	}
	if l.full() {
		return errStop
	}
	l.res.CommonPrefixes = append(l.res.CommonPrefixes, cp)
	l.res.NextAfter = cp
	return nil
}

// full reports whether the page is full; it is then truncated, since the
// caller has one more entry.
func (l *lister) full() bool {
	if len(l.res.Objects)+len(l.res.CommonPrefixes) < l.max {
		return false
	}
	l.res.Truncated = true
	return true
}

type elem struct {
	name string // file name
	span string // key prefix: every key under the element starts with it
	kind elemKind
}

// traceReadDir, if set (by tests), is told of every directory a listing reads.
var traceReadDir func(dir string)

// readElems reads the key elements of dir, whose keys start with keyPrefix,
// that keep accepts, in key order. A missing directory is empty (it may have
// been removed by a Delete while we listed).
func readElems(dir, keyPrefix string, inCont bool, keep func(span string, kind elemKind) bool) ([]elem, error) {
	f, err := os.Open(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if traceReadDir != nil {
		traceReadDir(dir)
	}
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("read dir %s: %w", dir, err)
	}
	out := make([]elem, 0, len(des))
	for _, de := range des {
		seg, kind, ok := parseElem(de.Name(), inCont)
		if !ok || (kind == kindObject) != de.Type().IsRegular() || (kind != kindObject && !de.IsDir()) {
			continue // not ours
		}
		if q := keyPrefix + span(seg, kind); keep(q, kind) {
			out = append(out, elem{name: de.Name(), span: q, kind: kind})
		}
	}
	slices.SortFunc(out, func(a, b elem) int {
		if c := strings.Compare(a.span, b.span); c != 0 {
			return c
		}
		if a.kind == kindObject { // an object before the continuation of its segment
			return -1
		}
		return 1
	})
	return out, nil
}

// hasKey reports whether the tree under dir holds at least one object,
// reading as little of it as it can.
func hasKey(dir string, inCont bool) (bool, error) {
	f, err := os.Open(dir)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if traceReadDir != nil {
		traceReadDir(dir)
	}
	for {
		des, err := f.ReadDir(64)
		for _, de := range des {
			_, kind, ok := parseElem(de.Name(), inCont)
			switch {
			case !ok:
			case kind == kindObject:
				if de.Type().IsRegular() {
					return true, nil
				}
			case de.IsDir():
				if has, err := hasKey(filepath.Join(dir, de.Name()), kind == kindCont); has || err != nil {
					return has, err
				}
			}
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read dir %s: %w", dir, err)
		}
	}
}
