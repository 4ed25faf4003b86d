package gateway

import (
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/cairn-audit/cairn/internal/api"
)

// spooledBody is a request body kept in an unlinked temporary file until it
// is forwarded: a body whose hash the client did not declare must be read
// whole (and its signature verified) before a byte of it goes upstream.
type spooledBody struct {
	f *os.File
	n int64
}

// spoolBody copies body to an unlinked file in SpoolDir, at most
// MaxSpooledBody bytes (else RequestEntityTooLarge).
func (g *Gateway) spoolBody(body io.Reader) (*spooledBody, error) {
	f, err := os.CreateTemp(g.opts.SpoolDir, "body-*")
	if err != nil {
		return nil, fmt.Errorf("gateway: spool the request body: %w", err)
	}
	_ = os.Remove(f.Name()) // unlinked: nothing is left behind, whatever happens
	n, err := io.Copy(f, io.LimitReader(body, g.opts.MaxSpooledBody+1))
	if err != nil {
		f.Close()
		return nil, &api.Error{Code: "IncompleteBody", Message: "Could not read the request body: " + err.Error()}
	}
	if n > g.opts.MaxSpooledBody {
		f.Close()
		return nil, &api.Error{Code: "RequestEntityTooLarge", Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("Cairn verifies a request body whose hash the request does not declare before forwarding it; this one exceeds %d bytes.", g.opts.MaxSpooledBody)}
	}
	return &spooledBody{f: f, n: n}, nil
}

// reader reads the spooled body from its start.
func (s *spooledBody) reader() io.Reader { return io.NewSectionReader(s.f, 0, s.n) }

// close releases the file (the transport may still hold a reader: it then
// fails, it does not crash).
func (s *spooledBody) close() {
	if s != nil {
		_ = s.f.Close()
	}
}
