package lakeproc

import (
	"bufio"
	"context"
	"encoding/gob"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

// child is one engine process, as the parent sees it.
type child struct {
	opts  Options
	cmd   *exec.Cmd
	conn  net.Conn
	encMu sync.Mutex
	enc   *gob.Encoder
	mu    sync.Mutex
	calls map[uint64]chan response
	// killed is why the parent killed the child ("" if it did not).
	killed string
	// waitErr is the process's exit, set before dead is closed.
	waitErr error
	// readDone is closed when the socket has ended; dead when the process
	// has exited and everything it sent was handed to its calls.
	readDone chan struct{}
	dead     chan struct{}
}

// spawn starts a child and waits until its Lake is open.
func spawn(opts Options) (*child, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		return nil, fmt.Errorf("lake engine: socketpair: %w", err)
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	mine, theirs := os.NewFile(uintptr(fds[0]), "lake-engine"), os.NewFile(uintptr(fds[1]), "lake-engine-child")
	conn, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		theirs.Close()
		return nil, fmt.Errorf("lake engine: socket: %w", err)
	}
	cmd := exec.Command(opts.Command[0], append(append([]string{}, opts.Command[1:]...), ChildCommand)...)
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.Stderr = os.Stderr
	cmd.Env = append(childEnv(os.Environ()), fmt.Sprintf("MALLOC_ARENA_MAX=%d", DefaultMallocArenas))
	cmd.SysProcAttr = childAttr()
	err = cmd.Start()
	theirs.Close() // the child's copy only: its exit ends the socket
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("lake engine: start %s: %w", opts.Command[0], err)
	}
	c := &child{opts: opts, cmd: cmd, conn: conn, enc: gob.NewEncoder(conn), calls: map[uint64]chan response{},
		readDone: make(chan struct{}), dead: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		<-c.readDone
		close(c.dead)
	}()
	ready := make(chan response, 1)
	go c.read(ready)
	cfg := config{Dir: opts.Lake.Dir, MemoryLimit: opts.Lake.MemoryLimit, Threads: opts.Lake.Threads,
		MaxResultBytes: opts.Lake.MaxResultBytes, QueryConns: opts.Lake.QueryConns, AddressBudget: opts.addressBudget()}
	cfg.LogLevel, cfg.Silent = logLevel(opts.Logger)
	err = c.sendConfig(cfg)
	if err != nil {
		c.kill("")
		<-c.dead
		return nil, fmt.Errorf("lake engine: send config: %w", err)
	}
	timer := time.NewTimer(opts.StartTimeout)
	defer timer.Stop()
	select {
	case r := <-ready:
		if err := r.Err.err(); err != nil {
			<-c.dead
			return nil, err
		}
		return c, nil
	case <-c.dead:
		return nil, fmt.Errorf("lake engine: the process ended while opening the Lake: %v", c.waitErr)
	case <-timer.C:
		c.kill("")
		<-c.dead
		return nil, fmt.Errorf("lake engine: the Lake did not open within %s", opts.StartTimeout)
	}
}

func (c *child) sendConfig(cfg config) error {
	c.encMu.Lock()
	defer c.encMu.Unlock()
	return c.enc.Encode(&cfg)
}

// childEnv is the parent's environment without its credentials and
// settings (CAIRN_*, AWS_*): the engine needs none of them.
func childEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CAIRN_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "MALLOC_ARENA_MAX=") {
			out = append(out, kv)
		}
	}
	return out
}

// logLevel is the lowest level logger enables (silent: none): the child
// logs like its parent.
func logLevel(logger *slog.Logger) (slog.Level, bool) {
	for _, l := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError} {
		if logger.Enabled(context.Background(), l) {
			return l, false
		}
	}
	return 0, true
}

// read hands each response to its call until the socket ends.
func (c *child) read(ready chan<- response) {
	defer close(c.readDone)
	defer c.conn.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(c.conn, 1<<20))
	for {
		var r response
		if err := dec.Decode(&r); err != nil {
			c.kill("") // a broken socket: the child is of no more use
			return
		}
		if r.ID == 0 {
			ready <- r
			continue
		}
		c.mu.Lock()
		ch := c.calls[r.ID]
		c.mu.Unlock()
		if ch == nil {
			continue // the answer of a call given up
		}
		select {
		case ch <- r:
		default: // more in flight than the protocol allows
			c.kill("the engine broke the protocol")
			return
		}
	}
}

func (c *child) register(id uint64) <-chan response {
	ch := make(chan response, 4) // columns, one batch, final
	c.mu.Lock()
	c.calls[id] = ch
	c.mu.Unlock()
	return ch
}

func (c *child) unregister(id uint64) {
	c.mu.Lock()
	delete(c.calls, id)
	c.mu.Unlock()
}

func (c *child) send(r *request) error {
	c.encMu.Lock()
	defer c.encMu.Unlock()
	if c.isDead() {
		return c.goneErr()
	}
	if err := c.enc.Encode(r); err != nil {
		c.kill("") // a broken socket: the child is of no more use
		return c.goneErr()
	}
	return nil
}

func (c *child) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// kill kills the process; reason, if set and the first given, is why.
func (c *child) kill(reason string) {
	c.mu.Lock()
	if c.killed == "" {
		c.killed = reason
	}
	c.mu.Unlock()
	_ = c.cmd.Process.Kill()
}

// goneReason says why the process ended (once dead is closed).
func (c *child) goneReason() string {
	c.mu.Lock()
	killed := c.killed
	c.mu.Unlock()
	if killed != "" {
		return "killed: " + killed
	}
	return fmt.Sprintf("%v", c.waitErr)
}

// goneErr is the error of calls in flight when the process ended.
func (c *child) goneErr() error {
	<-c.dead
	c.mu.Lock()
	killed := c.killed
	c.mu.Unlock()
	if killed != "" {
		return &goneError{msg: "The Lake engine was restarted because " + killed + ".",
			kinds: []error{lake.ErrEngineRestarted, errChildGone}}
	}
	return &goneError{msg: fmt.Sprintf("The statement exceeded the Lake's memory limit (%s plus a margin of %d MiB): the Lake engine process ended (%v) and was restarted.",
		c.opts.Lake.MemoryLimit, c.opts.Margin>>20, c.waitErr), kinds: []error{lake.ErrQueryLimit, lake.ErrEngineRestarted, errChildGone}}
}

// goneError is a call's error when its process ended.
type goneError struct {
	msg   string
	kinds []error
}

func (e *goneError) Error() string   { return e.msg }
func (e *goneError) Unwrap() []error { return e.kinds }

// close asks the child to close its Lake and exit, waiting up to timeout.
func (c *child) close(timeout time.Duration) error {
	ch := c.register(^uint64(0))
	if err := c.send(&request{ID: ^uint64(0), Op: opClose}); err != nil {
		return err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case r := <-ch:
		err = r.Err.err()
	case <-c.dead:
		select {
		case r := <-ch:
			return r.Err.err()
		default:
		}
		return fmt.Errorf("lake engine: ended while closing: %v", c.waitErr)
	case <-timer.C:
		c.kill("it did not close in time")
		<-c.dead
		return fmt.Errorf("lake engine: did not close within %s", timeout)
	}
	select {
	case <-c.dead:
	case <-timer.C:
		c.kill("it did not exit after closing")
		<-c.dead
	}
	return err
}
