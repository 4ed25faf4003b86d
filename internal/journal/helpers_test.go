package journal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// testOptions are small-scale options with a silent logger.
func testOptions() Options {
	o := DefaultOptions()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return o
}

func mustOpen(t testing.TB, dir string, o Options) *Journal {
	t.Helper()
	j, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// payloadFor is a deterministic payload of varying length for key.
func payloadFor(key string, n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s|", key)
	for b.Len() < n {
		b.WriteString(key)
	}
	return b.Bytes()[:max(n, len(key)+1)]
}

func mustAppend(t testing.TB, j *Journal, p []byte) uint64 {
	t.Helper()
	seq, err := j.Append(context.Background(), p)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return seq
}

type entry struct {
	seq     uint64
	payload []byte
}

// readAll reads every durable entry from seq from, in pages of pageEntries.
func readAll(t testing.TB, j *Journal, from uint64, pageEntries int) []entry {
	t.Helper()
	var out []entry
	next := from
	for {
		n, err := j.Read(next, pageEntries, 0, func(seq uint64, p []byte) error {
			out = append(out, entry{seq, bytes.Clone(p)})
			return nil
		})
		if err != nil {
			t.Fatalf("Read(%d): %v", next, err)
		}
		if n == next {
			return out
		}
		next = n
	}
}

func segmentFiles(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
