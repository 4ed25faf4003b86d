package gateway

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
)

// reply is the upstream's response on its way back: the head, the part of
// the body read to record the event (prefix), and the rest, still unread.
type reply struct {
	status int
	header http.Header
	prefix []byte
	rest   io.ReadCloser // nil when full
	full   bool          // prefix is the whole body
	length int64
	local  *api.Error // set when Cairn answers itself (the upstream did not)
}

// buffer reads up to max bytes of the body into prefix. An error is a body
// the upstream did not deliver (e.g. it stalled past the progress deadline).
func (rp *reply) buffer(max int64) error {
	b, err := io.ReadAll(io.LimitReader(rp.rest, max+1))
	rp.prefix = b
	if err == nil && int64(len(b)) <= max {
		rp.full = true
		rp.rest.Close()
		rp.rest = nil
	}
	return err
}

// body is the buffered body as it can be parsed (gzip undone), nil if it
// was not read whole.
func (rp *reply) body() []byte {
	if !rp.full {
		return nil
	}
	if strings.EqualFold(rp.header.Get("Content-Encoding"), "gzip") && len(rp.prefix) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(rp.prefix))
		if err != nil {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(zr, 4<<20))
		if err != nil {
			return nil
		}
		return b
	}
	return rp.prefix
}

func (rp *reply) close() {
	if rp.rest != nil {
		rp.rest.Close()
		rp.rest = nil
	}
}

// write sends the response to the client: the upstream's status, headers
// (less hop-by-hop ones) and body, streamed.
func (rp *reply) write(w http.ResponseWriter, log *slog.Logger) {
	defer rp.close()
	h := w.Header()
	for k, vs := range rp.header {
		h[k] = vs
	}
	for _, f := range rp.header.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			h.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopByHop {
		h.Del(name)
	}
	w.WriteHeader(rp.status)
	if len(rp.prefix) > 0 {
		if _, err := w.Write(rp.prefix); err != nil {
			return
		}
	}
	if rp.rest == nil {
		return
	}
	buf := make([]byte, 32<<10)
	if _, err := io.CopyBuffer(w, rp.rest, buf); err != nil {
		// The status is sent: all that is left is to cut the response short.
		log.Warn("upstream response not relayed in full", "err", err)
		panic(http.ErrAbortHandler)
	}
}

func isErrorStatus(status int) bool {
	return status >= 300 && status != http.StatusNotModified
}
