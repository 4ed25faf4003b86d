//go:build unix

package identity

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

const lockFile = "LOCK"

// lockDir takes an exclusive advisory lock on dir so that two processes
// never write the same store.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s (is another cairn using it?): %w", path, err)
	}
	return f, nil
}

func unlockDir(f *os.File) error { return f.Close() }
