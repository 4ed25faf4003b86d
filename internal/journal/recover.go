package journal

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// recoveryBufferSize is the read buffer used to scan segments on Open.
const recoveryBufferSize = 1 << 20

// recover rebuilds the index from the segment files, truncates a torn tail
// off the last segment, and prepares the writer. Every segment is scanned
// and checksummed, so corruption is found at Open, not by a consumer later.
func (j *Journal) recover() error {
	firsts, err := listSegments(j.dir)
	if err != nil {
		return err
	}
	if len(firsts) == 0 {
		return j.createFirstSegment(j.opts.FirstSeq)
	}
	fr := newFrameReader(recoveryBufferSize)
	for i, first := range firsts {
		s := newSegment(j.dir, first)
		if i > 0 {
			if prev := j.segs[i-1]; prev.last+1 != first {
				return fmt.Errorf("%w: %s starts at seq %d but %s ends at seq %d",
					ErrCorrupt, s.path, first, prev.path, prev.last)
			}
		}
		isLast := i == len(firsts)-1
		flag := os.O_RDONLY
		if isLast {
			flag = os.O_RDWR
		}
		f, err := os.OpenFile(s.path, flag, 0)
		if err != nil {
			return fmt.Errorf("open segment: %w", err)
		}
		bad, err := j.scanSegment(f, s, fr)
		if err == nil && bad != nil && !isLast {
			err = bad
		}
		if err == nil && bad != nil {
			err = j.truncateTail(f, s, bad)
		}
		if err != nil {
			f.Close()
			return err
		}
		j.segs = append(j.segs, s)
		if !isLast {
			if err := f.Close(); err != nil {
				return fmt.Errorf("close segment %s: %w", s.path, err)
			}
			continue
		}
		j.startWriter(f, s)
	}
	if last := j.segs[0]; len(j.segs) == 1 && last.size == 0 && j.opts.FirstSeq > last.first {
		return j.moveEmptyStart(last, j.opts.FirstSeq)
	}
	return nil
}

// scanSegment reads every frame of f into s's index. It returns a non-nil
// bad (wrapping ErrCorrupt, naming the file and offset) at the first frame
// that is torn, fails its checksum or carries the wrong seq; s then
// describes the valid prefix before it. err is an I/O failure.
func (j *Journal) scanSegment(f *os.File, s *segment, fr *frameReader) (bad, err error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat segment: %w", err)
	}
	fr.reset(f, 0, fi.Size())
	var nextCk int64
	for {
		off := fr.pos
		seq, _, err := fr.next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			if isFrameError(err) {
				return fmt.Errorf("%w: %s at offset %d: %w", ErrCorrupt, s.path, off, err), nil
			}
			return nil, fmt.Errorf("read segment %s: %w", s.path, err)
		}
		if want := s.last + 1; seq != want {
			return fmt.Errorf("%w: %s at offset %d: seq %d, want %d", ErrCorrupt, s.path, off, seq, want), nil
		}
		if off >= nextCk {
			s.cks = append(s.cks, checkpoint{seq: seq, off: off})
			nextCk = off + j.opts.checkpointEvery
		}
		s.last, s.size = seq, fr.pos
	}
}

// truncateTail cuts the last segment back to its valid prefix. The entries
// cut were never acknowledged: an acknowledged entry was fdatasync'd and is
// followed only by frames written after it.
func (j *Journal) truncateTail(f *os.File, s *segment, why error) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat segment: %w", err)
	}
	if err := f.Truncate(s.size); err != nil {
		return fmt.Errorf("truncate torn tail of %s: %w", s.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s after truncating torn tail: %w", s.path, err)
	}
	j.opts.Logger.Warn("journal: truncated torn tail",
		"segment", s.path, "offset", s.size, "bytes", fi.Size()-s.size,
		"last_seq", s.last, "reason", why.Error())
	return nil
}

// createFirstSegment starts a journal that has no segment files. It also
// fsyncs the parent directory, in case Open just created dir.
func (j *Journal) createFirstSegment(first uint64) error {
	s := newSegment(j.dir, first)
	f, err := j.ops.create(s.path)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	for _, d := range []string{j.dir, filepath.Dir(j.dir)} {
		if err := j.ops.syncDir(d); err != nil {
			f.Close()
			return err
		}
	}
	j.segs = []*segment{s}
	j.startWriter(f, s)
	return nil
}

// moveEmptyStart renames the only, empty, segment so the journal starts at
// first. A rename is atomic, so a crash leaves either name, both valid.
func (j *Journal) moveEmptyStart(old *segment, first uint64) error {
	s := newSegment(j.dir, first)
	if err := os.Rename(old.path, s.path); err != nil {
		return fmt.Errorf("move journal start to seq %d: %w", first, err)
	}
	if err := j.ops.syncDir(j.dir); err != nil {
		return err
	}
	j.segs = []*segment{s}
	j.startWriter(j.w.f, s)
	return nil
}

// startWriter makes f (the open read-write handle of s) the active segment.
func (j *Journal) startWriter(f *os.File, s *segment) {
	j.w = writer{f: f, seg: s, size: s.size, next: s.last + 1, buf: j.w.buf}
	if n := len(s.cks); n > 0 {
		j.w.nextCk = s.cks[n-1].off + j.opts.checkpointEvery
	}
	j.durable.Store(s.last)
}
