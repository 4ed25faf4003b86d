package api

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
)

// Query is the AWS Query protocol (form-encoded Action=..., XML responses),
// used by IAM and STS.
type Query struct {
	Namespace string // XML namespace, e.g. "https://iam.amazonaws.com/doc/2010-05-08/"
}

// Params parses the form parameters of a Query request: the URL query plus a
// form-encoded body.
func Params(r *http.Request, body []byte) url.Values {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = append(v[k], vs...)
	}
	if len(body) > 0 {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, vs := range form {
				v[k] = append(v[k], vs...)
			}
		}
	}
	return v
}

// Operation is the request's Action parameter.
func (p Query) Operation(r *http.Request, body []byte) string {
	return Params(r, body).Get("Action")
}

type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// ErrorResult renders err as an <ErrorResponse>.
func (p Query) ErrorResult(op string, err *Error, requestID string) *Result {
	typ := "Sender"
	if err.HTTPStatus() >= 500 {
		typ = "Receiver"
	}
	body := xmlBody(queryError{Xmlns: p.Namespace, Type: typ, Code: err.Code, Message: err.Message, RequestID: requestID})
	return &Result{
		Status:       err.HTTPStatus(),
		Header:       XMLHeader(requestID),
		Body:         body,
		EventName:    op,
		ErrorCode:    err.Code,
		ErrorMessage: err.Message,
	}
}

// XMLHeader is the header set of a Query protocol response.
func XMLHeader(requestID string) http.Header {
	return http.Header{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {requestID}}
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// QueryResult renders a successful response: <OpResponse xmlns><OpResult>result</OpResult><ResponseMetadata/></OpResponse>.
// result is an XML-marshallable value whose own element name is ignored; nil gives no OpResult element.
func (p Query) QueryResult(op string, result any, requestID string) *Result {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<` + op + `Response xmlns="` + p.Namespace + `">`)
	if result != nil {
		enc := xml.NewEncoder(&b)
		_ = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: op + "Result"}})
		_ = enc.Flush()
	}
	_ = xml.NewEncoder(&b).EncodeElement(responseMetadata{requestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	b.WriteString(`</` + op + `Response>`)
	return &Result{Status: http.StatusOK, Header: XMLHeader(requestID), Body: b.Bytes(), EventName: op}
}

func xmlBody(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	_ = xml.NewEncoder(&b).Encode(v)
	return b.Bytes()
}
