package server

import (
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/auth"
	"github.com/cairn-audit/cairn/internal/event"
)

// AuthFailed answers a request whose authentication failed (err, from the
// auth.Verifier) in svc's protocol and, for a known key, records it as the
// front door records its own failed authentications. The recording gateway
// refuses the requests it does not forward through it, so failed
// authentications have one path (internal/gateway, docs/GATEWAY.md).
func (s *Server) AuthFailed(w http.ResponseWriter, r *http.Request, body []byte, svc api.Service, scope auth.Scope, err error) {
	s.authFailed(w, r, body, event.NewID(), svc, scope, err)
}
