package gateway

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
)

// result is what the event records of the call and its answer.
func (c *call) result(rp *reply) *api.Result {
	params := c.requestParameters()
	res := &api.Result{
		EventName:  c.eventName(),
		ReadOnly:   c.readOnly,
		DataEvent:  isDataEvent(c.info.SigningName, c.name),
		APIVersion: c.info.APIVersion,
	}
	var elements map[string]any
	switch {
	case rp.local != nil:
		res.ErrorCode, res.ErrorMessage = rp.local.Code, rp.local.Message
	case isErrorStatus(rp.status):
		res.ErrorCode, res.ErrorMessage = parseError(rp.status, rp.header, rp.body())
	case c.info.SigningName == "s3" && bytes.Contains(rp.body(), []byte("<Error>")):
		// S3 answers some failures (CopyObject, CompleteMultipartUpload) with 200.
		res.ErrorCode, res.ErrorMessage = parseError(rp.status, http.Header{}, rp.body())
	case !c.readOnly:
		elements = c.responseElements(rp)
	}
	c.params = params
	res.Resources = c.resources(params, elements)
	if len(params) > 0 {
		res.RequestParameters = redact(c.info.SigningName, params)
	}
	if len(elements) > 0 {
		res.ResponseElements = redact(c.info.SigningName, elements)
	}
	return res
}

// parseError reads an AWS error: the x-amzn-query-error header (the Query
// code of services that moved from Query to JSON, e.g. SQS), x-amzn-ErrorType, a JSON body's
// __type/code and message, an XML body's <Code> and <Message> (Query's
// <ErrorResponse><Error>, EC2's <Response><Errors><Error>, S3's <Error>);
// failing all of them, the HTTP status.
func parseError(status int, h http.Header, body []byte) (code, msg string) {
	if t := h.Get("X-Amzn-Query-Error"); t != "" { // awsQueryCompatible services: the code clients see
		code, _, _ = strings.Cut(t, ";")
	} else if t := h.Get("X-Amzn-Errortype"); t != "" {
		code, _, _ = strings.Cut(t, ":")
	}
	if obj := jsonObject(body); obj != nil {
		for _, k := range []string{"__type", "code", "Code"} {
			if s, ok := obj[k].(string); ok && s != "" && code == "" {
				code = s
			}
		}
		for _, k := range []string{"message", "Message", "errorMessage"} {
			if s, ok := obj[k].(string); ok && s != "" {
				msg = s
				break
			}
		}
	} else if len(body) > 0 {
		xc, xm := xmlError(body)
		if code == "" {
			code = xc
		}
		msg = xm
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if code == "" {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
		if code == "" {
			code = "HTTP" + http.StatusText(status)
		}
	}
	return code, msg
}

// xmlError finds the first <Code> and <Message> of an XML error body.
func xmlError(b []byte) (code, msg string) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var cur string
	for {
		tok, err := d.Token()
		if err != nil {
			return code, msg
		}
		switch t := tok.(type) {
		case xml.StartElement:
			cur = t.Name.Local
		case xml.EndElement:
			cur = ""
		case xml.CharData:
			switch {
			case cur == "Code" && code == "":
				code = strings.TrimSpace(string(t))
			case cur == "Message" && msg == "":
				msg = strings.TrimSpace(string(t))
			}
		}
		if code != "" && msg != "" {
			return code, msg
		}
	}
}

// responseElements are a write's results as CloudTrail records them: the
// output members, lowerCamel, blobs and streams left out.
func (c *call) responseElements(rp *reply) map[string]any {
	body := rp.body()
	if c.payloadResponse() {
		body = nil
	}
	out := map[string]any{}
	switch c.info.Protocol {
	case ProtoJSON, ProtoRESTJSON:
		for k, v := range jsonObject(body) {
			out[lowerCamel(k)] = v
		}
	case ProtoQuery:
		if _, v, ok := xmlDocument(body, true); ok {
			if m, ok := v.(map[string]any); ok {
				if r, ok := m[lowerCamel(c.name)+"Result"].(map[string]any); ok {
					out = r
				}
			}
		}
	case ProtoEC2:
		if _, v, ok := xmlDocument(body, true); ok {
			if m, ok := v.(map[string]any); ok {
				delete(m, "requestId")
				out = m
			}
		}
	case ProtoRESTXML:
		if c.info.SigningName == "s3" {
			for _, k := range []string{"x-amz-version-id", "x-amz-server-side-encryption", "x-amz-expiration", "x-amz-server-side-encryption-aws-kms-key-id"} {
				if v := rp.header.Get(k); v != "" {
					out[k] = v
				}
			}
			return out
		}
		if _, v, ok := xmlDocument(body, true); ok {
			if m, ok := v.(map[string]any); ok {
				out = m
			}
		}
	}
	if c.op != nil {
		for _, m := range c.op.Output {
			switch {
			case m.Streaming || m.Type == "blob":
				delete(out, lowerCamel(m.Name))
				delete(out, lowerCamel(m.wireName()))
			case m.Location == "header":
				if v := rp.header.Get(m.wireName()); v != "" {
					out[lowerCamel(m.Name)] = v
				}
			}
			if m.Sensitive {
				if _, ok := out[lowerCamel(m.Name)]; ok {
					out[lowerCamel(m.Name)] = hidden
				}
			}
		}
	}
	return out
}

// payloadResponse reports whether a REST response body is the operation's
// payload (a blob or stream: never recorded), or may be, when no model
// resolved the operation.
func (c *call) payloadResponse() bool {
	if c.info.Protocol != ProtoRESTJSON && c.info.Protocol != ProtoRESTXML {
		return false
	}
	if c.op == nil {
		return c.info.SigningName != "s3"
	}
	for _, m := range c.op.Output {
		if isBody(m) && (m.Streaming || m.Type == "blob") {
			return true
		}
	}
	return false
}
