// Command gen writes ../zz_generated.go: compact operation tables for the
// AWS services Cairn's recording gateway knows, derived from the botocore
// service models installed with Python's botocore package.
//
//	go generate ./internal/awsmodel/   (runs: go run ./gen)
//	go run ./gen -o /tmp/x.go -botocore /path/to/site-packages/botocore
//
// Without -botocore the package directory is asked of
// `python3 -c 'import botocore'`; the botocore version is read from its
// __init__.py and recorded in the generated header. For every service in
// services the newest API version directory holding a service-2.json(.gz)
// is used. Output is deterministic: services in list order, operations
// sorted by name, members in model order.
//
// Adding a service: add its botocore directory name to services, check that
// eventSource(...) gives what CloudTrail records for it (add an
// eventSourceOverrides entry if not), and regenerate.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// services are the botocore service directory names whose tables are
// generated, in the order Services() lists them (and BySigningName prefers
// the first of any services sharing a signing name).
var services = []string{
	"s3",
	"sqs",
	"sns",
	"dynamodb",
	"ec2",
	"lambda",
	"kms",
	"secretsmanager",
	"ssm",
	"logs",
	"events",
	"kinesis",
	"firehose",
	"ecr", // endpointPrefix "api.ecr", signing name "ecr"
	"ecs",
	"rds",
	"cloudformation",
	"cloudwatch", // endpointPrefix and signing name "monitoring"
	"route53",
	"elbv2",         // signing name "elasticloadbalancing"
	"stepfunctions", // signing name "states"
	"apigateway",
	"cognito-idp",
	"iam",
	"sts",
	"sesv2", // endpointPrefix "email", signing name "ses"
	"eks",
	"glue",
	"athena",
	"acm",
}

// servedServices are the services Cairn serves itself (the CloudTrail API):
// their tables, with the error shapes of the model, let the servers check
// themselves against the model (ServedByName). They are not in Services(),
// so the gateway never forwards them.
var servedServices = []string{
	"cloudtrail",
}

// eventSource is what CloudTrail records as eventSource for a service's
// calls: "<signing name>.amazonaws.com", the signing name being
// metadata.signingName or else metadata.endpointPrefix. The signing name
// rather than the endpoint prefix is what CloudTrail uses where the two
// differ: ECR (endpoint api.ecr, events ecr.amazonaws.com) and SESv2
// (endpoint email, events ses.amazonaws.com). Checked against CloudTrail's
// documented event sources: monitoring.amazonaws.com (CloudWatch),
// elasticloadbalancing.amazonaws.com (ELBv2), states.amazonaws.com (Step
// Functions), apigateway.amazonaws.com, cognito-idp.amazonaws.com,
// s3.amazonaws.com, iam.amazonaws.com, sts.amazonaws.com.
// eventSourceOverrides holds the services the rule gets wrong (none yet).
func eventSource(service, signingName string) string {
	if s, ok := eventSourceOverrides[service]; ok {
		return s
	}
	return signingName + ".amazonaws.com"
}

var eventSourceOverrides = map[string]string{}

// extraProtocols are wire protocols a service accepts beyond those its model
// lists. SQS's model moved to awsJson1_0 (botocore 1.31.64+), but SQS and
// its emulators still serve the Query protocol older SDKs send.
var extraProtocols = map[string][]string{
	"sqs": {"query"},
}

// The read-only rule. CloudTrail's readOnly is, for management events, true
// for calls that read and change nothing. An operation is read-only when:
//
//  1. its model carries Smithy's readonly trait, or
//  2. it is a REST operation using GET or HEAD, or
//  3. its name starts with one of readOnlyPrefixes followed by an upper-case
//     letter or the end of the name (Get, List, Describe, Head, BatchGet,
//     Query, Scan, Select, Lookup, Search, Check, Validate, Filter, Receive,
//     Estimate, Simulate), or
//  4. readOnlyOverrides says so.
//
// readOnlyOverrides wins over rules 1-3. Deliberately not read-only: Poll*
// (long polls that hand out work: SWF and CodePipeline record them as
// writes), Test* (mixed: logs TestMetricFilter only evaluates, but
// cloudformation TestType and apigateway TestInvokeMethod act; GET ones are
// caught by rule 2), and STS Assume* (they mint credentials; not verified
// against live CloudTrail). ReceiveMessage is read-only: IAM classes
// sqs:ReceiveMessage as Read, the same class CloudTrail's readOnly follows.
var readOnlyPrefixes = []string{
	"Get", "List", "Describe", "Head", "BatchGet", "Query", "Scan", "Select",
	"Lookup", "Search", "Check", "Validate", "Filter", "Receive", "Estimate",
	"Simulate",
}

// readOnlyOverrides: service -> operation -> readOnly. KMS's cryptographic
// operations change no state, and CloudTrail records them readOnly: true
// (the KMS developer guide's example entries for Encrypt, Decrypt,
// GenerateDataKey...). Every name must exist in the model.
var readOnlyOverrides = map[string]map[string]bool{
	"kms": {
		"Decrypt": true, "Encrypt": true, "ReEncrypt": true,
		"GenerateDataKey": true, "GenerateDataKeyWithoutPlaintext": true,
		"GenerateDataKeyPair": true, "GenerateDataKeyPairWithoutPlaintext": true,
		"GenerateMac": true, "VerifyMac": true, "GenerateRandom": true,
		"Sign": true, "Verify": true, "DeriveSharedSecret": true,
	},
}

func readOnly(service, name, protocol, method string, trait bool) bool {
	if v, ok := readOnlyOverrides[service][name]; ok {
		return v
	}
	if trait {
		return true
	}
	if strings.HasPrefix(protocol, "rest-") && (method == "GET" || method == "HEAD") {
		return true
	}
	for _, p := range readOnlyPrefixes {
		if rest, ok := strings.CutPrefix(name, p); ok && (rest == "" || rest[0] >= 'A' && rest[0] <= 'Z') {
			return true
		}
	}
	return false
}

// ---- botocore model ----

type model struct {
	Metadata struct {
		Protocol       string   `json:"protocol"`
		Protocols      []string `json:"protocols"`
		SigningName    string   `json:"signingName"`
		EndpointPrefix string   `json:"endpointPrefix"`
		TargetPrefix   string   `json:"targetPrefix"`
		JSONVersion    string   `json:"jsonVersion"`
		APIVersion     string   `json:"apiVersion"`
		ServiceID      string   `json:"serviceId"`
		GlobalEndpoint string   `json:"globalEndpoint"`
	} `json:"metadata"`
	Operations map[string]operation `json:"operations"`
	Shapes     map[string]*shape    `json:"shapes"`
}

type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method     string `json:"method"`
		RequestURI string `json:"requestUri"`
	} `json:"http"`
	Input      *ref `json:"input"`
	Output     *ref `json:"output"`
	Deprecated bool `json:"deprecated"`
	ReadOnly   bool `json:"readonly"`
}

type ref struct {
	Shape            string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	QueryName        string `json:"queryName"`
	IdempotencyToken bool   `json:"idempotencyToken"`
	Sensitive        bool   `json:"sensitive"`
	Streaming        bool   `json:"streaming"`
}

type shape struct {
	Type        string  `json:"type"`
	Members     members `json:"members"`
	Required    []string
	Payload     string `json:"payload"`
	Sensitive   bool   `json:"sensitive"`
	Streaming   bool   `json:"streaming"`
	EventStream bool   `json:"eventstream"`
	Document    bool   `json:"document"`
	Exception   bool   `json:"exception"`
	Member      *ref   `json:"member"`
	Key         *ref   `json:"key"`
	Value       *ref   `json:"value"`
}

type namedRef struct {
	Name string
	Ref  ref
}

// members keeps a structure's members in model order.
type members []namedRef

func (m *members) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("members: want an object")
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return err
		}
		var r ref
		if err := d.Decode(&r); err != nil {
			return err
		}
		*m = append(*m, namedRef{t.(string), r})
	}
	_, err := d.Token()
	return err
}

// ---- generation ----

func main() {
	log.SetFlags(0)
	log.SetPrefix("awsmodel/gen: ")
	out := flag.String("o", "zz_generated.go", "output file")
	root := flag.String("botocore", "", "botocore package directory (default: ask python3)")
	flag.Parse()
	if *root == "" {
		b, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
		if err != nil {
			log.Fatalf("cannot import botocore with python3 (pass -botocore DIR): %v", err)
		}
		*root = strings.TrimSpace(string(b))
	}
	src, err := generate(*root)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

func botocoreVersion(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "__init__.py"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([^'"]+)['"]`).FindSubmatch(b)
	if m == nil {
		return "", errors.New("no __version__ in botocore/__init__.py")
	}
	return string(m[1]), nil
}

// loadModel reads the newest API version of a service's model.
func loadModel(root, service string) (*model, string, error) {
	dir := filepath.Join(root, "data", service)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, "", err
	}
	var versions []string
	for _, e := range entries {
		if e.IsDir() && (exists(filepath.Join(dir, e.Name(), "service-2.json.gz")) || exists(filepath.Join(dir, e.Name(), "service-2.json"))) {
			versions = append(versions, e.Name())
		}
	}
	if len(versions) == 0 {
		return nil, "", fmt.Errorf("%s: no service-2.json", dir)
	}
	slices.Sort(versions)
	version := versions[len(versions)-1]
	var r io.Reader
	p := filepath.Join(dir, version, "service-2.json")
	if f, err := os.Open(p + ".gz"); err == nil {
		defer f.Close()
		if r, err = gzip.NewReader(f); err != nil {
			return nil, "", fmt.Errorf("%s.gz: %w", p, err)
		}
	} else {
		f, err := os.Open(p)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	var m model
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, "", fmt.Errorf("%s: %w", p, err)
	}
	return &m, version, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// typeCodes are the one-letter shape types of the table (see ../table.go).
var typeCodes = map[string]string{
	"string": "s", "structure": "S", "list": "l", "map": "m", "blob": "b",
	"boolean": "B", "integer": "i", "long": "L", "timestamp": "t",
	"double": "d", "float": "f", "document": "D",
}

var locCodes = map[string]string{
	"": "-", "uri": "u", "querystring": "q", "header": "h", "headers": "H", "statusCode": "c",
}

func generate(root string) ([]byte, error) {
	version, err := botocoreVersion(root)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `// Code generated by "go run ./gen"; DO NOT EDIT.
// Source: botocore %s service models (botocore/data/<service>/<api-version>/service-2.json).
// Regenerate with: go generate ./internal/awsmodel/
// Services and special cases are listed in gen/main.go; the table format is described in table.go.

package awsmodel

// BotocoreVersion is the botocore release the tables were generated from.
const BotocoreVersion = %q

var specs = [...]serviceSpec{
`, version, version)
	var tables bytes.Buffer
	seen := map[string]bool{}
	for _, name := range services {
		if err := specEntry(root, name, seen, &b, &tables, false); err != nil {
			return nil, err
		}
	}
	b.WriteString("}\n\n// servedSpecs are the services Cairn serves itself (see ServedByName).\nvar servedSpecs = [...]serviceSpec{\n")
	for _, name := range servedServices {
		if err := specEntry(root, name, seen, &b, &tables, true); err != nil {
			return nil, err
		}
	}
	b.WriteString("}\n")
	b.Write(tables.Bytes())
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt: %w", err)
	}
	return src, nil
}

// specEntry writes one service's serviceSpec line to b and its operation
// table to tables; withErrors adds the model's error shapes.
func specEntry(root, name string, seen map[string]bool, b, tables *bytes.Buffer, withErrors bool) error {
	if seen[name] {
		return fmt.Errorf("%s listed twice", name)
	}
	seen[name] = true
	m, apiDir, err := loadModel(root, name)
	if err != nil {
		return err
	}
	md := m.Metadata
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	protocols := md.Protocols
	if len(protocols) == 0 {
		protocols = []string{md.Protocol}
	}
	protocols = append(slices.Clone(protocols), extraProtocols[name]...)
	for _, p := range protocols {
		if !slices.Contains([]string{"json", "query", "ec2", "rest-xml", "rest-json", "smithy-rpc-v2-cbor"}, p) {
			return fmt.Errorf("%s: unknown protocol %q", name, p)
		}
	}
	if md.APIVersion != apiDir {
		return fmt.Errorf("%s: apiVersion %s in directory %s", name, md.APIVersion, apiDir)
	}
	ident := "ops" + goIdent(name)
	fmt.Fprintf(b, "\t{name: %q, signingName: %q, endpointPrefix: %q, eventSource: %q, protocols: %q, targetPrefix: %q, jsonVersion: %q, apiVersion: %q, serviceID: %q, globalEndpoint: %q, ops: %s},\n",
		name, signing, md.EndpointPrefix, eventSource(name, signing), strings.Join(protocols, " "),
		md.TargetPrefix, md.JSONVersion, md.APIVersion, md.ServiceID, md.GlobalEndpoint, ident)
	if withErrors {
		b.Truncate(b.Len() - len("},\n"))
		fmt.Fprintf(b, ", errors: %q},\n", errorShapes(m))
	}
	table, err := opTable(name, m)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(tables, "\nconst %s = `%s`\n", ident, table)
	return nil
}

// errorShapes lists the model's exception shapes, sorted, space-separated.
// CloudTrail's carry no "error" trait: each code is its shape name, HTTP 400.
func errorShapes(m *model) string {
	var names []string
	for n, sh := range m.Shapes {
		if sh.Exception {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func goIdent(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '-' || r == '_' {
			up = true
			continue
		}
		if up {
			r = []rune(strings.ToUpper(string(r)))[0]
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

var labelRE = regexp.MustCompile(`\{([^}]*)\}`)

// opTable renders one service's operations, one line each, followed by their
// input ("<") and output (">") member lines.
func opTable(service string, m *model) (string, error) {
	names := make([]string, 0, len(m.Operations))
	for n := range m.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	for n := range readOnlyOverrides[service] {
		if _, ok := m.Operations[n]; !ok {
			return "", fmt.Errorf("readOnlyOverrides names unknown operation %s", n)
		}
	}
	sens := newSensitivity(m.Shapes)
	var b strings.Builder
	b.WriteString("\n")
	for _, n := range names {
		o := m.Operations[n]
		if o.Name != n {
			return "", fmt.Errorf("operation %s named %s", n, o.Name)
		}
		method, uri := o.HTTP.Method, o.HTTP.RequestURI
		if method == "" {
			method = "POST"
		}
		if uri == "" {
			uri = "/"
		}
		if err := checkURI(uri); err != nil {
			return "", fmt.Errorf("%s: %w", n, err)
		}
		flags := ""
		if readOnly(service, n, m.Metadata.Protocol, method, o.ReadOnly) {
			flags += "r"
		}
		if o.Deprecated {
			flags += "d"
		}
		in, inPayload, err := memberLines("<", o.Input, m, sens, service == "ec2")
		if err != nil {
			return "", fmt.Errorf("%s input: %w", n, err)
		}
		out, outPayload, err := memberLines(">", o.Output, m, sens, false)
		if err != nil {
			return "", fmt.Errorf("%s output: %w", n, err)
		}
		for _, l := range labelRE.FindAllStringSubmatch(uri, -1) {
			if !hasURIMember(o.Input, m, strings.TrimSuffix(l[1], "+")) {
				return "", fmt.Errorf("%s: no uri member for label %s", n, l[0])
			}
		}
		line := strings.Join(trimDashes([]string{n, method, uri, dash(flags), dash(inPayload), dash(outPayload)}, 3), " ")
		b.WriteString(line + "\n" + in + out)
	}
	s := b.String()
	if strings.Contains(s, "`") {
		return "", errors.New("table contains a backquote")
	}
	return s, nil
}

func hasURIMember(r *ref, m *model, label string) bool {
	if r == nil {
		return false
	}
	for _, mem := range m.Shapes[r.Shape].Members {
		if mem.Ref.Location == "uri" && (mem.Ref.LocationName == label || mem.Ref.LocationName == "" && mem.Name == label) {
			return true
		}
	}
	return false
}

// checkURI rejects request URIs the runtime matcher does not handle: labels
// sharing a segment with literal text, or more than one greedy label.
func checkURI(uri string) error {
	path, _, _ := strings.Cut(uri, "?")
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("request URI %q does not start with /", uri)
	}
	greedy := 0
	for _, seg := range strings.Split(path[1:], "/") {
		if strings.ContainsAny(seg, "{}") && !(strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && strings.Count(seg, "{") == 1) {
			return fmt.Errorf("request URI %q: label shares a segment with literal text", uri)
		}
		if strings.HasSuffix(seg, "+}") {
			greedy++
		}
	}
	if greedy > 1 {
		return fmt.Errorf("request URI %q has %d greedy labels", uri, greedy)
	}
	if strings.ContainsAny(uri, " \n\t") {
		return fmt.Errorf("request URI %q contains white space", uri)
	}
	return nil
}

// trimDashes drops trailing "-" (default) fields, keeping at least min.
func trimDashes(fields []string, min int) []string {
	for len(fields) > min && fields[len(fields)-1] == "-" {
		fields = fields[:len(fields)-1]
	}
	return fields
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// memberLines renders the top-level members of an operation's input or
// output shape: "<Name type [flags [location [wireName]]]", trailing
// defaults ("-") omitted. ec2Input: the wire name is the EC2 query key
// (queryName, else locationName capitalised).
func memberLines(dir string, r *ref, m *model, sens *sensitivity, ec2Input bool) (string, string, error) {
	if r == nil {
		return "", "", nil
	}
	sh, ok := m.Shapes[r.Shape]
	if !ok || sh.Type != "structure" {
		return "", "", fmt.Errorf("shape %s is not a structure", r.Shape)
	}
	var b strings.Builder
	for _, mem := range sh.Members {
		ms, ok := m.Shapes[mem.Ref.Shape]
		if !ok {
			return "", "", fmt.Errorf("member %s: no shape %s", mem.Name, mem.Ref.Shape)
		}
		typ := ms.Type
		if ms.Document {
			typ = "document"
		}
		tc, ok := typeCodes[typ]
		if !ok {
			return "", "", fmt.Errorf("member %s: unknown type %s", mem.Name, ms.Type)
		}
		lc, ok := locCodes[mem.Ref.Location]
		if !ok {
			return "", "", fmt.Errorf("member %s: unknown location %s", mem.Name, mem.Ref.Location)
		}
		flags := ""
		if slices.Contains(sh.Required, mem.Name) {
			flags += "R"
		}
		if mem.Ref.Sensitive || sens.of(mem.Ref.Shape) {
			flags += "S"
		}
		if mem.Ref.Streaming || ms.Streaming || ms.EventStream || sh.Payload == mem.Name && ms.Type == "blob" {
			flags += "T"
		}
		if mem.Ref.IdempotencyToken {
			flags += "I"
		}
		wire := mem.Ref.LocationName
		if ec2Input {
			wire = mem.Ref.QueryName
			if wire == "" && mem.Ref.LocationName != "" {
				wire = strings.ToUpper(mem.Ref.LocationName[:1]) + mem.Ref.LocationName[1:]
			}
		}
		if wire == mem.Name {
			wire = ""
		}
		for _, s := range []string{mem.Name, wire} {
			if s == "-" || strings.ContainsAny(s, " \t\n`") {
				return "", "", fmt.Errorf("member name %q cannot go in the table", s)
			}
		}
		fields := trimDashes([]string{dir + mem.Name, tc, dash(flags), lc, dash(wire)}, 2)
		b.WriteString(strings.Join(fields, " ") + "\n")
	}
	return b.String(), sh.Payload, nil
}

// sensitivity reports whether a shape is sensitive or contains a sensitive
// shape anywhere below it (so the whole subtree must be redacted). It is a
// fixed point over the model's shapes, which may be recursive.
type sensitivity struct {
	set map[string]bool
}

func newSensitivity(shapes map[string]*shape) *sensitivity {
	s := &sensitivity{set: map[string]bool{}}
	for n, sh := range shapes {
		if sh.Sensitive {
			s.set[n] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for n, sh := range shapes {
			if s.set[n] {
				continue
			}
			refs := []*ref{sh.Member, sh.Key, sh.Value}
			for i := range sh.Members {
				refs = append(refs, &sh.Members[i].Ref)
			}
			for _, r := range refs {
				if r != nil && (r.Sensitive || s.set[r.Shape]) {
					s.set[n], changed = true, true
					break
				}
			}
		}
	}
	return s
}

func (s *sensitivity) of(name string) bool { return s.set[name] }
