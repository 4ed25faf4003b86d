package server

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"runtime/debug"
	"strings"
)

// Paths the front door answers itself, for people and load balancers, when
// a GET or HEAD carries no signature, no query and no X-Amz-Target: such a
// request could only ever be refused by a service (every service call is
// signed), so these never shadow one. A signed GET /healthz is still S3's
// ListObjects of a bucket named healthz.
const (
	HealthPath = "/healthz" // liveness: the process serves HTTP
	ReadyPath  = "/readyz"  // readiness: the process can record calls
)

// home answers the unsigned GET / (a short page or JSON naming the service),
// GET /healthz and GET /readyz; it reports whether it answered.
func (s *Server) home(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.URL.RawQuery != "" ||
		r.Header.Get("Authorization") != "" || r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	switch r.URL.Path {
	case "/":
		s.landing(w, r)
	case HealthPath:
		plain(w, http.StatusOK, "ok")
	case ReadyPath:
		if err := s.ready(); err != nil {
			plain(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return true
		}
		plain(w, http.StatusOK, "ready")
	default:
		return false
	}
	return true
}

// ready is nil when calls can be recorded: no call outcome marker is
// waiting for a retry (the journal refused an append and has not taken it
// since) and Options.Ready, if set, reports no error.
func (s *Server) ready() error {
	if n := s.opts.Recorder.Owed(); n > 0 {
		return fmt.Errorf("the journal is not taking appends (%d call outcomes waiting to be recorded)", n)
	}
	if s.opts.Ready != nil {
		return s.opts.Ready()
	}
	return nil
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, msg)
}

// landing names the service and version: HTML for a browser, JSON otherwise.
func (s *Server) landing(w http.ResponseWriter, r *http.Request) {
	version := s.opts.Version
	if version == "" {
		version = buildVersion()
	}
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		b, _ := json.Marshal(map[string]string{"service": "cairn", "version": version, "health": HealthPath, "ready": ReadyPath})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(append(b, '\n'))
		return
	}
	endpoint := "http://" + r.Host
	if r.TLS != nil {
		endpoint = "https://" + r.Host
	}
	e := html.EscapeString(endpoint)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, `<!doctype html>
<html><head><meta charset="utf-8"><title>Cairn</title></head>
<body>
<h1>Cairn %s</h1>
<p>A self-hosted audit trail service that speaks the AWS CloudTrail API. This
endpoint serves AWS clients (SigV4-signed calls), not browsers.</p>
<p>Point the aws CLI, boto3 or an AWS SDK at it (the credentials are in the
data directory; <code>cairn env</code> prints these lines):</p>
<pre>export AWS_ENDPOINT_URL=%s
aws cloudtrail lookup-events --max-results 5</pre>
<p>Health: <a href="%s">%s</a> (liveness), <a href="%s">%s</a> (readiness).</p>
</body></html>
`, html.EscapeString(version), e, HealthPath, HealthPath, ReadyPath, ReadyPath)
}

// buildVersion is the main module's version, or the VCS revision of a
// development build.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.revision":
			rev = st.Value
		case "vcs.modified":
			dirty = st.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}
