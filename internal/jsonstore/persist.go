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

// header is the part of the file every store has.
type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// encode renders st as the file: its JSON object with format and version
// first, indented, ending in a newline.
func (s *Store[S]) encode(st *S) ([]byte, error) {
	body, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("encode state: %T does not encode as a JSON object", st)
	}
	head, err := json.Marshal(header{Format: s.opts.Format, Version: s.opts.Version})
	if err != nil {
		return nil, fmt.Errorf("encode state header: %w", err)
	}
	doc := head[:len(head)-1] // without its closing brace
	if rest := bytes.TrimSpace(body[1:]); len(rest) > 0 && rest[0] != '}' {
		doc = append(doc, ',')
	}
	doc = append(doc, body[1:]...)
	var out bytes.Buffer
	if err := json.Indent(&out, doc, "", "  "); err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// load reads the state file: the zero state when it is missing. A temp file
// left by an interrupted write is removed first.
func (s *Store[S]) load() (*S, error) {
	path := filepath.Join(s.dir, s.opts.File)
	if err := os.Remove(path + fsutil.TempSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove stale temp file: %w", err)
	}
	st := new(S)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read state: %w", err)
	default:
		var h header
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, fmt.Errorf("parse state %s: %w", path, err)
		}
		if h.Format != s.opts.Format || h.Version != s.opts.Version {
			return nil, fmt.Errorf("state %s: format %q version %d, want %q version %d", path, h.Format, h.Version, s.opts.Format, s.opts.Version)
		}
		if err := json.Unmarshal(b, st); err != nil {
			return nil, fmt.Errorf("parse state %s: %w", path, err)
		}
	}
	if s.opts.Validate != nil {
		if err := s.opts.Validate(st); err != nil {
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
	}
	return st, nil
}
