//go:build !linux

package lakeproc

import "syscall"

// setAddressLimit: RLIMIT_AS is Linux's; elsewhere the child is unbounded.
func setAddressLimit(int64) error { return nil }

func childAttr() *syscall.SysProcAttr { return nil }
