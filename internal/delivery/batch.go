package delivery

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sort"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/stream"
	"github.com/cairn-audit/cairn/internal/trail"
)

// Stream is the event stream delivery follows; workers read it only up to
// its settled position (a trail's StartLogging is committed before delivery
// reads past its event) and commit each trail's cursor to it.
type Stream = stream.Source

// regionFile is one region's log file of a batch, being built.
type regionFile struct {
	region  string
	buf     bytes.Buffer
	zw      *gzip.Writer
	sum     hash.Hash // SHA-256 of the uncompressed file, for digests
	records int
	raw     int // uncompressed bytes
	oldest  string
	newest  string
}

func newRegionFile(region string) *regionFile {
	f := &regionFile{region: region, sum: sha256.New()}
	f.zw, _ = gzip.NewWriterLevel(&f.buf, gzip.DefaultCompression) // the level is valid
	return f
}

func (f *regionFile) add(m *event.Meta, rec []byte) error {
	sep := ","
	if f.records == 0 {
		sep = `{"Records":[`
	}
	if err := f.write([]byte(sep)); err != nil {
		return err
	}
	if err := f.write(rec); err != nil {
		return err
	}
	f.records++
	f.raw += len(sep) + len(rec)
	t := m.Time.Format(event.TimeFormat)
	if f.oldest == "" || t < f.oldest {
		f.oldest = t
	}
	if t > f.newest {
		f.newest = t
	}
	return nil
}

func (f *regionFile) write(b []byte) error {
	f.sum.Write(b)
	_, err := f.zw.Write(b)
	return err
}

// hash is the hex SHA-256 of the uncompressed file; valid after close.
func (f *regionFile) hash() string { return hex.EncodeToString(f.sum.Sum(nil)) }

func (f *regionFile) close() ([]byte, error) {
	if err := f.write([]byte("]}")); err != nil {
		return nil, err
	}
	if err := f.zw.Close(); err != nil {
		return nil, err
	}
	return f.buf.Bytes(), nil
}

// batch is the matching events of the stream range [first, last] for one
// trail, grouped into one log file per region.
type batch struct {
	first, last uint64
	files       map[string]*regionFile
	events      int
	raw         int
}

// regions returns the batch's regions in order.
func (b *batch) regions() []string {
	rs := make([]string, 0, len(b.files))
	for r := range b.files {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return rs
}

// filter is what decides whether a trail receives an event.
type filter struct {
	t       trail.Trail
	matcher *selector.Matcher
}

// wants reports whether the trail receives the event at seq.
func (f *filter) wants(seq uint64, m *event.Meta) bool {
	if !f.t.Logs(seq) || m.Account != f.t.Account || !f.t.ReceivesRegion(m.Region, m.Global) {
		return false
	}
	ev := selector.FromMeta(m)
	return f.matcher.Match(&ev)
}

// build reads the stream from `from` up to `until` (inclusive) and collects
// the events f wants, stopping early once the batch reaches maxEvents or
// maxBytes of records. It returns the batch; batch.last is the last seq
// examined (from-1 if none).
func build(s Stream, f *filter, from, until uint64, maxEvents, maxBytes int) (*batch, error) {
	b := &batch{first: from, last: from - 1, files: map[string]*regionFile{}}
	var e event.Entry
	for b.last < until && b.events < maxEvents && b.raw < maxBytes {
		prev := b.last
		next, err := s.Read(b.last+1, readChunk, 0, func(seq uint64, payload []byte) error {
			if seq > until || b.events >= maxEvents || b.raw >= maxBytes {
				return errStop
			}
			b.last = seq
			if !f.t.Logs(seq) {
				return nil
			}
			if err := e.UnmarshalBinary(payload); err != nil {
				return fmt.Errorf("decode event %d: %w", seq, err)
			}
			if !f.wants(seq, &e.Meta) {
				return nil
			}
			rf := b.files[e.Meta.Region]
			if rf == nil {
				rf = newRegionFile(e.Meta.Region)
				b.files[e.Meta.Region] = rf
			}
			n := rf.raw
			if err := rf.add(&e.Meta, e.Record); err != nil {
				return fmt.Errorf("compress event %d: %w", seq, err)
			}
			b.events++
			b.raw += rf.raw - n
			return nil
		})
		if err != nil && err != errStop {
			return nil, fmt.Errorf("read stream at %d: %w", next, err)
		}
		if err == nil && next-1 > b.last { // seqs the stream skipped (settle markers)
			b.last = min(next-1, until)
		}
		if err == errStop || b.last == prev { // limit reached, or nothing more settled
			break
		}
	}
	return b, nil
}

type stopError struct{}

func (stopError) Error() string { return "stop" }

var errStop error = stopError{}
