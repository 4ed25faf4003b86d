package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInsideDir(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	os.MkdirAll(filepath.Join(data, "keys"), 0o700)
	os.Symlink(data, filepath.Join(root, "link"))
	for _, tc := range []struct {
		path string
		want bool
	}{
		{filepath.Join(data, "kek"), true},
		{filepath.Join(data, "keys", "kek"), true},
		{filepath.Join(root, "link", "kek"), true}, // through a symlink
		{filepath.Join(data, "..", "data", "kek"), true},
		{filepath.Join(root, "kek"), false},
		{filepath.Join(root, "data2", "kek"), false},
	} {
		if got := insideDir(tc.path, data); got != tc.want {
			t.Errorf("insideDir(%s) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestKeyEncryptionKeySources(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	os.MkdirAll(data, 0o700)
	good := filepath.Join(root, "kek")
	os.WriteFile(good, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	bad := filepath.Join(root, "short")
	os.WriteFile(bad, []byte("abcd"), 0o600)
	inside := filepath.Join(data, "kek")
	os.WriteFile(inside, []byte(strings.Repeat("ab", 32)), 0o600)

	t.Setenv(kekEnv, "")
	if kek, _, err := (&digestFlags{}).keyEncryptionKey(data); err != nil || kek != nil {
		t.Fatalf("none: %x %v", kek, err)
	}
	if kek, from, err := (&digestFlags{kekFile: good}).keyEncryptionKey(data); err != nil || len(kek) != 32 || from != good {
		t.Fatalf("file: %x %q %v", kek, from, err)
	}
	if _, _, err := (&digestFlags{kekFile: bad}).keyEncryptionKey(data); err == nil {
		t.Fatal("a short KEK was accepted")
	}
	if _, _, err := (&digestFlags{kekFile: inside}).keyEncryptionKey(data); err == nil || !strings.Contains(err.Error(), "inside the data dir") {
		t.Fatalf("inside: %v", err)
	}
	t.Setenv(kekEnv, strings.Repeat("cd", 32))
	if kek, from, err := (&digestFlags{}).keyEncryptionKey(data); err != nil || len(kek) != 32 || from != "$"+kekEnv {
		t.Fatalf("env: %x %q %v", kek, from, err)
	}
	if os.Getenv(kekEnv) != "" {
		t.Error("the KEK stays in the environment")
	}
}
