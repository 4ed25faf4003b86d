// Package tmpfstest holds what every disk-full test shares (the history
// store's, the Lake engine's and the end-to-end ones): a small tmpfs to
// mount, fill and unmount.
package tmpfstest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Mount mounts a tmpfs of size ("24m") at dir, creating dir if needed. It is
// unmounted when the test ends, after everything registered later (a server
// that uses it) is cleaned up. The test is skipped when not run as root; as
// root, a failed mount fails it.
func Mount(t testing.TB, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs at %s: %v: %s", dir, err, out)
	}
	t.Cleanup(func() { Unmount(t, dir) })
}

// MountTemp mounts a tmpfs of size on a new temporary directory and returns it.
func MountTemp(t testing.TB, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	Mount(t, dir, size)
	return dir
}

// Unmount unmounts dir, waiting (bounded) for processes that still have
// files open there to go; after 10 s it detaches the mount and fails the test.
func Unmount(t testing.TB, dir string) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := exec.Command("umount", dir).CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("umount %s: %v: %s", dir, err, out)
			_ = exec.Command("umount", "-l", dir).Run()
			return
		}
		time.Sleep(50 * time.Millisecond) // polling interval of a bounded wait
	}
}

// Fill writes path until its file system is full (ENOSPC); any other write
// error fails the test.
func Fill(t testing.TB, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

// FillDir fills dir's file system with a file named filler and returns its path.
func FillDir(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	Fill(t, p)
	return p
}
