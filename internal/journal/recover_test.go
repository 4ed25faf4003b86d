package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeEntries creates a journal in dir holding n entries and returns them.
func writeEntries(t *testing.T, dir string, o Options, n int) []entry {
	t.Helper()
	j, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	var want []entry
	for i := range n {
		p := payloadFor(fmt.Sprintf("entry-%d", i), 40+i%3*20)
		want = append(want, entry{mustAppend(t, j, p), p})
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestTornTailRecovery(t *testing.T) {
	const n = 10
	// Frame boundaries of the last entry, computed from what was written.
	tests := []struct {
		name string
		// damage mutates the segment bytes; frames are the frame start
		// offsets plus the file end.
		damage    func(b []byte, frames []int) []byte
		wantCount int // entries that survive
	}{
		{"intact", func(b []byte, _ []int) []byte { return b }, n},
		{"cut inside last header", func(b []byte, f []int) []byte { return b[:f[n-1]+5] }, n - 1},
		{"cut inside last payload", func(b []byte, f []int) []byte { return b[:f[n]-1] }, n - 1},
		{"cut at frame boundary", func(b []byte, f []int) []byte { return b[:f[n-1]] }, n - 1},
		{"cut inside third frame", func(b []byte, f []int) []byte { return b[:f[2]+20] }, 2},
		{"flip payload byte of last frame", func(b []byte, f []int) []byte { b[f[n]-3] ^= 0x40; return b }, n - 1},
		{"flip crc of last frame", func(b []byte, f []int) []byte { b[f[n-1]+4] ^= 1; return b }, n - 1},
		{"flip length of last frame", func(b []byte, f []int) []byte { b[f[n-1]] ^= 0x10; return b }, n - 1},
		{"huge length in last frame", func(b []byte, f []int) []byte { copy(b[f[n-1]:], []byte{0xff, 0xff, 0xff, 0x7f}); return b }, n - 1},
		{"zeros after the end", func(b []byte, _ []int) []byte { return append(b, make([]byte, 4096)...) }, n},
		{"garbage after the end", func(b []byte, _ []int) []byte { return append(b, "not a frame at all, just junk"...) }, n},
		{"wrong seq with valid crc", func(b []byte, f []int) []byte {
			return appendFrame(b[:f[n-1]], n+5, []byte("misnumbered"))
		}, n - 1},
		{"duplicate last frame", func(b []byte, f []int) []byte { return append(b, b[f[n-1]:f[n]]...) }, n},
		{"first frame torn", func(b []byte, f []int) []byte { return b[:7] }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := testOptions()
			want := writeEntries(t, dir, o, n)
			path := filepath.Join(dir, segmentName(1))
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			frames := []int{0}
			for _, e := range want {
				frames = append(frames, frames[len(frames)-1]+frameSize(e.payload))
			}
			if frames[n] != len(orig) {
				t.Fatalf("frame ends %v do not match file size %d", frames, len(orig))
			}
			damaged := tc.damage(bytes.Clone(orig), frames)
			if err := os.WriteFile(path, damaged, 0o640); err != nil {
				t.Fatal(err)
			}

			j := mustOpen(t, dir, o)
			if d := j.Durable(); d != uint64(tc.wantCount) {
				t.Fatalf("Durable after recovery = %d, want %d", d, tc.wantCount)
			}
			if size := fileSize(t, path); size != int64(frames[tc.wantCount]) {
				t.Fatalf("segment size after recovery = %d, want %d (truncated to the valid prefix)", size, frames[tc.wantCount])
			}
			checkEntries(t, readAll(t, j, 1, 0), want[:tc.wantCount])
			p := []byte("after recovery")
			if seq := mustAppend(t, j, p); seq != uint64(tc.wantCount+1) {
				t.Fatalf("Append after recovery seq = %d, want %d", seq, tc.wantCount+1)
			}
			j.Close()
			j2 := mustOpen(t, dir, o)
			checkEntries(t, readAll(t, j2, 1, 0), append(want[:tc.wantCount:tc.wantCount], entry{uint64(tc.wantCount + 1), p}))
		})
	}
}

func TestTornTailOfLastSegmentOnly(t *testing.T) {
	// A torn tail in the last of several segments is truncated; an empty
	// last segment (crash right after rollover) is fine.
	dir := t.TempDir()
	o := smallSegmentOptions()
	j, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	want := fillSegments(t, j, 100)
	j.Close()
	files := segmentFiles(t, dir)
	last := files[len(files)-1]
	lastFirst, _ := parseSegmentName(filepath.Base(last))
	if err := os.Truncate(last, 0); err != nil {
		t.Fatal(err)
	}
	j2 := mustOpen(t, dir, o)
	if d := j2.Durable(); d != lastFirst-1 {
		t.Fatalf("Durable = %d, want %d", d, lastFirst-1)
	}
	checkEntries(t, readAll(t, j2, 1, 0), want[:lastFirst-1])
	if seq := mustAppend(t, j2, []byte("x")); seq != lastFirst {
		t.Fatalf("next seq = %d, want %d", seq, lastFirst)
	}
}

func TestCorruptionBeforeTailIsAnError(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, files []string) (file string, offset int64)
		inMsg  string
	}{
		{"flipped payload byte in first segment", func(t *testing.T, files []string) (string, int64) {
			b, _ := os.ReadFile(files[0])
			b[len(b)-1] ^= 0xff // last frame of a non-last segment
			os.WriteFile(files[0], b, 0o640)
			return files[0], lastFrameOffset(t, b)
		}, "checksum"},
		{"truncated middle segment", func(t *testing.T, files []string) (string, int64) {
			f := files[len(files)/2]
			size := fileSize(t, f)
			os.Truncate(f, size-3)
			b, _ := os.ReadFile(f)
			return f, lastFrameOffset(t, b)
		}, "short frame"},
		{"missing middle segment", func(t *testing.T, files []string) (string, int64) {
			os.Remove(files[2])
			return files[3], -1
		}, "starts at seq"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := smallSegmentOptions()
			j, err := Open(dir, o)
			if err != nil {
				t.Fatal(err)
			}
			fillSegments(t, j, 100)
			j.Close()
			files := segmentFiles(t, dir)
			if len(files) < 5 {
				t.Fatalf("%d segments", len(files))
			}
			file, off := tc.damage(t, files)
			_, err = Open(dir, o)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, file) || !strings.Contains(msg, tc.inMsg) {
				t.Fatalf("error %q does not name %s and %q", msg, file, tc.inMsg)
			}
			if off >= 0 && !strings.Contains(msg, fmt.Sprintf("offset %d", off)) {
				t.Fatalf("error %q does not give offset %d", msg, off)
			}
			// Nothing was changed on disk by the failed Open.
			if got := segmentFiles(t, dir); len(got) != len(files)-boolInt(tc.name == "missing middle segment") {
				t.Fatalf("Open changed the segment files: %v", got)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lastFrameOffset walks the frame lengths of b (ignoring checksums) and
// returns the start of the last frame that begins in b.
func lastFrameOffset(t *testing.T, b []byte) int64 {
	t.Helper()
	off, last := 0, -1
	for off+frameHeaderSize <= len(b) {
		last = off
		off += frameHeaderSize + int(uint32(b[off])|uint32(b[off+1])<<8|uint32(b[off+2])<<16|uint32(b[off+3])<<24)
	}
	if last < 0 {
		t.Fatal("no frame")
	}
	return int64(last)
}

// FuzzRecover opens arbitrary bytes as the only segment: Open must not
// panic, and must recover exactly the longest valid prefix of frames
// numbered 1, 2, 3, ... and nothing else.
func FuzzRecover(f *testing.F) {
	var valid []byte
	for i := range 5 {
		valid = appendFrame(valid, uint64(i+1), payloadFor(fmt.Sprint(i), 10*i))
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(valid[:20])
	f.Add(append(bytes.Clone(valid), 0, 0, 0, 0))
	f.Add(appendFrame(nil, 7, []byte("wrong seq")))
	f.Add(appendFrame(appendFrame(nil, 1, nil), 2, []byte{}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, segmentName(1))
		if err := os.WriteFile(path, data, 0o640); err != nil {
			t.Fatal(err)
		}
		j, err := Open(dir, testOptions())
		if err != nil {
			// A single segment is always the tail: recovery truncates,
			// it does not fail.
			t.Fatalf("Open: %v", err)
		}
		defer j.Close()
		// Independent reference parse of the valid prefix.
		var want []entry
		var prefix []byte
		for rest := data; len(rest) >= frameHeaderSize; {
			length := int(uint32(rest[0]) | uint32(rest[1])<<8 | uint32(rest[2])<<16 | uint32(rest[3])<<24)
			if length > MaxPayloadSize || frameHeaderSize+length > len(rest) {
				break
			}
			seq := uint64(len(want) + 1)
			frame := appendFrame(nil, seq, rest[frameHeaderSize:frameHeaderSize+length])
			if !bytes.Equal(frame, rest[:len(frame)]) {
				break
			}
			want = append(want, entry{seq, frame[frameHeaderSize:]})
			prefix = append(prefix, frame...)
			rest = rest[len(frame):]
		}
		if d := j.Durable(); d != uint64(len(want)) {
			t.Fatalf("Durable = %d, want %d", d, len(want))
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, prefix) {
			t.Fatalf("segment after recovery is %d bytes, want the %d-byte valid prefix", len(got), len(prefix))
		}
		checkEntries(t, readAll(t, j, 1, 0), want)
		if seq := mustAppend(t, j, []byte("next")); seq != uint64(len(want)+1) {
			t.Fatalf("Append after recovery = %d, want %d", seq, len(want)+1)
		}
	})
}
