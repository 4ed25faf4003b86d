package jsonstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// header is the part of the file every document has.
type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	// Applied lists the stream seqs of the last calls committed with
	// CommitAt (at most MaxApplied, ascending), written with the state they
	// produced; absent before the first.
	Applied []uint64 `json:"applied,omitempty"`
}

// Encode renders v, which must encode as a JSON object without "format" or
// "version" members, as a document file: the object with format and version
// in front, indented, ending in a newline. Store writes its state so; other
// files kept beside it (written by their own package) may use it too.
func Encode(format string, version int, v any) ([]byte, error) {
	return encode(header{Format: format, Version: version}, v)
}

func encode(h header, v any) ([]byte, error) {
	format := h.Format
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", format, err)
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("encode %s: %T does not encode as a JSON object", format, v)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode %s header: %w", format, err)
	}
	doc := head[:len(head)-1] // without its closing brace
	if rest := bytes.TrimSpace(body[1:]); len(rest) > 0 && rest[0] != '}' {
		doc = append(doc, ',')
	}
	doc = append(doc, body[1:]...)
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return nil, fmt.Errorf("encode %s: %w", format, err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// ReadFile reads the document dir/name (as Encode writes it) into v,
// refusing another format or version. A temp file left by an interrupted
// write is removed first. A missing file leaves v alone and reports false.
func ReadFile(dir, name, format string, version int, v any) (found bool, err error) {
	found, _, err = readFile(dir, name, format, version, v)
	return found, err
}

func readFile(dir, name, format string, version int, v any) (found bool, h header, err error) {
	found, err = readFileHeader(dir, name, format, version, v, &h)
	return found, h, err
}

func readFileHeader(dir, name, format string, version int, v any, hp *header) (found bool, err error) {
	path := filepath.Join(dir, name)
	if err := os.Remove(path + fsutil.TempSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("remove stale temp file: %w", err)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	h := hp
	if err := json.Unmarshal(b, h); err != nil {
		return true, fmt.Errorf("parse %s: %w", path, err)
	}
	if h.Format != format || h.Version != version {
		return true, fmt.Errorf("%s: format %q version %d, want %q version %d", path, h.Format, h.Version, format, version)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("parse %s: %w", path, err)
	}
	return true, nil
}

// load reads the state file into the empty state (Options.New), which is
// the state when the file is missing.
func (s *Store[S]) load() (*S, error) {
	st, err := s.empty()
	if err != nil {
		return nil, err
	}
	_, h, err := readFile(s.dir, s.opts.File, s.opts.Format, s.opts.Version, st)
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	s.applied = h.Applied
	if s.opts.Validate != nil {
		if err := s.opts.Validate(st); err != nil {
			return nil, fmt.Errorf("state %s: %w", filepath.Join(s.dir, s.opts.File), err)
		}
	}
	return st, nil
}

// empty returns the empty state: Options.New's, or the zero value.
func (s *Store[S]) empty() (*S, error) {
	if s.opts.New == nil {
		return new(S), nil
	}
	st, err := s.opts.New()
	if err != nil {
		return nil, fmt.Errorf("new state: %w", err)
	}
	return st, nil
}
