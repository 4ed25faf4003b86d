package e2e

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of the given size ("24m") at dir, creating dir
// if needed, for the disk-full tests. It is unmounted when the test ends,
// after everything registered later (the server that uses it) is cleaned up.
// The test is skipped when not run as root; as root, a failed mount fails it.
func mountTmpfs(t *testing.T, dir, size string) {
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
	t.Cleanup(func() { unmountTmpfs(t, dir) })
}

// unmountTmpfs unmounts dir, waiting (bounded) for processes that still have
// files open there to go; after 10 s it detaches the mount and fails the test.
func unmountTmpfs(t *testing.T, dir string) {
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
		time.Sleep(50 * time.Millisecond)
	}
}

// fillFile writes path until its file system is full (ENOSPC); any other
// write error fails the test.
func fillFile(t *testing.T, path string) {
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
