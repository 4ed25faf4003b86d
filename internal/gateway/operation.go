package gateway

import (
	"net/http"
	"net/url"
	"strings"
)

// resolveOperation names the operation: from the service model when it
// resolves the request, else from what the request tells (X-Amz-Target,
// Action, S3's method + path + query), else "<METHOD> <path>".
func (c *call) resolveOperation() {
	r := c.r
	if c.model != nil {
		path := r.URL.EscapedPath()
		if c.virtualHost {
			path = "/" + c.bucket + path
		}
		if res, ok := c.model.Resolve(r.Method, path, r.URL.RawQuery, r.Header, c.body); ok {
			if res.Protocol != "" {
				c.info.Protocol = res.Protocol
			}
			if res.Op != nil {
				c.op, c.labels, c.name, c.readOnly = res.Op, res.Labels, res.Op.Name, res.Op.ReadOnly
				return
			}
			if res.Name != "" {
				c.name, c.readOnly = res.Name, readOnlyName(res.Name)
				return
			}
		}
	}
	switch c.info.Protocol {
	case ProtoJSON:
		t := r.Header.Get("X-Amz-Target")
		c.name = t[strings.LastIndexByte(t, '.')+1:]
	case ProtoQuery, ProtoEC2:
		c.name = c.form().Get("Action")
	}
	if c.info.SigningName == "s3" {
		c.name = s3Operation(r.Method, c.bucket, c.key, r.URL.Query(), r.Header)
	}
	if c.name != "" {
		c.readOnly = readOnlyName(c.name)
		return
	}
	c.name = r.Method + " " + r.URL.Path
	c.readOnly = r.Method == http.MethodGet || r.Method == http.MethodHead
}

// eventName is the operation as CloudTrail names it.
func (c *call) eventName() string {
	if c.info.SigningName == "s3" {
		if n, ok := s3EventNames[c.name]; ok {
			return n
		}
	}
	return c.name
}

// form is a Query request's parameters: the URL query and a form body.
func (c *call) form() url.Values {
	v := c.r.URL.Query()
	if c.buffered && len(c.body) > 0 && !strings.Contains(c.r.Header.Get("Content-Type"), "json") {
		if f, err := url.ParseQuery(string(c.body)); err == nil {
			for k, vs := range f {
				v[k] = append(v[k], vs...)
			}
		}
	}
	return v
}

// guessProtocol tells the wire protocol of a service no model describes.
func guessProtocol(service string, r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	switch {
	case service == "s3":
		return ProtoRESTXML
	case service == "ec2":
		return ProtoEC2
	case r.Header.Get("X-Amz-Target") != "":
		return ProtoJSON
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded") || r.URL.Query().Has("Action"):
		return ProtoQuery
	}
	return ProtoRESTJSON
}

// readOnlyPrefixes mark the operations that only read, when no model says.
var readOnlyPrefixes = []string{"Get", "List", "Describe", "Head", "Lookup", "Search", "Query", "Scan", "BatchGet", "Select", "Check", "View", "Estimate", "Preview"}

func readOnlyName(name string) bool {
	for _, p := range readOnlyPrefixes {
		if strings.HasPrefix(name, p) && (len(name) == len(p) || name[len(p)] >= 'A' && name[len(p)] <= 'Z') {
			return true
		}
	}
	return false
}
