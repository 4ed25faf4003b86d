package lake

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

const (
	importDirPerm  = 0o700
	importFilePerm = 0o600
	importFileExt  = ".json"
)

// importRecord is an import's file: what the API shows, the prefixes it
// found and how far it got in each, and its failures.
type importRecord struct {
	Import Import `json:"import"`
	// Discovered is set once Prefixes lists every folder of the source
	// (the INITIALIZING phase is over).
	Discovered bool             `json:"discovered,omitempty"`
	Prefixes   []prefixProgress `json:"prefixes,omitempty"`
	Failures   []failureRecord  `json:"failures,omitempty"`
	// Seqs are the stream seqs of the last calls that changed the import
	// (StartImport, StopImport, restarts), written with the change
	// (Imports.Applied).
	Seqs []uint64 `json:"seqs,omitempty"`
}

// prefixProgress is how far an import got in one folder. Files are listed
// and queued in key order; those up to After, and those in DoneKeys, have
// been imported (or have failed and are in Failures).
type prefixProgress struct {
	Path     string   `json:"path"` // key prefix: a day folder, or deeper if the source URI is
	Done     bool     `json:"done,omitempty"`
	After    string   `json:"after,omitempty"`
	DoneKeys []string `json:"doneKeys,omitempty"` // done files after After, sorted
}

// failureRecord is a failure and what to retry when the import restarts:
// the file Key, the folder Prefix, or (neither) the whole run.
type failureRecord struct {
	ImportFailure
	Key    string `json:"key,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

// view is the import as the API shows it, statistics included. Callers
// hold Imports.mu.
func (r *importRecord) view() Import {
	v := r.Import
	v.Destinations = append([]string(nil), r.Import.Destinations...)
	v.Stats.PrefixesFound = int64(len(r.Prefixes))
	v.Stats.PrefixesCompleted = 0
	for _, p := range r.Prefixes {
		if p.Done {
			v.Stats.PrefixesCompleted++
		}
	}
	v.Stats.FailedEntries = 0
	for _, f := range r.Failures {
		if f.Status != FailureSucceeded {
			v.Stats.FailedEntries++
		}
	}
	return v
}

func (im *Imports) path(id string) string { return filepath.Join(im.opts.Dir, id+importFileExt) }

// load reads every import file of the directory and removes temp files a
// crash left behind.
func (im *Imports) load() error {
	entries, err := os.ReadDir(im.opts.Dir)
	if err != nil {
		return fmt.Errorf("read import dir: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(im.opts.Dir, name)
		switch {
		case strings.HasSuffix(name, fsutil.TempSuffix):
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("remove interrupted import write: %w", err)
			}
			im.opts.Logger.Info("removed an interrupted import progress write", "file", p)
		case strings.HasSuffix(name, importFileExt) && e.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("read import: %w", err)
			}
			st := &importState{}
			if err := json.Unmarshal(b, &st.rec); err != nil {
				return fmt.Errorf("import file %s: %w", p, err)
			}
			if id := strings.TrimSuffix(name, importFileExt); st.rec.Import.ID != id {
				return fmt.Errorf("import file %s holds import %q", p, st.rec.Import.ID)
			}
			im.imports[st.rec.Import.ID] = st
		}
	}
	return nil
}

// save writes the import's file with its current state.
func (im *Imports) save(st *importState) error {
	st.saveMu.Lock()
	defer st.saveMu.Unlock()
	im.mu.Lock()
	id, write := st.rec.Import.ID, im.write
	data, err := json.Marshal(&st.rec)
	im.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode import %s: %w", id, err)
	}
	if err := write(im.path(id), data); err != nil {
		return fmt.Errorf("save import %s: %w", id, err)
	}
	return nil
}

func writeImportFile(path string, data []byte) error {
	return fsutil.WriteFileAtomic(path, data, importFilePerm)
}
