package journal

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

const crashDirEnv = "CAIRN_JOURNAL_CRASH_DIR"

func crashPayload(round, g, i int) []byte {
	return payloadFor(fmt.Sprintf("r%d-g%d-i%d", round, g, i), 50+(g*131+i*17)%700)
}

func crashOptions() Options {
	o := testOptions()
	o.SegmentSize = 256 << 10 // roll often, so kills also land near rollovers
	return o
}

// TestCrashChild is the child side of TestCrashRecovery: it appends from
// many goroutines and prints every acknowledged seq until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestCrashRecovery only")
	}
	var round int
	fmt.Sscan(os.Getenv(crashDirEnv+"_ROUND"), &round)
	j, err := Open(dir, crashOptions())
	if err != nil {
		fmt.Printf("ERR open: %v\n", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	ack := func(seq uint64, g, i int) {
		line := fmt.Appendf(nil, "ACK %d %d %d\n", seq, g, i)
		mu.Lock()
		os.Stdout.Write(line)
		mu.Unlock()
	}
	deadline := time.Now().Add(30 * time.Second) // the parent kills long before
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i += 2 {
				if i%10 == 0 {
					batch := [][]byte{crashPayload(round, g, i), crashPayload(round, g, i+1)}
					first, err := j.AppendBatch(context.Background(), batch)
					if err != nil {
						fmt.Printf("ERR append: %v\n", err)
						os.Exit(2)
					}
					ack(first, g, i)
					ack(first+1, g, i+1)
					continue
				}
				for k := range 2 {
					seq, err := j.Append(context.Background(), crashPayload(round, g, i+k))
					if err != nil {
						fmt.Printf("ERR append: %v\n", err)
						os.Exit(2)
					}
					ack(seq, g, i+k)
				}
			}
		})
	}
	wg.Wait()
	os.Exit(3)
}

// TestCrashRecovery kills a child that is appending with SIGKILL, reopens
// the journal and checks every acknowledged entry is there, byte for byte.
// Each round continues the same journal after recovering it.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in child")
	}
	dir := t.TempDir()
	type key struct{ round, g, i int }
	acked := map[uint64]key{}
	for round, killAfter := range []int{500, 3000, 7000, 1} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, fmt.Sprintf("%s_ROUND=%d", crashDirEnv, round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		killed := false
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "ERR") {
				t.Fatalf("child: %s", line)
			}
			var seq uint64
			var g, i int
			if _, err := fmt.Sscanf(line, "ACK %d %d %d", &seq, &g, &i); err != nil {
				continue // test framework output
			}
			if prev, dup := acked[seq]; dup {
				t.Fatalf("seq %d acknowledged twice: %v and %v", seq, prev, key{round, g, i})
			}
			acked[seq] = key{round, g, i}
			if n++; n == killAfter && !killed {
				if err := cmd.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("child exited before it was killed: %v\n%s", err, stderr.String())
		}

		j, err := Open(dir, crashOptions())
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		d := j.Durable()
		seen := 0
		next, err := j.Read(1, 0, 0, func(seq uint64, p []byte) error {
			if k, ok := acked[seq]; ok {
				seen++
				if want := crashPayload(k.round, k.g, k.i); !bytes.Equal(p, want) {
					return fmt.Errorf("seq %d payload %.30q, want %.30q", seq, p, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if next != d+1 {
			t.Fatalf("round %d: read up to %d, Durable %d", round, next-1, d)
		}
		if seen != len(acked) {
			for seq := range acked {
				if seq > d {
					t.Fatalf("round %d: acknowledged seq %d lost (Durable %d)", round, seq, d)
				}
			}
			t.Fatalf("round %d: %d of %d acknowledged seqs found", round, seen, len(acked))
		}
		t.Logf("round %d: read %d acks (kill after the %d-th); %d acknowledged in total, %d durable after recovery, %d segments",
			round, n, killAfter, len(acked), d, len(segmentFiles(t, dir)))
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
