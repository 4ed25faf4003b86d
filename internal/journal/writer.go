package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// request is one Append or AppendBatch waiting in a group.
type request struct {
	one   []byte   // the payload of an Append
	many  [][]byte // the payloads of an AppendBatch (one is nil)
	bytes int      // encoded frame bytes
	first uint64   // set by the writer: seq of the first payload
	err   error    // set by the writer
}

func (r *request) count() int {
	if r.many != nil {
		return len(r.many)
	}
	return 1
}

func (r *request) payload(i int) []byte {
	if r.many != nil {
		return r.many[i]
	}
	return r.one
}

// group is the unit of group commit: the requests that arrived while the
// writer was busy, committed with one write and one fdatasync per segment
// touched. done is closed once every request's first/err is set.
type group struct {
	reqs  []request
	bytes int
	done  chan struct{}
}

// writer is the state of the active segment, owned by the writer goroutine.
// Between commits everything up to size is durable.
type writer struct {
	f      *os.File
	seg    *segment
	size   int64  // durable bytes in the active segment
	next   uint64 // seq of the next entry
	nextCk int64  // offset from which the next frame gets a checkpoint
	buf    []byte // encoded frames of the chunk being committed
	cks    []checkpoint
}

// Append writes payload as the next entry and returns its seq once it is
// durable. The journal reads payload until then, so the caller must not
// modify it. If ctx ends first Append returns ctx.Err(), but the entry may
// still become durable (and be read by consumers): treat that as a failed,
// not an abandoned, append. If ctx has already ended, nothing is written.
func (j *Journal) Append(ctx context.Context, payload []byte) (uint64, error) {
	if len(payload) > MaxPayloadSize {
		return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	return j.submit(ctx, request{one: payload, bytes: frameSize(payload)})
}

// AppendBatch writes payloads as consecutive entries with a single
// durability wait and returns the seq of the first; payloads[i] gets
// first+i. The batch is all or nothing: durable together or failed together
// (barring a crash, after which a durable prefix of it may survive). Context
// and aliasing rules are those of Append.
func (j *Journal) AppendBatch(ctx context.Context, payloads [][]byte) (uint64, error) {
	if len(payloads) == 0 {
		return 0, errors.New("journal: AppendBatch with no payloads")
	}
	n := 0
	for _, p := range payloads {
		if len(p) > MaxPayloadSize {
			return 0, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(p))
		}
		n += frameSize(p)
	}
	return j.submit(ctx, request{many: payloads, bytes: n})
}

func (j *Journal) submit(ctx context.Context, r request) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	g, i, err := j.enqueue(r)
	if err != nil {
		return 0, err
	}
	if cancel := ctx.Done(); cancel != nil {
		select {
		case <-g.done:
		case <-cancel:
			return 0, ctx.Err()
		}
	} else {
		<-g.done
	}
	res := &g.reqs[i]
	return res.first, res.err
}

// enqueue adds r to the newest open group, or starts a new group if that one
// would exceed MaxBatchBytes.
func (j *Journal) enqueue(r request) (*group, int, error) {
	j.qmu.Lock()
	if j.qclosed {
		j.qmu.Unlock()
		return nil, 0, ErrClosed
	}
	if err := j.broken.Load(); err != nil {
		j.qmu.Unlock()
		return nil, 0, *err
	}
	var g *group
	if n := len(j.queue); n > 0 {
		g = j.queue[n-1]
		if g.bytes+r.bytes > j.opts.MaxBatchBytes {
			g = nil
		}
	}
	if g == nil {
		g = &group{done: make(chan struct{})}
		j.queue = append(j.queue, g)
	}
	g.reqs = append(g.reqs, r)
	g.bytes += r.bytes
	i := len(g.reqs) - 1
	j.qmu.Unlock()
	j.signal()
	return g, i, nil
}

func (j *Journal) signal() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the single writer goroutine: it commits groups in order until
// the journal is closed and the queue drained.
func (j *Journal) writeLoop() {
	defer close(j.done)
	for {
		j.qmu.Lock()
		for len(j.queue) == 0 {
			if j.qclosed {
				j.qmu.Unlock()
				return
			}
			j.qmu.Unlock()
			<-j.wake
			j.qmu.Lock()
		}
		g := j.queue[0]
		j.queue[0] = nil
		j.queue = j.queue[1:]
		j.qmu.Unlock()
		j.commit(g)
		close(g.done)
	}
}

// commit assigns seqs to g's requests and makes them durable. Requests are
// encoded into one buffer; when the next request does not fit in the active
// segment, the buffer is flushed (written and fdatasync'd) and the segment
// rolled. On failure the failing chunk and everything after it in g get the
// error; earlier chunks are already durable.
func (j *Journal) commit(g *group) {
	if err := j.broken.Load(); err != nil {
		failRequests(g.reqs, *err)
		return
	}
	w := &j.w
	w.buf, w.cks = w.buf[:0], w.cks[:0]
	chunk := 0 // index of the first request in w.buf
	seq := w.next
	nextCk := w.nextCk
	for i := range g.reqs {
		r := &g.reqs[i]
		pending := w.size + int64(len(w.buf))
		if pending > 0 && pending+int64(r.bytes) > j.opts.SegmentSize {
			if err := j.flush(seq-1, nextCk); err != nil {
				failRequests(g.reqs[chunk:], err)
				return
			}
			if err := j.roll(seq); err != nil {
				failRequests(g.reqs[i:], err)
				return
			}
			chunk, nextCk = i, w.nextCk
		}
		r.first = seq
		for k := range r.count() {
			p := r.payload(k)
			if off := w.size + int64(len(w.buf)); off >= nextCk {
				w.cks = append(w.cks, checkpoint{seq: seq, off: off})
				nextCk = off + j.opts.checkpointEvery
			}
			w.buf = appendFrame(w.buf, seq, p)
			seq++
		}
	}
	if err := j.flush(seq-1, nextCk); err != nil {
		failRequests(g.reqs[chunk:], err)
	}
	if cap(w.buf) > 2*j.opts.MaxBatchBytes {
		w.buf = nil // do not keep the buffer of one oversized batch
	}
}

func failRequests(reqs []request, err error) {
	for i := range reqs {
		reqs[i].first, reqs[i].err = 0, err
	}
}

// flush writes w.buf (entries up to last) at the end of the active segment,
// fdatasyncs it and publishes the entries. On failure it rolls the segment
// back to its durable size, or latches the journal broken if it cannot.
func (j *Journal) flush(last uint64, nextCk int64) error {
	w := &j.w
	if len(w.buf) == 0 {
		return nil
	}
	n, err := j.ops.write(w.f, w.buf, w.size)
	if err == nil && n != len(w.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		err = fmt.Errorf("journal: write %d bytes to %s at offset %d: %w", len(w.buf), w.seg.path, w.size, err)
	} else if err = j.ops.datasync(w.f); err != nil {
		err = fmt.Errorf("journal: fdatasync %s: %w", w.seg.path, err)
	}
	if err != nil {
		w.buf, w.cks = w.buf[:0], w.cks[:0]
		return j.rollback(err)
	}
	w.size += int64(len(w.buf))
	w.next, w.nextCk = last+1, nextCk
	entries := last - j.durable.Load()
	j.publish(w.seg, last, w.size, w.cks)
	j.commits.Add(1)
	j.entries.Add(entries)
	w.buf, w.cks = w.buf[:0], w.cks[:0]
	return nil
}

// rollback truncates the active segment to its durable size after a failed
// write or fdatasync, so the failed entries' seqs can be reused. If that
// fails the journal latches broken. It returns the error for the waiters.
func (j *Journal) rollback(cause error) error {
	w := &j.w
	err := j.ops.truncate(w.f, w.size)
	if err == nil {
		err = j.ops.datasync(w.f)
	}
	if err != nil {
		broken := fmt.Errorf("%w: rolling %s back to %d bytes: %w (after %w)", ErrBroken, w.seg.path, w.size, err, cause)
		j.broken.Store(&broken)
		return broken
	}
	return cause
}

// roll closes the (durable) active segment and starts a new one whose first
// entry is first. The new file is made durable in the directory before any
// entry is written to it.
func (j *Journal) roll(first uint64) error {
	s := newSegment(j.dir, first)
	f, err := j.ops.create(s.path)
	if err != nil {
		return fmt.Errorf("journal: create segment: %w", err)
	}
	if err := j.ops.syncDir(j.dir); err != nil {
		err = fmt.Errorf("journal: new segment %s: %w", s.path, err)
		f.Close()
		if rerr := os.Remove(s.path); rerr != nil {
			broken := fmt.Errorf("%w: removing unsynced segment: %w (after %w)", ErrBroken, rerr, err)
			j.broken.Store(&broken)
			return broken
		}
		return err
	}
	old := j.w.f
	j.w = writer{f: f, seg: s, next: first, buf: j.w.buf, cks: j.w.cks}
	j.mu.Lock()
	j.segs = append(j.segs, s)
	j.mu.Unlock()
	// The old segment was fdatasync'd by the flush before the roll and is
	// read through its own handles: closing it cannot lose data.
	_ = old.Close()
	return nil
}
