package lakeproc

import (
	"fmt"
	"syscall"
)

// setAddressLimit sets the process's RLIMIT_AS (soft and hard): past it,
// mmap and brk fail, so malloc returns NULL and C++ new throws bad_alloc.
func setAddressLimit(n int64) error {
	if n <= 0 {
		return nil
	}
	lim := syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
		return fmt.Errorf("lake engine: set RLIMIT_AS to %d bytes: %w", n, err)
	}
	return nil
}

// childAttr makes the child die with the parent (kill -9 of cairn must not
// leave an engine holding the Lake's file lock).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
