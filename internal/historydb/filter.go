package historydb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"sync"
)

// Key filter parameters: 14 bits per key and 9 probes give a false-positive
// rate near 0.1% per segment; segments double in capacity as a partition
// grows, so a partition's filter stays within a few segments.
const (
	filterBitsPerKey    = 14
	filterProbes        = 9
	filterMinCapacity   = 1 << 12
	filterMaxCapacity   = 1 << 26
	filterFormatMagic   = "CKF1"
	filterCapacitySlack = 5 // new partitions start at 5/4 of the previous one's keys
)

// keyFilter is a scalable Bloom filter over the 64-bit keys present in one
// partition. It never forgets a key, so "not present" is exact; "present"
// may be a false positive, which costs one needless partition scan.
type keyFilter struct {
	mu   sync.RWMutex
	segs []filterSegment
	keys int // distinct keys added (as far as the filter can tell)
}

type filterSegment struct {
	capacity int
	count    int
	words    []uint64
}

func newKeyFilter(capacity int) *keyFilter {
	f := &keyFilter{}
	f.segs = append(f.segs, newFilterSegment(clampCapacity(capacity)))
	return f
}

func clampCapacity(n int) int {
	return min(max(n, filterMinCapacity), filterMaxCapacity)
}

func newFilterSegment(capacity int) filterSegment {
	nbits := capacity * filterBitsPerKey
	return filterSegment{capacity: capacity, words: make([]uint64, (nbits+63)/64)}
}

// mix64 is the splitmix64 finalizer; keys are FNV hashes, whose low bits
// are poorly mixed.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func probes(k int64) (h1, h2 uint64) {
	h1 = mix64(uint64(k))
	h2 = mix64(h1^0x9e3779b97f4a7c15) | 1
	return h1, h2
}

func (s *filterSegment) has(h1, h2 uint64) bool {
	nbits := uint64(len(s.words)) * 64
	x := h1
	for i := 0; i < filterProbes; i++ {
		b, _ := bits.Mul64(x, nbits)
		if s.words[b>>6]&(1<<(b&63)) == 0 {
			return false
		}
		x += h2
	}
	return true
}

func (s *filterSegment) set(h1, h2 uint64) {
	nbits := uint64(len(s.words)) * 64
	x := h1
	for i := 0; i < filterProbes; i++ {
		b, _ := bits.Mul64(x, nbits)
		s.words[b>>6] |= 1 << (b & 63)
		x += h2
	}
	s.count++
}

func (f *keyFilter) hasLocked(h1, h2 uint64) bool {
	for i := range f.segs {
		if f.segs[i].has(h1, h2) {
			return true
		}
	}
	return false
}

// mayContain reports whether k may have been added.
func (f *keyFilter) mayContain(k int64) bool {
	h1, h2 := probes(k)
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.hasLocked(h1, h2)
}

// add adds keys; keys the filter already (seemingly) holds are not counted,
// so repeated values do not fill it.
func (f *keyFilter) add(keys ...int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range keys {
		h1, h2 := probes(k)
		if f.hasLocked(h1, h2) {
			continue
		}
		last := &f.segs[len(f.segs)-1]
		if last.count >= last.capacity {
			f.segs = append(f.segs, newFilterSegment(clampCapacity(2*last.capacity)))
			last = &f.segs[len(f.segs)-1]
		}
		last.set(h1, h2)
		f.keys++
	}
}

// keyCount is the number of distinct keys added.
func (f *keyFilter) keyCount() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.keys
}

// sizeBytes is the filter's memory footprint.
func (f *keyFilter) sizeBytes() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n := 0
	for _, s := range f.segs {
		n += 8 * len(s.words)
	}
	return n
}

// MarshalBinary encodes the filter for the partitions catalog.
func (f *keyFilter) MarshalBinary() ([]byte, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n := len(filterFormatMagic) + binary.MaxVarintLen64
	for _, s := range f.segs {
		n += 2*binary.MaxVarintLen64 + 8*len(s.words)
	}
	b := make([]byte, 0, n)
	b = append(b, filterFormatMagic...)
	b = binary.AppendUvarint(b, uint64(len(f.segs)))
	for _, s := range f.segs {
		b = binary.AppendUvarint(b, uint64(s.capacity))
		b = binary.AppendUvarint(b, uint64(s.count))
		for _, w := range s.words {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	return b, nil
}

var errBadFilter = errors.New("store: corrupt key filter")

// unmarshalKeyFilter decodes a filter written by MarshalBinary.
func unmarshalKeyFilter(b []byte) (*keyFilter, error) {
	if len(b) < len(filterFormatMagic) || string(b[:len(filterFormatMagic)]) != filterFormatMagic {
		return nil, fmt.Errorf("%w: bad magic", errBadFilter)
	}
	b = b[len(filterFormatMagic):]
	uv := func() (int, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > filterMaxCapacity {
			return 0, fmt.Errorf("%w: bad varint", errBadFilter)
		}
		b = b[n:]
		return int(v), nil
	}
	nsegs, err := uv()
	if err != nil {
		return nil, err
	}
	if nsegs == 0 || nsegs > 64 {
		return nil, fmt.Errorf("%w: %d segments", errBadFilter, nsegs)
	}
	f := &keyFilter{}
	for i := 0; i < nsegs; i++ {
		capacity, err := uv()
		if err != nil {
			return nil, err
		}
		count, err := uv()
		if err != nil {
			return nil, err
		}
		if capacity < 1 {
			return nil, fmt.Errorf("%w: segment capacity %d", errBadFilter, capacity)
		}
		s := newFilterSegment(capacity)
		if len(b) < 8*len(s.words) {
			return nil, fmt.Errorf("%w: short segment", errBadFilter)
		}
		for j := range s.words {
			s.words[j] = binary.LittleEndian.Uint64(b[8*j:])
		}
		b = b[8*len(s.words):]
		s.count = count
		f.keys += count
		f.segs = append(f.segs, s)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errBadFilter, len(b))
	}
	return f, nil
}
