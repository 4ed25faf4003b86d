package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Frame layout (little-endian), see docs/JOURNAL.md:
//
//	offset 0  uint32  payload length
//	offset 4  uint32  CRC-32C (Castagnoli) over bytes 8.. (seq + payload)
//	offset 8  uint64  sequence number
//	offset 16 []byte  payload
const frameHeaderSize = 16

// MaxPayloadSize is the largest payload one entry may carry. Recovery treats
// a larger length field as corruption.
const MaxPayloadSize = 16 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func frameCRC(seq uint64, payload []byte) uint32 {
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], seq)
	return crc32.Update(crc32.Update(0, castagnoli, s[:]), castagnoli, payload)
}

func frameSize(payload []byte) int { return frameHeaderSize + len(payload) }

// appendFrame appends the encoded frame for (seq, payload) to b.
func appendFrame(b []byte, seq uint64, payload []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	b = binary.LittleEndian.AppendUint32(b, frameCRC(seq, payload))
	b = binary.LittleEndian.AppendUint64(b, seq)
	return append(b, payload...)
}

// Reasons a frame is rejected. They are internal: callers see ErrCorrupt
// with the file and offset, or a truncated tail.
var (
	errShortFrame = errors.New("short frame")
	errBadLength  = errors.New("payload length over limit")
	errChecksum   = errors.New("checksum mismatch")
)

// frameReader reads consecutive frames from the region [pos, end) of a
// segment file through a reusable buffer.
type frameReader struct {
	r      io.ReaderAt
	pos    int64  // file offset of the next frame
	end    int64  // file offset where the readable region ends
	buf    []byte // buffered file bytes
	bufOff int64  // file offset of buf[0]
	fill   int    // bytes to read on the next refill; doubles up to cap(buf)
}

// minFill is the first read size after reset: a consumer following the tail
// usually needs little, a long scan quickly grows to the full buffer.
const minFill = 16 << 10

func newFrameReader(size int) *frameReader { return &frameReader{buf: make([]byte, 0, size)} }

func (fr *frameReader) reset(r io.ReaderAt, pos, end int64) {
	fr.r, fr.pos, fr.end, fr.buf, fr.bufOff, fr.fill = r, pos, end, fr.buf[:0], pos, minFill
}

// peek returns the n bytes at fr.pos, reading from the file as needed.
func (fr *frameReader) peek(n int) ([]byte, error) {
	start := fr.pos - fr.bufOff
	if start >= 0 && start+int64(n) <= int64(len(fr.buf)) {
		return fr.buf[start : start+int64(n)], nil
	}
	// Keep what is still unread, then fill up to capacity (or the region end).
	if start < 0 || start > int64(len(fr.buf)) {
		fr.buf, start = fr.buf[:0], 0
	}
	kept := copy(fr.buf[:cap(fr.buf)], fr.buf[start:])
	if n > cap(fr.buf) {
		nb := make([]byte, n)
		copy(nb, fr.buf[:kept])
		fr.buf = nb
	}
	fr.bufOff = fr.pos
	want := int64(max(n, kept+fr.fill))
	fr.fill = min(2*fr.fill, cap(fr.buf))
	if want > int64(cap(fr.buf)) {
		want = int64(cap(fr.buf))
	}
	if rest := fr.end - fr.bufOff; rest < want {
		want = rest
	}
	if want < int64(n) {
		return nil, errShortFrame
	}
	fr.buf = fr.buf[:want]
	got, err := fr.r.ReadAt(fr.buf[kept:], fr.bufOff+int64(kept))
	if kept+got < n {
		fr.buf = fr.buf[:kept+got]
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read at offset %d: %w", fr.bufOff+int64(kept), err)
	}
	fr.buf = fr.buf[:kept+got]
	return fr.buf[:n], nil
}

// next decodes the frame at fr.pos and advances past it. It returns io.EOF
// exactly at the region end; errShortFrame, errBadLength or errChecksum for
// a frame that is not valid; any other error is an I/O failure. The payload
// aliases the buffer and is valid until the next call.
func (fr *frameReader) next() (seq uint64, payload []byte, err error) {
	if fr.pos >= fr.end {
		return 0, nil, io.EOF
	}
	if fr.end-fr.pos < frameHeaderSize {
		return 0, nil, errShortFrame
	}
	h, err := fr.peek(frameHeaderSize)
	if err != nil {
		return 0, nil, err
	}
	length := binary.LittleEndian.Uint32(h[0:4])
	if length > MaxPayloadSize {
		return 0, nil, errBadLength
	}
	total := frameHeaderSize + int(length)
	if fr.end-fr.pos < int64(total) {
		return 0, nil, errShortFrame
	}
	f, err := fr.peek(total)
	if err != nil {
		return 0, nil, err
	}
	sum := binary.LittleEndian.Uint32(f[4:8])
	seq = binary.LittleEndian.Uint64(f[8:16])
	payload = f[frameHeaderSize:total:total]
	if frameCRC(seq, payload) != sum {
		return 0, nil, errChecksum
	}
	fr.pos += int64(total)
	return seq, payload, nil
}

// isFrameError reports whether err says the bytes are not a valid frame (as
// opposed to an I/O failure reading them).
func isFrameError(err error) bool {
	return errors.Is(err, errShortFrame) || errors.Is(err, errBadLength) || errors.Is(err, errChecksum)
}
