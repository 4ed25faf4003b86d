package anchor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// maxLine bounds one record line read back.
const maxLine = 64 << 10

// File is an append-only anchor file: one JSON Record per line, each
// written with a single O_APPEND write and fsync'd before Append returns.
// It protects against edits in the data directory, not against root on the
// host (who can rewrite the file); use a remote COMPLIANCE bucket for that.
type File struct {
	path string
	now  func() time.Time

	mu    sync.Mutex
	f     *os.File
	index map[recordID]Record
}

type recordID struct{ trail, region, key string }

func (r Record) id() recordID { return recordID{r.Trail, r.Region, r.Key} }

// OpenFile opens (creating it and its directory if needed) an anchor file.
func OpenFile(path string, opts Options) (*File, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("anchor file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("anchor file: %w", err)
	}
	a := &File{path: path, now: opts.Now, f: f, index: map[recordID]Record{}}
	recs, _, err := a.read(f, "")
	if err != nil {
		f.Close()
		return nil, err
	}
	for _, r := range recs {
		if _, ok := a.index[r.id()]; !ok {
			a.index[r.id()] = r
		}
	}
	return a, nil
}

// Describe implements Sink.
func (a *File) Describe() string { return "file://" + a.path }

// Append implements Sink.
func (a *File) Append(ctx context.Context, r Record) error {
	if err := r.check(); err != nil {
		return err
	}
	r.V = Version
	if r.AnchoredAt.IsZero() {
		r.AnchoredAt = a.now().UTC()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if old, ok := a.index[r.id()]; ok {
		if old.Same(r) {
			return nil
		}
		return fmt.Errorf("%w: %s %s", ErrConflict, a.Describe(), r.Key)
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	if _, err := a.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("anchor file %s: %w", a.path, err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("anchor file %s: sync: %w", a.path, err)
	}
	a.index[r.id()] = r
	return nil
}

// Records implements Sink: the file's records in order; a second, different
// record for the same digest, and unreadable lines, are problems.
func (a *File) Records(ctx context.Context, trailARN string) ([]Record, []string, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, nil, fmt.Errorf("anchor file: %w", err)
	}
	defer f.Close()
	return a.read(f, trailARN)
}

func (a *File) read(f *os.File, trailARN string) ([]Record, []string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("anchor file: %w", err)
	}
	var recs []Record
	var problems []string
	seen := map[recordID]Record{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil || r.check() != nil {
			problems = append(problems, fmt.Sprintf("%s line %d is not an anchor record", a.path, n))
			continue
		}
		if trailARN != "" && r.Trail != trailARN {
			continue
		}
		if old, ok := seen[r.id()]; ok {
			if !old.Same(r) {
				problems = append(problems, fmt.Sprintf("%s line %d anchors %s again, differently (the first record is kept)", a.path, n, r.Key))
			}
			continue
		}
		seen[r.id()] = r
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("anchor file %s: %w", a.path, err)
	}
	return recs, problems, nil
}

// Close implements Sink.
func (a *File) Close() error { return a.f.Close() }
