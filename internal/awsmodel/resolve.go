package awsmodel

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Match is the outcome of identifying a request's operation.
type Match struct {
	Op       *Operation
	Name     string            // the operation the request names; set for the RPC protocols even when Op is nil (unknown operation)
	Labels   map[string]string // REST: URI label values by label name (e.g. "Bucket", "Key"), unescaped
	Protocol Protocol          // the wire protocol the request used
}

// Resolve finds the operation a request asks for, and its URI labels (REST).
// See Match for the rules.
func (s *Service) Resolve(method, path, rawQuery string, h http.Header, body []byte) (op *Operation, labels map[string]string, ok bool) {
	m, ok := s.Match(method, path, rawQuery, h, body)
	return m.Op, m.Labels, ok
}

// Match identifies the operation a request asks for. path is the request
// path as sent, preferably still escaped (r.URL.EscapedPath()); a decoded
// path works unless a label itself contains '/' or '%'. rawQuery is
// r.URL.RawQuery, body the request body (needed only for Query requests
// whose parameters are form-encoded in it).
//
// Services of the RPC protocols (JSON, Query, EC2, RPCv2CBOR) accept any of
// the RPC wire forms, tried in this order:
//
//  1. X-Amz-Target header (or query parameter, as presigners send it):
//     "<TargetPrefix>.<Operation>", with botocore's full prefix or the Smithy
//     SDKs' short form (the prefix's last dotted component). A target naming
//     another service fails the match.
//  2. A path ending in /service/<Service>/operation/<Operation> (Smithy RPC
//     v2 CBOR), <Service> being the target prefix.
//  3. An Action parameter in the query string or the form-encoded body
//     (Query, or EC2 for EC2), as SQS's older clients send alongside its
//     JSON protocol and CloudWatch's alongside CBOR and JSON.
//
// Services of the REST protocols match method, path and query against every
// operation's request URI template: literal segments match themselves,
// {label} one non-empty segment, {label+} one or more segments (greedy), and
// the template's query part ("?uploads", "?list-type=2", "?select&select-type=2")
// names parameters the request must carry (with that value, when given). A
// trailing slash on the request path is ignored when the template has none.
// Among the templates that match, the most specific wins, comparing in turn:
//
//  1. more literal path segments;
//  2. more query parameters in the template ("?list-type=2" beats none);
//  3. all the operation's required querystring and header members are
//     present (UploadPart needs partNumber and uploadId, CopyObject
//     x-amz-copy-source, GetBucketAnalyticsConfiguration id);
//  4. more required querystring and header members present;
//  5. no greedy label;
//  6. not deprecated (GetBucketLifecycleConfiguration over GetBucketLifecycle);
//  7. the operation name that sorts first (ListBuckets over ListDirectoryBuckets).
//
// For S3 virtual-hosted-style requests (bucket.s3.example.com/key) the
// caller passes the path with the bucket prepended: "/" + bucket + path.
func (s *Service) Match(method, path, rawQuery string, h http.Header, body []byte) (Match, bool) {
	s.load()
	query, _ := url.ParseQuery(rawQuery) // keeps what parses
	if s.Protocol.REST() {
		return s.matchREST(method, path, query, h)
	}
	if t := h.Get("X-Amz-Target"); t != "" || query.Get("X-Amz-Target") != "" {
		if t == "" {
			t = query.Get("X-Amz-Target")
		}
		i := strings.LastIndexByte(t, '.')
		if i < 0 || !s.ownsTarget(t[:i]) {
			return Match{}, false
		}
		return s.rpc(t[i+1:], JSON)
	}
	if svc, op, ok := rpcv2Path(path); ok {
		if !s.ownsTarget(svc) {
			return Match{}, false
		}
		return s.rpc(op, RPCv2CBOR)
	}
	action := query.Get("Action")
	if action == "" && len(body) > 0 && formBody(h) {
		form, _ := url.ParseQuery(string(body))
		action = form.Get("Action")
	}
	if action != "" {
		p := Query
		if s.Protocol == EC2 {
			p = EC2
		}
		return s.rpc(action, p)
	}
	return Match{}, false
}

func (s *Service) rpc(name string, p Protocol) (Match, bool) {
	op, ok := s.byName[name]
	return Match{Op: op, Name: name, Protocol: p}, ok
}

// formBody reports whether the body may be form-encoded: its Content-Type
// says so, or there is none.
func formBody(h http.Header) bool {
	ct := h.Get("Content-Type")
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// rpcv2Path splits ".../service/<svc>/operation/<op>".
func rpcv2Path(path string) (svc, op string, ok bool) {
	i := strings.LastIndex(path, "/service/")
	if i < 0 {
		return "", "", false
	}
	svc, op, ok = strings.Cut(path[i+len("/service/"):], "/operation/")
	if !ok || svc == "" || op == "" || strings.Contains(svc, "/") || strings.Contains(op, "/") {
		return "", "", false
	}
	return svc, op, true
}

// ---- REST ----

type segment struct {
	lit    string // literal text, when label is ""
	label  string
	greedy bool
}

type queryLit struct {
	key, value string
	hasValue   bool
}

type route struct {
	op        *Operation
	segs      []segment
	greedy    int // index of the greedy segment, or -1
	literals  int
	query     []queryLit
	reqQuery  []string // required querystring members' keys
	reqHeader []string // required header members' names
}

func compileRoute(o *Operation) *route {
	r := &route{op: o, greedy: -1}
	p, q, _ := strings.Cut(o.URI, "?")
	for _, seg := range splitPath(strings.TrimSuffix(p, "/")) {
		switch {
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "+}"):
			r.greedy = len(r.segs)
			r.segs = append(r.segs, segment{label: seg[1 : len(seg)-2], greedy: true})
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			r.segs = append(r.segs, segment{label: seg[1 : len(seg)-1]})
		default:
			r.segs = append(r.segs, segment{lit: seg})
			r.literals++
		}
	}
	if q != "" {
		for kv := range strings.SplitSeq(q, "&") {
			k, v, has := strings.Cut(kv, "=")
			r.query = append(r.query, queryLit{key: k, value: v, hasValue: has})
		}
	}
	for _, m := range o.Input {
		if !m.Required {
			continue
		}
		switch m.Location {
		case LocQuery:
			r.reqQuery = append(r.reqQuery, m.WireName())
		case LocHeader:
			r.reqHeader = append(r.reqHeader, m.WireName())
		}
	}
	return r
}

// splitPath splits a path into its segments: "/" has none, "/a/" has "a" and "".
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// score ranks a matching route; see Match.
type score [6]int

func (a score) less(b score) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func (s *Service) matchREST(method, path string, query url.Values, h http.Header) (Match, bool) {
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	segs := splitPath(path)
	var best *route
	var bestScore score
	var bestLabels map[string]string
	for _, r := range s.routes[method] {
		labels, ok := r.matchPath(segs)
		if !ok && len(segs) > 0 && segs[len(segs)-1] == "" {
			labels, ok = r.matchPath(segs[:len(segs)-1])
		}
		if !ok || !r.matchQuery(query) {
			continue
		}
		present := 0
		for _, k := range r.reqQuery {
			if query.Has(k) {
				present++
			}
		}
		for _, k := range r.reqHeader {
			if h.Get(k) != "" {
				present++
			}
		}
		sc := score{
			r.literals,
			len(r.query),
			b2i(present == len(r.reqQuery)+len(r.reqHeader)),
			present,
			b2i(r.greedy < 0),
			b2i(!r.op.Deprecated),
		}
		if best == nil || bestScore.less(sc) { // ties keep the earlier (by name)
			best, bestScore, bestLabels = r, sc, labels
		}
	}
	if best == nil {
		return Match{}, false
	}
	return Match{Op: best.op, Name: best.op.Name, Labels: bestLabels, Protocol: s.Protocol}, true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (r *route) matchPath(segs []string) (map[string]string, bool) {
	n := len(r.segs)
	if r.greedy < 0 && len(segs) != n || r.greedy >= 0 && len(segs) < n {
		return nil, false
	}
	var labels map[string]string
	set := func(k, v string) {
		if labels == nil {
			labels = make(map[string]string, 2)
		}
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		labels[k] = v
	}
	tail := n - r.greedy - 1 // segments after the greedy label
	for i, t := range r.segs {
		var v string
		switch {
		case r.greedy >= 0 && i == r.greedy:
			v = strings.Join(segs[i:len(segs)-tail], "/")
		case r.greedy >= 0 && i > r.greedy:
			v = segs[len(segs)-(n-i)]
		default:
			v = segs[i]
		}
		if t.label == "" {
			if v != t.lit {
				return nil, false
			}
			continue
		}
		if v == "" {
			return nil, false
		}
		set(t.label, v)
	}
	return labels, true
}

func (r *route) matchQuery(q url.Values) bool {
	for _, l := range r.query {
		if !q.Has(l.key) || l.hasValue && q.Get(l.key) != l.value {
			return false
		}
	}
	return true
}
