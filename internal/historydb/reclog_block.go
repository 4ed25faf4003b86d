package historydb

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/klauspost/compress/zstd"
)

// Format 2 record logs hold compressed blocks instead of one frame per row.
// A block is a frame like format 1's,
//
//	u32 payload length | u32 CRC-32C of payload | payload
//
// whose payload is one zstd frame; decompressed, it is a run of entries,
//
//	u32 entry length | entry (event.Entry binary form)
//
// A row's rec_off is the block's file offset << blockIndexBits | the row's
// index in the block, and rec_len the block's payload length, so a point
// fetch is still one pread (of the whole block) plus one decompression,
// and a block's end is (rec_off >> blockIndexBits) + 8 + rec_len, as a
// format 1 frame's is rec_off + 8 + rec_len.
const (
	blockIndexBits = 16
	maxBlockRows   = 1<<blockIndexBits - 1
	// blockTargetBytes closes a block once its uncompressed entries reach
	// it (docs/HISTORY-STORE.md has the measurement behind the size).
	blockTargetBytes = 64 << 10
	// blockCacheSize is how many decoded blocks are kept: a page's
	// entries are mostly neighbours, so one fetch reads a block for
	// several rows.
	blockCacheSize = 256
)

var (
	zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	zstdDec, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(64<<20))
)

// blockBuilder collects entries into the uncompressed form of a block.
type blockBuilder struct {
	raw  []byte
	rows int
}

// add appends e and returns its index in the block.
func (b *blockBuilder) add(e *event.Entry) (int, error) {
	payload, err := e.MarshalBinary()
	if err != nil {
		return 0, err
	}
	if len(payload) > maxFrameBytes {
		return 0, fmt.Errorf("entry seq %d: %d bytes", e.Seq, len(payload))
	}
	b.raw = binary.LittleEndian.AppendUint32(b.raw, uint32(len(payload)))
	b.raw = append(b.raw, payload...)
	b.rows++
	return b.rows - 1, nil
}

func (b *blockBuilder) full() bool {
	return len(b.raw) >= blockTargetBytes || b.rows >= maxBlockRows
}

// flush compresses the block onto frames as one frame, resets b and
// returns the payload length.
func (b *blockBuilder) flush(frames []byte) ([]byte, int) {
	start := len(frames)
	frames = append(frames, make([]byte, frameHeader)...)
	frames = zstdEnc.EncodeAll(b.raw, frames)
	payload := frames[start+frameHeader:]
	binary.LittleEndian.PutUint32(frames[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(frames[start+4:], crc32.Checksum(payload, castagnoli))
	b.raw, b.rows = b.raw[:0], 0
	return frames, len(payload)
}

// blockRef is the rec_off of row idx of the block at file offset off.
func blockRef(off int64, idx int) int64 { return off<<blockIndexBits | int64(idx) }

type blockKey struct {
	l   *recordLog
	off int64
}

// blockCache keeps the most recently decoded blocks (clock replacement).
type blockCache struct {
	mu    sync.Mutex
	idx   map[blockKey]int
	slots [blockCacheSize]struct {
		k    blockKey
		raw  []byte
		used bool
	}
	hand int
}

var decoded = &blockCache{idx: map[blockKey]int{}}

func (c *blockCache) get(k blockKey) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.idx[k]; ok {
		c.slots[i].used = true
		return c.slots[i].raw
	}
	return nil
}

func (c *blockCache) put(k blockKey, raw []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.idx[k]; ok {
		return
	}
	for c.slots[c.hand].used {
		c.slots[c.hand].used = false
		c.hand = (c.hand + 1) % blockCacheSize
	}
	s := &c.slots[c.hand]
	if s.raw != nil {
		delete(c.idx, s.k)
	}
	s.k, s.raw, s.used = k, raw, true
	c.idx[k] = c.hand
	c.hand = (c.hand + 1) % blockCacheSize
}

// forget drops l's blocks (a log that is cut or closed).
func (c *blockCache) forget(l *recordLog) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.slots {
		if s := &c.slots[i]; s.raw != nil && s.k.l == l {
			delete(c.idx, s.k)
			s.raw, s.used, s.k = nil, false, blockKey{}
		}
	}
}

// readBlockEntry returns row idx of the block whose frame is at off with an
// n-byte payload.
func (l *recordLog) readBlockEntry(ref int64, n int) (event.Entry, error) {
	var e event.Entry
	off, idx := ref>>blockIndexBits, int(ref&maxBlockRows)
	k := blockKey{l, off}
	raw := decoded.get(k)
	if raw == nil {
		buf := make([]byte, frameHeader+n)
		if _, err := l.f.ReadAt(buf, off); err != nil {
			return e, fmt.Errorf("read %s at %d: %w", l.path, off, err)
		}
		payload := buf[frameHeader:]
		if int(binary.LittleEndian.Uint32(buf)) != n || binary.LittleEndian.Uint32(buf[4:]) != crc32.Checksum(payload, castagnoli) {
			return e, fmt.Errorf("%w: %s at %d", errCorruptRecord, l.path, off)
		}
		var err error
		if raw, err = zstdDec.DecodeAll(payload, nil); err != nil {
			return e, fmt.Errorf("%w: %s at %d: %w", errCorruptRecord, l.path, off, err)
		}
		decoded.put(k, raw)
	}
	for i := 0; ; i++ {
		if len(raw) < 4 {
			return e, fmt.Errorf("%w: %s at %d: no row %d in block", errCorruptRecord, l.path, off, idx)
		}
		m := int(binary.LittleEndian.Uint32(raw))
		if m > len(raw)-4 {
			return e, fmt.Errorf("%w: %s at %d: row %d overruns block", errCorruptRecord, l.path, off, i)
		}
		if i == idx {
			if err := e.UnmarshalBinary(raw[4 : 4+m]); err != nil {
				return e, fmt.Errorf("%w: %s at %d row %d: %w", errCorruptRecord, l.path, off, idx, err)
			}
			return e, nil
		}
		raw = raw[4+m:]
	}
}
