package gateway

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// requestParameters are the request's top-level input members as CloudTrail
// records them: lowerCamel member names, from the URI labels, query string,
// headers and body. Streaming and blob members (payloads) are never read;
// redact hides the sensitive ones afterwards. S3 follows internal/s3api.
func (c *call) requestParameters() map[string]any {
	if c.info.SigningName == "s3" {
		m := s3Params(c.r.Host, c.bucket, c.key, c.r.URL.Query(), c.r.Header, c.key != "")
		if c.key == "" && c.buffered && len(c.body) > 0 {
			if root, v, ok := xmlDocument(c.body, false); ok {
				m[root] = v
			}
		}
		return m
	}
	if c.op != nil {
		return c.modelParams()
	}
	return c.guessParams()
}

// modelParams reads each input member from where the model says it is.
func (c *call) modelParams() map[string]any {
	q := c.r.URL.Query()
	var body map[string]any
	var payload any
	switch c.info.Protocol {
	case ProtoJSON, ProtoRESTJSON:
		body = jsonObject(c.body)
		if c.op.Payload != "" && c.info.Protocol == ProtoRESTJSON {
			payload = body
		}
	case ProtoQuery, ProtoEC2:
		body = formTree(c.form(), true)
	case ProtoRESTXML:
		if _, v, ok := xmlDocument(c.body, true); ok {
			if m, ok := v.(map[string]any); ok {
				body = m
			}
			payload = v
		}
	}
	out := make(map[string]any)
	for _, m := range c.op.Input {
		if m.Streaming || m.Type == "blob" && (isBody(m) || m.Name == c.op.Payload) {
			continue // payloads are never recorded
		}
		var v any
		var ok bool
		switch m.Location {
		case "uri":
			v, ok = c.labels[m.wireName()]
			if !ok {
				v, ok = c.labels[m.Name]
			}
		case "querystring":
			if vs, has := q[m.wireName()]; has && len(vs) > 0 {
				v, ok = vs[0], true
				if m.Type == "list" {
					v = anySlice(vs)
				}
			}
		case "header":
			if s := c.r.Header.Get(m.wireName()); s != "" {
				v, ok = s, true
			}
		case "headers":
			v, ok = prefixHeaders(c.r.Header, m.wireName())
		case "", "body":
			if m.Name == c.op.Payload && payload != nil {
				v, ok = payload, true
				break
			}
			v, ok = lookupMember(body, m)
			if ok && m.Type == "map" && (c.info.Protocol == ProtoQuery || c.info.Protocol == ProtoEC2) {
				v = entriesToMap(v)
			}
		}
		if !ok {
			continue
		}
		if m.Sensitive {
			v = hidden
		}
		out[lowerCamel(m.Name)] = v
	}
	return out
}

// lookupMember finds a body member by its wire name, its name, or (EC2) its
// capitalised wire name.
func lookupMember(body map[string]any, m Member) (any, bool) {
	if body == nil {
		return nil, false
	}
	for _, k := range []string{m.wireName(), m.Name, upperFirst(m.wireName()), lowerCamel(m.wireName())} {
		if v, ok := body[k]; ok {
			return v, true
		}
	}
	return nil, false
}

// guessParams are the parameters of a request no model resolved: the JSON
// body's or the form's members, and a REST request's query string.
func (c *call) guessParams() map[string]any {
	out := make(map[string]any)
	switch c.info.Protocol {
	case ProtoQuery, ProtoEC2:
		for k, v := range formTree(c.form(), true) {
			out[k] = v
		}
		return out
	case ProtoJSON, ProtoRESTJSON:
		for k, v := range jsonObject(c.body) {
			out[lowerCamel(k)] = v
		}
	}
	if c.info.Protocol != ProtoJSON {
		for k, vs := range c.r.URL.Query() {
			if !strings.HasPrefix(strings.ToLower(k), "x-amz-") && len(vs) > 0 {
				out[k] = vs[0]
			}
		}
	}
	return out
}

// jsonObject decodes a JSON object body (nil if it is not one).
func jsonObject(b []byte) map[string]any {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

func prefixHeaders(h map[string][]string, prefix string) (any, bool) {
	prefix = strings.ToLower(prefix)
	m := make(map[string]any)
	for k, vs := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, prefix) && len(vs) > 0 {
			m[lk[len(prefix):]] = vs[0]
		}
	}
	return m, len(m) > 0
}

func anySlice(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// lowerCamel is a member name as CloudTrail records it: QueueName → queueName.
func lowerCamel(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// isBody reports whether a member travels in the body (or form).
func isBody(m Member) bool { return m.Location == "" || m.Location == "body" }
