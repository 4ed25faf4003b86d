//go:build !unix

package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// LockDir only creates the lock file where flock is unavailable.
func LockDir(dir, name string, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	return f, nil
}
