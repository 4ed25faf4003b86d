package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// stderrOf runs fn with os.Stderr captured (FlagSets print their usage there).
func stderrOf(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	out := make(chan string)
	go func() { b, _ := io.ReadAll(r); out <- string(b) }()
	fn()
	os.Stderr = saved
	w.Close()
	return <-out
}

// `cairn <command> -h` prints the command's flags and is not an error
// (main exits 0 on flag.ErrHelp), and every default is printed once.
func TestHelpIsNotAnError(t *testing.T) {
	cmds := map[string]func() error{
		"serve":  func() error { return runServe([]string{"-h"}) },
		"env":    func() error { return runEnv([]string{"-h"}, io.Discard) },
		"lookup": func() error { return runLookup([]string{"-h"}, io.Discard) },
		"lake":   func() error { return runLakeAdmin([]string{"-h"}, io.Discard, io.Discard) },
	}
	for name, run := range cmds {
		var err error
		usage := stderrOf(t, func() { err = run() })
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s -h: %v, want flag.ErrHelp", name, err)
		}
		for _, line := range strings.Split(usage, "\n") {
			if strings.Count(line, "(default ") > 1 {
				t.Errorf("%s -h: a default printed twice: %q", name, line)
			}
		}
		if name == "serve" {
			for _, want := range []string{"usage: cairn serve", "(default 90d)", "(default 30d)"} {
				if !strings.Contains(usage, want) {
					t.Errorf("serve -h does not show %s", want)
				}
			}
		}
	}
}

func TestDaysDurationString(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{90 * 24 * time.Hour, "90d"}, {36 * time.Hour, "36h0m0s"}, {0, ""}} {
		if got := (daysDuration{&c.d}).String(); got != c.want {
			t.Errorf("%s: %q, want %q", c.d, got, c.want)
		}
	}
}
