package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state")
	for _, body := range []string{"one", "two, longer"} {
		if err := WriteFileAtomic(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != body {
			t.Fatalf("read %q %v, want %q", got, err, body)
		}
	}
	info, _ := os.Stat(p)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}
	if _, err := os.Stat(p + TempSuffix); !os.IsNotExist(err) {
		t.Fatalf("temp file left behind: %v", err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o600); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func TestLockDirExcludes(t *testing.T) {
	dir := t.TempDir()
	f, err := LockDir(dir, "LOCK", 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := LockDir(dir, "LOCK", 0o600); err == nil {
		g.Close()
		t.Fatal("second lock on the same directory succeeded")
	}
	f.Close()
	g, err := LockDir(dir, "LOCK", 0o600)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	g.Close()
}
