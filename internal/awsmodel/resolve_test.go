package awsmodel

import (
	"bufio"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestResolve runs testdata/resolve.txt (its format is described at its top).
func TestResolve(t *testing.T) {
	f, err := os.Open("testdata/resolve.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, lineNo := 0, 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		req, want, ok := strings.Cut(line, "=>")
		rf, wf := strings.Fields(req), strings.Fields(want)
		if !ok || len(rf) < 3 || len(wf) < 1 {
			t.Fatalf("resolve.txt:%d: malformed: %s", lineNo, line)
		}
		n++
		s, ok := ByName(rf[0])
		if !ok {
			t.Fatalf("resolve.txt:%d: no service %s", lineNo, rf[0])
		}
		path, rawQuery, _ := strings.Cut(rf[2], "?")
		h := http.Header{}
		var body []byte
		for _, tok := range rf[3:] {
			k, v, _ := strings.Cut(tok, ":")
			switch k {
			case "H":
				name, val, _ := strings.Cut(v, "=")
				h.Add(name, val)
			case "T":
				h.Set("X-Amz-Target", v)
			case "F":
				h.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				body = []byte(v)
			case "B":
				body = []byte(v)
			case "J":
				h.Set("Content-Type", "application/x-amz-json-1.0")
				body = []byte(v)
			default:
				t.Fatalf("resolve.txt:%d: unknown token %s", lineNo, tok)
			}
		}
		m, ok := s.Match(rf[1], path, rawQuery, h, body)
		got := "-"
		if ok {
			got = m.Op.Name
			if m.Name != got {
				t.Errorf("resolve.txt:%d: Name %q, Op %q", lineNo, m.Name, got)
			}
		}
		if got != wf[0] {
			t.Errorf("resolve.txt:%d: %s: got %s, want %s", lineNo, strings.TrimSpace(req), got, wf[0])
			continue
		}
		wantLabels := map[string]string{}
		for _, e := range wf[1:] {
			if v, ok := strings.CutPrefix(e, "proto:"); ok {
				if m.Protocol.String() != v {
					t.Errorf("resolve.txt:%d: protocol %v, want %s", lineNo, m.Protocol, v)
				}
			} else if v, ok := strings.CutPrefix(e, "name:"); ok {
				if m.Name != v {
					t.Errorf("resolve.txt:%d: name %q, want %q", lineNo, m.Name, v)
				}
			} else {
				k, v, _ := strings.Cut(e, "=")
				if u, err := url.PathUnescape(v); err == nil {
					v = u
				}
				wantLabels[k] = v
			}
		}
		if ok && s.Protocol.REST() && !maps.Equal(m.Labels, wantLabels) {
			t.Errorf("resolve.txt:%d: labels %q, want %q", lineNo, m.Labels, wantLabels)
		}
		// Resolve is Match's short form.
		op, labels, rok := s.Resolve(rf[1], path, rawQuery, h, body)
		if rok != ok || op != m.Op || !maps.Equal(labels, m.Labels) {
			t.Errorf("resolve.txt:%d: Resolve and Match differ", lineNo)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d cases", n)
	}
}

func TestResolveEmptyPath(t *testing.T) {
	s3, _ := ByName("s3")
	if op, _, ok := s3.Resolve("GET", "", "", nil, nil); !ok || op.Name != "ListBuckets" {
		t.Fatalf("GET \"\": %v %v", op, ok)
	}
}

// TestResolveTemplates builds a request from every REST operation's own
// template (labels, query literals, required querystring and header
// members) and checks that it resolves to the operation, or to one the
// request cannot tell it from: same method, template and requirements.
func TestResolveTemplates(t *testing.T) {
	for _, s := range Services() {
		if !s.Protocol.REST() {
			continue
		}
		for _, op := range s.Operations() {
			r := compileRoute(op)
			var path strings.Builder
			want := map[string]string{}
			for _, seg := range r.segs {
				path.WriteByte('/')
				switch {
				case seg.label == "":
					path.WriteString(seg.lit)
				case seg.greedy:
					path.WriteString("g1/g%202")
					want[seg.label] = "g1/g 2"
				default:
					path.WriteString("v%3A1")
					want[seg.label] = "v:1"
				}
			}
			q := url.Values{}
			for _, l := range r.query {
				q.Set(l.key, l.value)
			}
			for _, k := range r.reqQuery {
				q.Set(k, "1")
			}
			h := http.Header{}
			for _, k := range r.reqHeader {
				h.Set(k, "1")
			}
			got, labels, ok := s.Resolve(op.Method, path.String(), q.Encode(), h, nil)
			if !ok {
				t.Errorf("%s %s: %s %s?%s: no match", s.Name, op.Name, op.Method, path.String(), q.Encode())
				continue
			}
			if got != op && !sameWire(r, compileRoute(got)) {
				t.Errorf("%s %s: %s %s?%s: resolved to %s", s.Name, op.Name, op.Method, path.String(), q.Encode(), got.Name)
			}
			if got == op && !maps.Equal(labels, want) {
				t.Errorf("%s %s: labels %q, want %q", s.Name, op.Name, labels, want)
			}
		}
	}
}

// sameWire reports whether no request can tell two routes apart.
func sameWire(a, b *route) bool {
	strip := func(u string) string { // label names don't matter
		var out strings.Builder
		depth := 0
		for _, c := range u {
			switch {
			case c == '{':
				depth++
				out.WriteString("{}")
			case c == '}':
				depth--
			case depth == 0:
				out.WriteRune(c)
			}
		}
		return out.String()
	}
	return a.op.Method == b.op.Method && strip(a.op.URI) == strip(b.op.URI) &&
		slices.Equal(sorted(a.reqQuery), sorted(b.reqQuery)) && slices.Equal(sorted(a.reqHeader), sorted(b.reqHeader))
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// TestOwnsTarget: botocore's full target prefix and the Smithy SDKs' short
// form (its last dotted component) both name the service.
func TestOwnsTarget(t *testing.T) {
	s := &Service{TargetPrefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"}
	for prefix, want := range map[string]bool{
		"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": true,
		"CloudTrail_20131101":                     true,
		"Other_20131101":                          false,
		"com.amazonaws.other.CloudTrail_20131101": false,
		"": false,
	} {
		if got := s.ownsTarget(prefix); got != want {
			t.Errorf("%q: %v", prefix, got)
		}
	}
	if (&Service{}).ownsTarget("") {
		t.Errorf("a service without a target prefix owns \"\"")
	}
}

func TestRPCv2Path(t *testing.T) {
	for path, want := range map[string][2]string{
		"/service/Svc/operation/Op":        {"Svc", "Op"},
		"/prefix/service/Svc/operation/Op": {"Svc", "Op"},
		"/service/Svc/operation/":          {},
		"/service//operation/Op":           {},
		"/service/Svc/operation/Op/x":      {},
		"/service/Svc":                     {},
		"/":                                {},
	} {
		svc, op, ok := rpcv2Path(path)
		if ok != (want[0] != "") || svc != want[0] || op != want[1] {
			t.Errorf("%q: %q %q %v", path, svc, op, ok)
		}
	}
}

// FuzzResolve: no input panics, and a match always has an operation whose
// labels are its URI's.
func FuzzResolve(f *testing.F) {
	f.Add("s3", "PUT", "/b/k", "partNumber=1&uploadId=x", "", "")
	f.Add("s3", "GET", "/b//", "list-type=2&list-type=3", "", "")
	f.Add("lambda", "POST", "/2015-03-31/functions/%zz/invocations", "", "", "")
	f.Add("sqs", "POST", "/", "", "AmazonSQS.SendMessage", "")
	f.Add("iam", "POST", "/", "", "", "Action=CreateUser&UserName=%")
	f.Add("cloudwatch", "POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData", "", "", "")
	f.Fuzz(func(t *testing.T, svc, method, path, rawQuery, target, body string) {
		s, ok := ByName(svc)
		if !ok {
			s = Services()[len(svc)%len(Services())]
		}
		h := http.Header{}
		if target != "" {
			h.Set("X-Amz-Target", target)
		}
		m, ok := s.Match(method, path, rawQuery, h, []byte(body))
		if ok && (m.Op == nil || m.Op.Name != m.Name) {
			t.Fatalf("match without operation: %+v", m)
		}
		for k := range m.Labels {
			if !strings.Contains(m.Op.URI, "{"+k+"}") && !strings.Contains(m.Op.URI, "{"+k+"+}") {
				t.Fatalf("label %s not in %s", k, m.Op.URI)
			}
		}
	})
}
