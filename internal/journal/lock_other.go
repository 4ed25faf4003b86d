//go:build !unix

package journal

import (
	"fmt"
	"os"
	"path/filepath"
)

const lockFileName = "journal.lock"

// lockDir only creates the lock file where flock is unavailable.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	return f, nil
}
