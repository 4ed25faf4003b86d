// Package outboundtest has test helpers for outbound clients.
package outboundtest

import (
	"net"
	"sync"
	"testing"
)

// BlackHole listens on 127.0.0.1, accepts every connection and never reads
// from or writes to it: an endpoint that is up and never answers. It returns
// the listener's address; t.Cleanup closes the listener and the connections.
func BlackHole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
