// Command latencyproxy forwards HTTP requests to a target after a fixed
// delay, to measure clients against an endpoint with the request latency of a
// remote one (S3's first-byte latency is typically 10–50 ms) on a machine
// whose kernel has no netem. The Host header is passed through unchanged, so
// SigV4 signatures made for the proxy's address still verify.
//
// Usage: latencyproxy -listen 127.0.0.1:4660 -target http://127.0.0.1:4590 -delay 20ms
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:4660", "address to listen on")
	target := flag.String("target", "http://127.0.0.1:4590", "URL to forward to")
	delay := flag.Duration("delay", 20*time.Millisecond, "added before each request is forwarded")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(*delay)
		proxy.ServeHTTP(lowerMeta{w}, r)
	})
	log.Fatal((&http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe())
}

// lowerMeta sends x-amz-meta-* headers lower-case, as S3 does: net/http
// canonicalizes the names it copies ("X-Amz-Meta-Signature") and botocore
// keeps the case it receives in the metadata keys.
type lowerMeta struct{ http.ResponseWriter }

func (l lowerMeta) WriteHeader(code int) {
	h := l.Header()
	for k, v := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-meta-") && lk != k {
			delete(h, k)
			h[lk] = v
		}
	}
	l.ResponseWriter.WriteHeader(code)
}

func (l lowerMeta) Flush() {
	if f, ok := l.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
