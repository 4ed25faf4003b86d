package node

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// listen binds cfg.Listen (TLS with a certificate), builds the HTTP server
// on the front door, and writes the endpoint file clients read
// (`cairn env`).
func (n *Node) listen() error {
	cfg := n.cfg
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	n.onClose(func() error { ln.Close(); return nil }) // Serve closes it too
	scheme := "http"
	n.srv = &http.Server{Handler: n.front, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(n.logger.Handler(), slog.LevelWarn)}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		n.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, n.srv.TLSConfig)
		scheme = "https"
	}
	n.ln = ln
	n.endpoint = scheme + "://" + ln.Addr().String()
	return WriteFileAtomic(DataDir(cfg.DataDir).Endpoint(), []byte(n.endpoint+"\n"), 0o644)
}
