package e2e

import (
	"io"
	"net"
	"sync"
	"testing"
)

// blackHole is a TCP endpoint on 127.0.0.1 for outage tests. Swallowing, it
// accepts every connection and never answers (nor reads): a service that is
// up and stuck. Forwarding, it relays new connections to a target (e.g.
// moto_server). Switching to swallow also freezes the connections it was
// relaying: their upstream side is cut and the client side stays open,
// unanswered, as a stuck peer's would (so pooled keep-alive connections
// stall too, rather than failing fast).
type blackHole struct {
	t  testing.TB
	ln net.Listener

	mu       sync.Mutex
	target   string                // "" swallows
	held     []net.Conn            // client connections left unanswered
	relaying map[net.Conn]net.Conn // client -> upstream, while forwarding
	accepted int
}

// startBlackHole listens on a free loopback port, swallowing; t.Cleanup
// closes it and every connection.
func startBlackHole(t testing.TB) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackHole{t: t, ln: ln, relaying: map[net.Conn]net.Conn{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.accept(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, c := range b.held {
			c.Close()
		}
		for c, up := range b.relaying {
			c.Close()
			up.Close()
		}
	})
	return b
}

func (b *blackHole) endpoint() string { return "http://" + b.ln.Addr().String() }

// forward relays new connections to target (host:port).
func (b *blackHole) forward(target string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.target = target
}

// swallow makes the endpoint stuck: new connections are held unanswered and
// the relayed ones are frozen.
func (b *blackHole) swallow() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.target = ""
	for c, up := range b.relaying {
		delete(b.relaying, c)
		b.held = append(b.held, c)
		up.Close() // ends the relay goroutines; c stays open
	}
}

// swallowed is how many connections the endpoint has held unanswered.
func (b *blackHole) swallowed() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.held)
}

func (b *blackHole) accept(c net.Conn) {
	b.mu.Lock()
	b.accepted++
	target := b.target
	if target == "" {
		b.held = append(b.held, c)
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	up, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	b.mu.Lock()
	if b.target == "" { // swallowed meanwhile
		b.held = append(b.held, c)
		b.mu.Unlock()
		up.Close()
		return
	}
	b.relaying[c] = up
	b.mu.Unlock()
	go b.relay(c, up)
}

// relay copies both ways until either side ends; a frozen connection's
// client side is left open (it is held), any other is closed.
func (b *blackHole) relay(c, up net.Conn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(c, up)
	}()
	_, _ = io.Copy(up, c)
	up.Close()
	wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.relaying[c]; ok { // ended by a peer, not frozen
		delete(b.relaying, c)
		c.Close()
	}
}
