package journal

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

const (
	// readBufferSize is the pooled buffer each Read reads segments through.
	readBufferSize = 256 << 10
	// posCacheSize is how many recent read positions are remembered, enough
	// for one per consumer following the stream.
	posCacheSize = 16
)

var readerPool = sync.Pool{New: func() any { return newFrameReader(readBufferSize) }}

// Read calls fn for durable entries with seq >= from, in order, and returns
// the seq to read next. It stops after maxEntries entries or once about
// maxBytes of payload were delivered (at least one entry is; a limit <= 0 is
// no limit), or at the durable end. payload is only valid during fn. If fn
// fails, Read returns that error and the seq it failed on as next. Reading
// from before First() fails with ErrTrimmed; a frame that does not verify
// fails with ErrCorrupt.
func (j *Journal) Read(from uint64, maxEntries, maxBytes int, fn func(seq uint64, payload []byte) error) (uint64, error) {
	if j.closed.Load() {
		return from, ErrClosed
	}
	fr := readerPool.Get().(*frameReader)
	defer func() {
		if cap(fr.buf) <= 4*readBufferSize {
			fr.r = nil
			readerPool.Put(fr)
		}
	}()
	next, entries, bytes := from, 0, 0
	full := func() bool {
		return (maxEntries > 0 && entries >= maxEntries) || (maxBytes > 0 && bytes >= maxBytes)
	}
	for next <= j.durable.Load() && !full() {
		s, start, end, last, err := j.locate(next)
		if err != nil {
			return next, err
		}
		f, err := s.acquire()
		if err != nil {
			if j.closed.Load() {
				err = ErrClosed
			}
			return next, err
		}
		fr.reset(f, start.off, end)
		seq := start.seq
		var ferr error
		for seq <= last && !full() {
			off := fr.pos
			got, payload, err := fr.next()
			if err == nil && got != seq {
				err = fmt.Errorf("seq %d, want %d", got, seq)
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = errors.New("segment ends early")
				}
				ferr = fmt.Errorf("%w: %s at offset %d: %w", ErrCorrupt, s.path, off, err)
				break
			}
			seq++
			if got < next {
				continue // scanning forward from a checkpoint
			}
			if err := fn(got, payload); err != nil {
				j.pos.put(s, got, off)
				ferr = err
				break
			}
			next, entries, bytes = got+1, entries+1, bytes+len(payload)
		}
		if ferr == nil {
			// Also at the end of the active segment: the next entry will
			// be appended right there.
			j.pos.put(s, next, fr.pos)
		}
		rerr := s.release()
		if ferr != nil {
			return next, ferr
		}
		if rerr != nil {
			return next, rerr
		}
	}
	return next, nil
}

// locate finds the segment holding seq (which must be durable) and the
// closest known frame at or before it, plus the segment's durable extent.
func (j *Journal) locate(seq uint64) (s *segment, start checkpoint, end int64, last uint64, err error) {
	j.mu.RLock()
	defer j.mu.RUnlock()
	if seq < j.segs[0].first {
		return nil, start, 0, 0, fmt.Errorf("%w: seq %d, oldest is %d", ErrTrimmed, seq, j.segs[0].first)
	}
	i := sort.Search(len(j.segs), func(i int) bool { return j.segs[i].first > seq }) - 1
	s = j.segs[i]
	start = s.locate(seq)
	if p, ok := j.pos.get(s, seq); ok && p.seq > start.seq {
		start = p
	}
	return s, start, s.size, s.last, nil
}

// posCache remembers where recent Reads stopped, so a consumer following
// the stream resumes at the exact frame instead of scanning from a
// checkpoint.
type posCache struct {
	mu      sync.Mutex
	entries [posCacheSize]posEntry
	next    int
}

type posEntry struct {
	s  *segment
	at checkpoint
}

func (c *posCache) get(s *segment, seq uint64) (checkpoint, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		if e.s == s && e.at.seq == seq {
			return e.at, true
		}
	}
	return checkpoint{}, false
}

func (c *posCache) put(s *segment, seq uint64, off int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, e := range c.entries {
		if e.s == s && e.at.seq == seq {
			c.entries[i].at.off = off
			return
		}
	}
	c.entries[c.next] = posEntry{s: s, at: checkpoint{seq: seq, off: off}}
	c.next = (c.next + 1) % posCacheSize
}
