package journal

import (
	"github.com/cairn-audit/cairn/internal/fsutil"
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
		syncDir: fsutil.SyncDir,
	}
}
