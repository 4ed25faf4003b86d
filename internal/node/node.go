package node

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/gateway"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/s3api"
	"github.com/cairn-audit/cairn/internal/server"
	"github.com/cairn-audit/cairn/internal/trail"
)

// ShutdownTimeout bounds how long Run waits for in-flight calls once its
// context ends.
const ShutdownTimeout = 10 * time.Second

// Node is one running Cairn: built by New, served by Run, closed by Close.
type Node struct {
	cfg    Config
	b      *Backends
	logger *slog.Logger

	trails   *trail.Store
	channels *channel.Store
	lake     *lakeParts
	s3       *s3api.Service // nil with external S3

	indexer      *history.Indexer
	deliver      *delivery.Engine
	authFailures *server.AuthFailures
	gw           *gateway.Gateway // nil without upstreams
	front        *server.Server

	ln       net.Listener
	srv      *http.Server
	endpoint string

	closers []func() error
}

// New builds a node on b (which it does not close) with the resolved cfg,
// in data-flow order: state stores and the Lake, the stream's consumers,
// the services, the recorder (settling what a crash left unsettled), the
// front door and gateway; then it listens, so that Endpoint is known
// before Run. On error, what New opened is closed.
func New(ctx context.Context, cfg Config, b *Backends, logger *slog.Logger) (_ *Node, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	n := &Node{cfg: cfg, b: b, logger: logger}
	defer func() {
		if err != nil {
			err = errors.Join(err, n.Close())
		}
	}()
	if err := n.openState(ctx); err != nil {
		return nil, err
	}
	if err := n.openConsumers(ctx); err != nil {
		return nil, err
	}
	services, err := n.services()
	if err != nil {
		return nil, err
	}
	if err := n.frontDoor(ctx, services); err != nil {
		return nil, err
	}
	if err := n.listen(); err != nil {
		return nil, err
	}
	return n, nil
}

// Endpoint is the URL the node listens on (http(s)://host:port).
func (n *Node) Endpoint() string { return n.endpoint }

// Credentials are the root account's credentials.
func (n *Node) Credentials() identity.Credentials { return n.b.Root }

// Account is the root account's ID.
func (n *Node) Account() string { return n.b.Root.AccountID }

// Config is the node's resolved configuration.
func (n *Node) Config() Config { return n.cfg }

// Run starts the background work (consumers, retention, the gateway's
// spill, the Lake's queries and imports) and serves calls until ctx ends;
// then it shuts the listener down (ShutdownTimeout for in-flight calls)
// and stops the background work. Call it once.
func (n *Node) Run(ctx context.Context) error {
	if n.cfg.DebugListen != "" {
		dbg := &http.Server{Addr: n.cfg.DebugListen, Handler: pprofMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := dbg.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.logger.Error("debug listener failed", "err", err)
			}
		}()
		defer dbg.Close()
	}
	bg, cancelBG := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	n.runBackground(bg, &wg)
	errc := make(chan error, 1)
	go func() { errc <- n.srv.Serve(n.ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		n.logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		err = n.srv.Shutdown(sctx)
		cancel()
	}
	cancelBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// onClose registers fn to run at Close (newest first).
func (n *Node) onClose(fn func() error) { n.closers = append(n.closers, fn) }

// Close closes what New opened, newest first, and joins the errors. The
// backends stay open: their opener closes them after the node.
func (n *Node) Close() error {
	var errs []error
	for i := len(n.closers) - 1; i >= 0; i-- {
		errs = append(errs, n.closers[i]())
	}
	n.closers = nil
	return errors.Join(errs...)
}
