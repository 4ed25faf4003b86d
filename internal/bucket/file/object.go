package file

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// An object file is the body followed by its metadata, so both are replaced
// by one rename:
//
//	body (size bytes) | meta JSON (n bytes) | n (uint32, big endian) | "CBO1"
//
// The metadata trails the body because the size and ETag are only known once
// the body has been streamed to disk; a reader finds it from the file's end.
const (
	footerMagic = "CBO1"
	footerLen   = 8
	maxMetaLen  = 1 << 20
)

// meta is an object's stored metadata.
type meta struct {
	Key          string            `json:"key"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag"`
	ContentType  string            `json:"contentType,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	LastModified time.Time         `json:"lastModified"`
	// Stage is the random ID of the write that stored the object, named by
	// the applied log's line for it (applied.go).
	Stage string `json:"stage,omitempty"`
}

func (m *meta) info() bucket.ObjectInfo {
	var md map[string]string
	if len(m.Metadata) > 0 {
		md = make(map[string]string, len(m.Metadata))
		for k, v := range m.Metadata {
			md[k] = v
		}
	}
	return bucket.ObjectInfo{
		Key: m.Key, Size: m.Size, ETag: m.ETag, LastModified: m.LastModified,
		ContentType: m.ContentType, Metadata: md,
	}
}

// writeMeta appends m and the footer to an object file holding the body.
func writeMeta(w io.Writer, m *meta) error {
	js, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode object metadata: %w", err)
	}
	if len(js) > maxMetaLen {
		return fmt.Errorf("object metadata is %d bytes, the limit is %d", len(js), maxMetaLen)
	}
	js = binary.BigEndian.AppendUint32(js, uint32(len(js)))
	js = append(js, footerMagic...)
	if _, err := w.Write(js); err != nil {
		return fmt.Errorf("write object metadata: %w", err)
	}
	return nil
}

// readMeta reads the metadata of the object file f and checks that it
// accounts for the whole file.
func readMeta(f *os.File) (*meta, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	total := st.Size()
	corrupt := func(why string) error {
		return fmt.Errorf("corrupt object file %s: %s", f.Name(), why)
	}
	if total < footerLen {
		return nil, corrupt("too short")
	}
	var foot [footerLen]byte
	if _, err := f.ReadAt(foot[:], total-footerLen); err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	if string(foot[4:]) != footerMagic {
		return nil, corrupt("bad footer magic")
	}
	n := int64(binary.BigEndian.Uint32(foot[:4]))
	if n > maxMetaLen || n > total-footerLen {
		return nil, corrupt("bad metadata length")
	}
	js := make([]byte, n)
	if _, err := f.ReadAt(js, total-footerLen-n); err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	m := new(meta)
	if err := json.Unmarshal(js, m); err != nil {
		return nil, corrupt(err.Error())
	}
	if m.Size != total-footerLen-n {
		return nil, corrupt(fmt.Sprintf("metadata says %d body bytes, file holds %d", m.Size, total-footerLen-n))
	}
	return m, nil
}

// readMetaPath opens, reads and closes one object file. The error satisfies
// os.IsNotExist if the file is gone.
func readMetaPath(path string) (*meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readMeta(f)
}

// objectReader is a Get's body: a section of the object file, which it closes.
type objectReader struct {
	*io.SectionReader
	f *os.File
}

func (r *objectReader) Close() error { return r.f.Close() }

// resolveRange turns rng into the offset and length to read from an object of
// size bytes, with HTTP semantics (RFC 9110 §14.1.1).
func resolveRange(rng *bucket.Range, size int64) (off, n int64, err error) {
	if rng == nil {
		return 0, size, nil
	}
	if rng.Suffix > 0 {
		n = min(rng.Suffix, size)
		return size - n, n, nil
	}
	switch {
	case rng.Suffix < 0 || rng.Start < 0:
		return 0, 0, fmt.Errorf("%w: negative range", bucket.ErrInvalidRange)
	case rng.End >= 0 && rng.End < rng.Start:
		return 0, 0, fmt.Errorf("%w: range end %d before start %d", bucket.ErrInvalidRange, rng.End, rng.Start)
	case rng.Start >= size:
		return 0, 0, fmt.Errorf("%w: range starts at %d, object is %d bytes", bucket.ErrInvalidRange, rng.Start, size)
	}
	end := size - 1
	if rng.End >= 0 && rng.End < end {
		end = rng.End
	}
	return rng.Start, end - rng.Start + 1, nil
}
