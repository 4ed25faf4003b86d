package gateway

import (
	"net/http"
)

// Wire protocols, as botocore names them.
const (
	ProtoJSON     = "json"
	ProtoQuery    = "query"
	ProtoEC2      = "ec2"
	ProtoRESTXML  = "rest-xml"
	ProtoRESTJSON = "rest-json"
	ProtoCBOR     = "smithy-rpc-v2-cbor" // bodies are not decoded: no parameters recorded
)

// Member is a top-level input or output member of an operation.
type Member struct {
	Name         string // the member name (PascalCase as modelled)
	Location     string // "" or "body", "uri", "querystring", "header", "headers", "statusCode"
	LocationName string // the name on the wire ("" = Name)
	Type         string // structure, list, map, string, blob, boolean, integer, long, timestamp, ...
	Sensitive    bool
	Streaming    bool
}

// wireName is the member's name on the wire.
func (m Member) wireName() string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

// Operation is an operation of a service model.
type Operation struct {
	Name     string
	Method   string
	URI      string
	ReadOnly bool
	Input    []Member
	Output   []Member
	Payload  string // the input member that is the whole REST body, if any
}

// Resolution is what a model tells of a request.
type Resolution struct {
	Op       *Operation        // nil when the request names an operation the model does not know
	Name     string            // the operation the request names (set even when Op is nil)
	Labels   map[string]string // REST URI label values, unescaped
	Protocol string            // the wire protocol the request used ("" = the service's)
}

// ServiceInfo is what the gateway knows of a service.
type ServiceInfo struct {
	SigningName string
	EventSource string // e.g. sqs.amazonaws.com
	Protocol    string // ProtoJSON, ProtoQuery, ...
	APIVersion  string
}

// ServiceModel resolves a service's requests to operations (awsmodel.Service).
type ServiceModel interface {
	Info() ServiceInfo
	// Resolve names the operation a request asks for, with the values of
	// its URI labels. path is the escaped path (S3 virtual-hosted requests:
	// with "/<bucket>" prepended); body is the request body when it was
	// buffered, nil otherwise (REST operations resolve without it).
	Resolve(method, path, rawQuery string, h http.Header, body []byte) (Resolution, bool)
}

// Models looks a service model up by SigV4 signing name.
type Models func(signingName string) (ServiceModel, bool)
