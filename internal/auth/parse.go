package auth

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Names SigV4 uses on the wire.
const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	timeFormat = "20060102T150405Z" // ISO 8601 basic format

	headerAuthorization = "Authorization"
	headerDate          = "X-Amz-Date"
	headerHTTPDate      = "Date"
	headerToken         = "X-Amz-Security-Token"
	headerContentSHA256 = "X-Amz-Content-Sha256"

	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramToken         = "X-Amz-Security-Token"
	paramContentSHA256 = "X-Amz-Content-Sha256"
)

// Scope is the parsed credential scope: AKID/Date/Region/Service/aws4_request.
type Scope struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
}

// String is the credential scope without the access key id, as it appears
// in the string to sign.
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + terminator
}

// ParseScope reads the credential scope of a request without verifying it
// (for routing and for rendering errors in the right protocol). ok is false
// when the request is unsigned or its signature fields are malformed.
func ParseScope(r *http.Request) (Scope, bool) {
	sr, err := parseRequest(r)
	if err != nil {
		return Scope{}, false
	}
	return sr.scope, true
}

// signedRequest is what a request says about its own signature.
type signedRequest struct {
	scope         Scope
	signedHeaders string // as sent: lower-case names joined by ';'
	signature     string // hex, as sent
	amzDate       string // the timestamp of the string to sign (ISO 8601 basic)
	time          time.Time
	token         string      // X-Amz-Security-Token, "" if none
	presigned     bool        // query-string form
	expires       int64       // presigned: X-Amz-Expires seconds, -1 if absent
	query         []queryPair // decoded query parameters
}

// parseRequest extracts the signature fields of r, in header or query form.
func parseRequest(r *http.Request) (*signedRequest, *Error) {
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	query, err := parseQuery(rawQuery)
	if err != nil {
		return nil, malformed("The query string is malformed: " + err.Error())
	}
	authz, hasHeader := headerValues(r.Header, headerAuthorization)
	presigned := hasParam(query, paramSignature) || hasParam(query, paramAlgorithm) || hasParam(query, paramCredential)
	switch {
	case hasHeader && presigned:
		return nil, malformed("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
			"Signature query string parameter or the Authorization header should be specified")
	case hasHeader:
		if len(authz) != 1 {
			return nil, malformed("Exactly one Authorization header is allowed")
		}
		return parseHeaderForm(r, authz[0], query)
	case presigned:
		return parseQueryForm(query)
	}
	return nil, newError(KindMissing, msgMissing, nil)
}

func parseHeaderForm(r *http.Request, authz string, query []queryPair) (*signedRequest, *Error) {
	sr := &signedRequest{query: query, expires: -1}
	if err := sr.parseAuthorization(authz); err != nil {
		return nil, err
	}
	if d := getHeader(r.Header, headerDate); d != "" {
		t, err := time.Parse(timeFormat, d)
		if err != nil {
			return nil, malformed(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. "+
				"See http://en.wikipedia.org/wiki/ISO_8601", clip(d)))
		}
		sr.time, sr.amzDate = t, d
	} else if d := getHeader(r.Header, headerHTTPDate); d != "" {
		t, ok := parseHTTPDate(d)
		if !ok {
			return nil, malformed(fmt.Sprintf("Date header is not a valid HTTP date: '%s'", clip(d)))
		}
		sr.time, sr.amzDate = t, t.Format(timeFormat)
	} else {
		return nil, malformed("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	sr.token = getHeader(r.Header, headerToken)
	return sr, sr.checkDate()
}

// parseHTTPDate reads a Date header: ISO 8601 basic, an HTTP date, or the
// RFC 2822 form with a numeric zone that botocore sends.
func parseHTTPDate(d string) (time.Time, bool) {
	for _, layout := range []string{timeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, d); err == nil {
			return t.UTC(), true
		}
	}
	t, err := http.ParseTime(d)
	return t.UTC(), err == nil
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex".
func (sr *signedRequest) parseAuthorization(h string) *Error {
	alg, rest, _ := strings.Cut(strings.TrimLeft(h, " "), " ")
	if alg != algorithm {
		return malformed(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'. Only %s is accepted.", clip(alg), algorithm))
	}
	var haveCred, haveHeaders, haveSig bool
	var cred string
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.Trim(part, " ")
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return malformed(fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header", clip(part)))
		}
		var seen *bool
		switch name {
		case "Credential":
			seen, cred = &haveCred, value
		case "SignedHeaders":
			seen, sr.signedHeaders = &haveHeaders, value
		case "Signature":
			seen, sr.signature = &haveSig, value
		default:
			return malformed(fmt.Sprintf("Unknown parameter '%s' in Authorization header", clip(name)))
		}
		if *seen {
			return malformed(fmt.Sprintf("Duplicate parameter '%s' in Authorization header", name))
		}
		*seen = true
	}
	var missing []string
	for _, m := range []struct {
		ok   bool
		name string
	}{{haveCred, "Credential"}, {haveSig, "Signature"}, {haveHeaders, "SignedHeaders"}} {
		if !m.ok {
			missing = append(missing, "Authorization header requires '"+m.name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return malformed(strings.Join(missing, " "))
	}
	return sr.parseFields(cred)
}

// parseFields validates the credential scope and signed headers.
func (sr *signedRequest) parseFields(cred string) *Error {
	scope, err := parseCredential(cred)
	if err != nil {
		return err
	}
	sr.scope = scope
	return checkSignedHeaders(sr.signedHeaders)
}

func parseCredential(cred string) (Scope, *Error) {
	var parts [5]string
	rest, n := cred, 0
	for ; n < 4; n++ {
		var ok bool
		if parts[n], rest, ok = strings.Cut(rest, "/"); !ok {
			break
		}
	}
	if parts[4] = rest; n != 4 || strings.Contains(rest, "/") {
		return Scope{}, malformed(fmt.Sprintf("Credential must have the form <AccessKeyId>/<YYYYMMDD>/<region>/<service>/%s, got '%s'", terminator, clip(cred)))
	}
	if parts[4] != terminator {
		return Scope{}, malformed(fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, clip(parts[4])))
	}
	s := Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}
	if s.AccessKeyID == "" {
		return Scope{}, malformed("Credential has an empty access key id")
	}
	if _, err := time.Parse("20060102", s.Date); err != nil {
		return Scope{}, malformed(fmt.Sprintf("Credential date '%s' is not in YYYYMMDD format", clip(s.Date)))
	}
	if s.Region == "" {
		return Scope{}, malformed("Credential should be scoped to a valid region.")
	}
	if s.Service == "" {
		return Scope{}, malformed("Credential should be scoped to a valid service.")
	}
	return s, nil
}

func checkSignedHeaders(h string) *Error {
	host := false
	for name := range strings.SplitSeq(h, ";") {
		if name == "" {
			return malformed(fmt.Sprintf("SignedHeaders '%s' contains an empty header name", clip(h)))
		}
		if name == "host" {
			host = true
		}
	}
	if !host {
		return malformed("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

// checkDate requires the scope date to be the date of the request timestamp.
func (sr *signedRequest) checkDate() *Error {
	if sr.scope.Date != sr.amzDate[:8] {
		return malformed(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			sr.scope.Date, sr.amzDate[:8], sr.amzDate))
	}
	return nil
}

func parseQueryForm(query []queryPair) (*signedRequest, *Error) {
	sr := &signedRequest{query: query, presigned: true, expires: -1}
	var vals [5]string
	for i, name := range []string{paramAlgorithm, paramCredential, paramDate, paramSignedHeaders, paramSignature} {
		v, n := param(query, name)
		if n == 0 {
			return nil, malformed("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
				"'X-Amz-Date', 'X-Amz-SignedHeaders' and 'X-Amz-Signature'. Re-examine the query-string parameters.")
		}
		if n > 1 {
			return nil, malformed("Duplicate query-string parameter '" + name + "'")
		}
		vals[i] = v
	}
	if vals[0] != algorithm {
		return nil, malformed(fmt.Sprintf("X-Amz-Algorithm only supports '%s', not '%s'", algorithm, clip(vals[0])))
	}
	sr.signedHeaders, sr.signature = vals[3], vals[4]
	if err := sr.parseFields(vals[1]); err != nil {
		return nil, err
	}
	t, err := time.Parse(timeFormat, vals[2])
	if err != nil {
		return nil, malformed(fmt.Sprintf("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '%s'", clip(vals[2])))
	}
	sr.time, sr.amzDate = t, vals[2]
	if e, n := param(query, paramExpires); n > 1 {
		return nil, malformed("Duplicate query-string parameter '" + paramExpires + "'")
	} else if n == 1 {
		if sr.expires, err = parseExpires(e); err != nil {
			return nil, malformed(fmt.Sprintf("X-Amz-Expires must be a positive number of seconds, got '%s'", clip(e)))
		}
	}
	if tok, n := param(query, paramToken); n > 1 {
		return nil, malformed("Duplicate query-string parameter '" + paramToken + "'")
	} else {
		sr.token = tok
	}
	return sr, sr.checkDate()
}

// parseExpires reads a positive decimal number of seconds (at most 10 digits).
func parseExpires(s string) (int64, error) {
	if s == "" || len(s) > 10 {
		return 0, fmt.Errorf("bad expires %q", s)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("bad expires %q", s)
		}
		n = n*10 + int64(s[i]-'0')
	}
	if n == 0 {
		return 0, fmt.Errorf("bad expires %q", s)
	}
	return n, nil
}

// param returns the value of the first parameter named name and how many there are.
func param(q []queryPair, name string) (string, int) {
	var v string
	n := 0
	for _, p := range q {
		if p.key == name {
			if n == 0 {
				v = p.value
			}
			n++
		}
	}
	return v, n
}

func hasParam(q []queryPair, name string) bool {
	_, n := param(q, name)
	return n > 0
}

// headerValues returns the values of header name (in canonical form),
// also under keys spelled differently, which net/http never produces but
// hand-built requests may.
func headerValues(h http.Header, name string) ([]string, bool) {
	if vs, ok := h[name]; ok {
		return vs, true
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			return vs, true
		}
	}
	return nil, false
}

// getHeader is the first value of header name, "" if none.
func getHeader(h http.Header, name string) string {
	if vs, _ := headerValues(h, name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// clip bounds client-supplied text echoed in error messages.
func clip(s string) string {
	const maxEcho = 128
	if len(s) > maxEcho {
		return s[:maxEcho] + "..."
	}
	return s
}
