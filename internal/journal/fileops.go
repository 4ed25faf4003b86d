package journal

import (
	"fmt"
	"os"
)

const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// fileOps are the file operations the writer depends on for durability. They
// are a seam for tests, which replace them (Options.ops) to provoke write,
// sync and truncate failures; production uses defaultFileOps.
type fileOps struct {
	write    func(f *os.File, b []byte, off int64) (int, error)
	datasync func(f *os.File) error // fdatasync where available
	truncate func(f *os.File, size int64) error
	create   func(path string) (*os.File, error)
	syncDir  func(dir string) error
}

func defaultFileOps() *fileOps {
	return &fileOps{
		write:    func(f *os.File, b []byte, off int64) (int, error) { return f.WriteAt(b, off) },
		datasync: datasync,
		truncate: func(f *os.File, size int64) error { return f.Truncate(size) },
		create: func(path string) (*os.File, error) {
			return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
		},
		syncDir: syncDir,
	}
}

// syncDir fsyncs a directory so that entries created or removed in it are
// durable.
func syncDir(dir string) error {
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
