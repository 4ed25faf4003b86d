//go:build unix

package gateway

import (
	"fmt"
	"syscall"
)

// withBytes calls fn with the spooled body mapped into memory (file-backed
// pages, not heap), unmapping it after.
func (s *spooledBody) withBytes(fn func([]byte) error) error {
	if s.n == 0 {
		return fn(nil)
	}
	b, err := syscall.Mmap(int(s.f.Fd()), 0, int(s.n), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("gateway: map the spooled request body: %w", err)
	}
	defer func() { _ = syscall.Munmap(b) }()
	return fn(b)
}
