// Package fsutil holds the few file-system operations Cairn's durable state
// relies on: directory sync, atomic file replacement and the directory lock.
package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// TempSuffix names the temporary file WriteFileAtomic writes before renaming;
// a leftover one is a write a crash interrupted and may be removed.
const TempSuffix = ".tmp"

// SyncDir fsyncs a directory so that entries created, renamed or removed in
// it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("close dir %s: %w", dir, err)
	}
	return nil
}

// WriteFileAtomic replaces path with data: it writes path+TempSuffix with
// perm, fsyncs it, renames it over path and fsyncs the directory, so a crash
// leaves either the old file or the new one. Callers serialise writers of
// one path (the temp name is fixed).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + TempSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	fail := func(what string, err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("%s %s: %w", what, tmp, err)
	}
	if err := f.Chmod(perm); err != nil { // OpenFile's perm is masked by umask
		return fail("chmod", err)
	}
	if _, err := f.Write(data); err != nil {
		return fail("write", err)
	}
	if err := f.Sync(); err != nil {
		return fail("sync", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return SyncDir(filepath.Dir(path))
}
