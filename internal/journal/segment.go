package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

const (
	segmentExt     = ".seg"
	segmentNameLen = 20 // digits of a zero-padded uint64
)

// segmentName is the file name of the segment whose first entry is seq.
func segmentName(first uint64) string {
	return fmt.Sprintf("%0*d%s", segmentNameLen, first, segmentExt)
}

// parseSegmentName returns the first seq encoded in a segment file name.
func parseSegmentName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentExt)
	if !ok || len(digits) != segmentNameLen {
		return 0, false
	}
	first, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || first == 0 {
		return 0, false
	}
	return first, true
}

// listSegments returns the first seqs of the segment files in dir, ascending.
// Files that are not named like segments are ignored.
func listSegments(dir string) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list journal dir %s: %w", dir, err)
	}
	var firsts []uint64
	for _, de := range des {
		if first, ok := parseSegmentName(de.Name()); ok && de.Type().IsRegular() {
			firsts = append(firsts, first)
		}
	}
	slices.Sort(firsts)
	return firsts, nil
}

// checkpoint is one point of a segment's sparse index: the frame of seq
// starts at byte off.
type checkpoint struct {
	seq uint64
	off int64
}

// segment is the in-memory index of one segment file. first and path are
// immutable; last, size and cks are guarded by Journal.mu and only ever
// describe durable entries.
type segment struct {
	first uint64
	path  string
	last  uint64 // last durable seq in the segment; first-1 when empty
	size  int64  // bytes of durable frames
	cks   []checkpoint

	// Read handle, shared by all readers and opened on first use.
	hmu     sync.Mutex
	rf      *os.File
	refs    int
	retired bool // trimmed or journal closed: close rf when refs drops to 0
}

func newSegment(dir string, first uint64) *segment {
	return &segment{first: first, path: filepath.Join(dir, segmentName(first)), last: first - 1}
}

func (s *segment) name() string { return filepath.Base(s.path) }

// locate returns the best known starting point for reading seq: the last
// checkpoint at or before it, or the segment start. Caller holds Journal.mu.
func (s *segment) locate(seq uint64) checkpoint {
	i, _ := slices.BinarySearchFunc(s.cks, seq, func(c checkpoint, seq uint64) int {
		switch {
		case c.seq < seq:
			return -1
		case c.seq > seq:
			return 1
		}
		return 0
	})
	// i is the first checkpoint with c.seq >= seq.
	if i < len(s.cks) && s.cks[i].seq == seq {
		return s.cks[i]
	}
	if i > 0 {
		return s.cks[i-1]
	}
	return checkpoint{seq: s.first}
}

// acquire returns the shared read handle, opening it if needed. Every
// successful acquire must be paired with release.
func (s *segment) acquire() (*os.File, error) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if s.retired {
		return nil, fmt.Errorf("segment %s: %w", s.name(), ErrTrimmed)
	}
	if s.rf == nil {
		f, err := os.Open(s.path)
		if errors.Is(err, fs.ErrNotExist) {
			// TrimBefore unlinked it between our index lookup and now.
			return nil, fmt.Errorf("segment %s: %w", s.name(), ErrTrimmed)
		}
		if err != nil {
			return nil, fmt.Errorf("open segment for reading: %w", err)
		}
		s.rf = f
	}
	s.refs++
	return s.rf, nil
}

func (s *segment) release() error {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.refs--
	return s.closeIfIdle()
}

// retire marks the segment as no longer readable; the read handle is closed
// now or when its last reader releases it.
func (s *segment) retire() error {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.retired = true
	return s.closeIfIdle()
}

func (s *segment) closeIfIdle() error {
	if !s.retired || s.refs > 0 || s.rf == nil {
		return nil
	}
	f := s.rf
	s.rf = nil
	if err := f.Close(); err != nil {
		return fmt.Errorf("close segment %s: %w", s.name(), err)
	}
	return nil
}
