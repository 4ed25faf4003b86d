package gateway

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/cairn-audit/cairn/internal/api"
)

// renderError renders an error Cairn raises itself in the service's wire
// format, so clients parse it as they would the service's own.
func renderError(proto string, e *api.Error, requestID string) (http.Header, []byte) {
	var h http.Header
	var body []byte
	switch proto {
	case ProtoQuery:
		res := api.Query{}.ErrorResult("", e, requestID)
		h, body = res.Header, res.Body
	case ProtoEC2:
		type ec2Error struct {
			XMLName   xml.Name `xml:"Response"`
			Code      string   `xml:"Errors>Error>Code"`
			Message   string   `xml:"Errors>Error>Message"`
			RequestID string   `xml:"RequestID"`
		}
		body, _ = xml.Marshal(ec2Error{Code: e.Code, Message: e.Message, RequestID: requestID})
		body = append([]byte(xml.Header), body...)
		h = http.Header{"Content-Type": {"text/xml;charset=UTF-8"}}
	case ProtoRESTXML:
		type restError struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string   `xml:"Code"`
			Message   string   `xml:"Message"`
			RequestID string   `xml:"RequestId"`
		}
		body, _ = xml.Marshal(restError{Code: e.Code, Message: e.Message, RequestID: requestID})
		body = append([]byte(xml.Header), body...)
		h = http.Header{"Content-Type": {"application/xml"}, "X-Amz-Request-Id": {requestID}}
	default: // JSON and REST-JSON
		body, _ = json.Marshal(struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}{e.Code, e.Message})
		h = http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amzn-Requestid": {requestID}, "X-Amzn-Errortype": {e.Code}}
		if proto == ProtoRESTJSON {
			h.Set("Content-Type", "application/json")
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	return h, body
}

func (g *Gateway) writeError(w http.ResponseWriter, proto string, err error, requestID string) {
	e := api.AsError(err)
	h, body := renderError(proto, e, requestID)
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// writeResult writes a complete result Cairn renders itself.
func (g *Gateway) writeResult(w http.ResponseWriter, res *api.Result) {
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(res.Body)))
	status := res.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_, _ = w.Write(res.Body)
}
