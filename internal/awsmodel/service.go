package awsmodel

import (
	"slices"
	"strings"
	"sync"
)

// Protocol is an AWS wire protocol.
type Protocol uint8

const (
	JSON      Protocol = iota + 1 // awsJson1_0/1_1: POST /, X-Amz-Target: <TargetPrefix>.<Operation>
	Query                         // awsQuery: form-encoded Action=<Operation> (IAM, STS, SNS, RDS...)
	EC2                           // ec2Query: Query with EC2's parameter names
	RestXML                       // restXml: operation bound to method + path + query (S3, Route 53)
	RestJSON                      // restJson1: same, JSON bodies (Lambda, API Gateway, EKS...)
	RPCv2CBOR                     // smithy-rpc-v2-cbor: POST /service/<Service>/operation/<Operation> (CloudWatch)
)

var protocolNames = [...]string{JSON: "json", Query: "query", EC2: "ec2", RestXML: "rest-xml", RestJSON: "rest-json", RPCv2CBOR: "smithy-rpc-v2-cbor"}

// String is botocore's name for the protocol ("json", "rest-xml"...).
func (p Protocol) String() string {
	if int(p) < len(protocolNames) && protocolNames[p] != "" {
		return protocolNames[p]
	}
	return "unknown"
}

// REST reports whether the protocol binds operations to HTTP method and path.
func (p Protocol) REST() bool { return p == RestXML || p == RestJSON }

func parseProtocol(s string) Protocol {
	for p, n := range protocolNames {
		if n == s && n != "" {
			return Protocol(p)
		}
	}
	return 0
}

// Member locations: where a top-level member travels.
const (
	LocBody       = "body"        // in the request/response document, or a form parameter (Query/EC2)
	LocURI        = "uri"         // a label of the request URI
	LocQuery      = "querystring" // a query-string parameter
	LocHeader     = "header"      // one header
	LocHeaders    = "headers"     // every header with the LocationName prefix (a map), e.g. S3's x-amz-meta-
	LocStatusCode = "statusCode"  // the response's HTTP status
)

// Member is a top-level member of an operation's input or output.
type Member struct {
	Name         string
	Location     string // one of the Loc constants
	LocationName string // wire name when not Name: header name, query key, URI label, XML element, EC2 query key
	Type         string // shape type: string, structure, list, map, blob, boolean, integer, long, timestamp, double, float, document

	Sensitive        bool // the shape is sensitive or contains a sensitive shape: redact the whole value
	Streaming        bool // a streaming blob or event stream, or a blob payload: the raw body, not a document
	Required         bool
	IdempotencyToken bool // filled with a random token by SDKs when absent
}

// WireName is the name the member travels under.
func (m *Member) WireName() string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

// Operation is one operation of a service.
type Operation struct {
	Name       string
	Method     string // HTTP method; "POST" for the RPC protocols
	URI        string // request URI template, e.g. "/{Bucket}/{Key+}?uploads"; "/" for the RPC protocols
	ReadOnly   bool   // CloudTrail's readOnly (rule in gen/main.go)
	Deprecated bool

	Input, Output []Member // top-level members in model order
	Payload       string   // the input member bound to the whole body, if any (REST)
	OutputPayload string   // the output member bound to the whole body, if any (REST)
}

// InputMember returns the named input member.
func (o *Operation) InputMember(name string) (*Member, bool) { return findMember(o.Input, name) }

// OutputMember returns the named output member.
func (o *Operation) OutputMember(name string) (*Member, bool) { return findMember(o.Output, name) }

func findMember(ms []Member, name string) (*Member, bool) {
	for i := range ms {
		if ms[i].Name == name {
			return &ms[i], true
		}
	}
	return nil, false
}

// Service is one AWS service's model.
type Service struct {
	Name           string // botocore's service name: "s3", "elbv2", "stepfunctions", "cloudwatch"
	SigningName    string // SigV4 credential-scope service: "s3", "elasticloadbalancing", "states", "monitoring"
	EndpointPrefix string // "s3", "api.ecr", "email", "monitoring"
	EventSource    string // CloudTrail eventSource: "s3.amazonaws.com", "ses.amazonaws.com"...
	TargetPrefix   string // X-Amz-Target prefix (JSON protocol), e.g. "DynamoDB_20120810"
	JSONVersion    string // "1.0" or "1.1": Content-Type application/x-amz-json-<version>
	APIVersion     string // "2006-03-01"; the Version parameter of Query requests
	ServiceID      string // "S3", "Secrets Manager"
	GlobalEndpoint string // e.g. "iam.amazonaws.com" for services with one global endpoint
	Protocol       Protocol
	Protocols      []Protocol // every protocol the service accepts, Protocol first

	spec   *serviceSpec
	once   sync.Once
	ops    []*Operation // by name
	byName map[string]*Operation
	routes map[string][]*route // REST: by method, in name order
}

// Operation returns the named operation.
func (s *Service) Operation(name string) (*Operation, bool) {
	s.load()
	o, ok := s.byName[name]
	return o, ok
}

// Operations lists the service's operations by name.
func (s *Service) Operations() []*Operation {
	s.load()
	return slices.Clone(s.ops)
}

func (s *Service) load() {
	s.once.Do(func() {
		s.ops = parseOps(s.spec.ops)
		s.byName = make(map[string]*Operation, len(s.ops))
		for _, o := range s.ops {
			s.byName[o.Name] = o
		}
		if s.Protocol.REST() {
			s.routes = map[string][]*route{}
			for _, o := range s.ops {
				s.routes[o.Method] = append(s.routes[o.Method], compileRoute(o))
			}
		}
	})
}

// ownsTarget reports whether prefix (an X-Amz-Target, or an rpcv2 service
// name, without the operation) names the service: botocore's full prefix or
// the Smithy SDKs' short form (the prefix's last dotted component).
func (s *Service) ownsTarget(prefix string) bool {
	if s.TargetPrefix == "" {
		return false
	}
	short := s.TargetPrefix[strings.LastIndexByte(s.TargetPrefix, '.')+1:]
	return prefix == s.TargetPrefix || prefix == short
}

var (
	all       []*Service
	bySigning = map[string]*Service{}
	byName    = map[string]*Service{}
	served    = map[string]*Service{}
)

func newService(sp *serviceSpec) *Service {
	s := &Service{
		Name: sp.name, SigningName: sp.signingName, EndpointPrefix: sp.endpointPrefix,
		EventSource: sp.eventSource, TargetPrefix: sp.targetPrefix, JSONVersion: sp.jsonVersion,
		APIVersion: sp.apiVersion, ServiceID: sp.serviceID, GlobalEndpoint: sp.globalEndpoint, spec: sp,
	}
	for _, p := range strings.Fields(sp.protocols) {
		s.Protocols = append(s.Protocols, parseProtocol(p))
	}
	s.Protocol = s.Protocols[0]
	return s
}

func init() {
	for i := range servedSpecs {
		s := newService(&servedSpecs[i])
		served[s.Name] = s
	}
	for i := range specs {
		s := newService(&specs[i])
		all = append(all, s)
		if _, dup := bySigning[s.SigningName]; !dup {
			bySigning[s.SigningName] = s
		}
		byName[s.Name] = s
	}
}

// Services lists every service with tables, in gen/main.go's order.
func Services() []*Service { return slices.Clone(all) }

// BySigningName returns the service whose SigV4 credential scope names
// signingName ("s3", "monitoring" for CloudWatch, "states" for Step
// Functions, "ses" for SESv2...). Should two listed services share a signing
// name, the first listed wins.
func BySigningName(name string) (*Service, bool) {
	s, ok := bySigning[name]
	return s, ok
}

// ServedByName returns a service Cairn serves itself ("cloudtrail"), with
// its operations and error shapes; such services are not in Services().
func ServedByName(name string) (*Service, bool) {
	s, ok := served[name]
	return s, ok
}

// ErrorShapes lists the exception shapes of a served service's model,
// sorted (nil for gateway services, whose errors are not tabled).
func (s *Service) ErrorShapes() []string { return strings.Fields(s.spec.errors) }

// ByName returns the service botocore calls name ("s3", "elbv2",
// "stepfunctions", "cloudwatch").
func ByName(name string) (*Service, bool) {
	s, ok := byName[name]
	return s, ok
}
