package historydb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"

	"github.com/cairn-audit/cairn/internal/event"
)

// A record log is a partition's append-only file of encoded entries (Meta
// and record bytes, event.Entry's binary form), one frame per row:
//
//	u32 payload length | u32 CRC-32C of payload | payload
//
// The events table keeps each row's frame offset and payload length, so a
// lookup reads exactly its rows with one pread each. DuckDB cannot: reading
// one row of a wide column decodes (and for uncompressed strings, pins
// every block of) its whole 2,048-row vector. Frames are written and synced
// before the transaction that references them commits; bytes past the last
// referenced frame are leftovers of a failed Apply and are cut at open.
type recordLog struct {
	f    *os.File
	path string
	size int64 // committed length; guarded by History.wmu
	// blocks: format 2, compressed blocks of rows (reclog_block.go).
	blocks bool
}

const (
	recordLogExt  = ".rec"
	recordsDir    = "records"
	frameHeader   = 8
	maxFrameBytes = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorruptRecord reports a frame that does not match its row.
var errCorruptRecord = errors.New("store: corrupt record log")

// openRecordLog opens the log at path; create makes a new, empty one,
// replacing any orphan left by an interrupted Expire.
func openRecordLog(path string, create, blocks bool) (*recordLog, error) {
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open record log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat record log: %w", err)
	}
	return &recordLog{f: f, path: path, size: fi.Size(), blocks: blocks}, nil
}

// appendFrame encodes e as a frame onto buf and returns the payload length.
func appendFrame(buf []byte, e *event.Entry) ([]byte, int, error) {
	payload, err := e.MarshalBinary()
	if err != nil {
		return buf, 0, err
	}
	if len(payload) > maxFrameBytes {
		return buf, 0, fmt.Errorf("entry seq %d: %d bytes", e.Seq, len(payload))
	}
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.LittleEndian.AppendUint32(buf, crc32.Checksum(payload, castagnoli))
	return append(buf, payload...), len(payload), nil
}

// writeAt writes frames at off, at or past the committed end.
func (l *recordLog) writeAt(frames []byte, off int64) error {
	if _, err := l.f.WriteAt(frames, off); err != nil {
		return fmt.Errorf("write %s: %w", l.path, err)
	}
	return nil
}

func (l *recordLog) sync() error {
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", l.path, err)
	}
	return nil
}

// truncate cuts the file back to n bytes.
func (l *recordLog) truncate(n int64) error {
	decoded.forget(l)
	if err := l.f.Truncate(n); err != nil {
		return fmt.Errorf("truncate %s: %w", l.path, err)
	}
	l.size = n
	return nil
}

// read returns the entry in the frame at off, whose payload is n bytes.
// In format 2, off names a block and a row in it (reclog_block.go).
func (l *recordLog) read(off int64, n int) (event.Entry, error) {
	if l.blocks {
		return l.readBlockEntry(off, n)
	}
	var e event.Entry
	buf := make([]byte, frameHeader+n)
	if _, err := l.f.ReadAt(buf, off); err != nil {
		return e, fmt.Errorf("read %s at %d: %w", l.path, off, err)
	}
	payload := buf[frameHeader:]
	if int(binary.LittleEndian.Uint32(buf)) != n || binary.LittleEndian.Uint32(buf[4:]) != crc32.Checksum(payload, castagnoli) {
		return e, fmt.Errorf("%w: %s at %d", errCorruptRecord, l.path, off)
	}
	if err := e.UnmarshalBinary(payload); err != nil {
		return e, fmt.Errorf("%w: %s at %d: %w", errCorruptRecord, l.path, off, err)
	}
	return e, nil
}

func (l *recordLog) close() error {
	decoded.forget(l)
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", l.path, err)
	}
	return nil
}
