package gateway

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// fakeModels stands in for awsmodel: REST operations matched on method and
// URI template, JSON ones on X-Amz-Target.
type fakeModels map[string]*fakeModel

type fakeModel struct {
	info ServiceInfo
	ops  []*Operation
}

func (f fakeModels) lookup(name string) (ServiceModel, bool) {
	m, ok := f[name]
	return m, ok
}

func (m *fakeModel) Info() ServiceInfo { return m.info }

var labelRE = regexp.MustCompile(`\{([A-Za-z0-9]+)(\+?)\}`)

func (m *fakeModel) Resolve(method, path, rawQuery string, h http.Header, body []byte) (Resolution, bool) {
	op, labels, ok := m.resolve(method, path, h)
	if !ok {
		return Resolution{}, false
	}
	return Resolution{Op: op, Name: op.Name, Labels: labels}, true
}

func (m *fakeModel) resolve(method, path string, h http.Header) (*Operation, map[string]string, bool) {
	if t := h.Get("X-Amz-Target"); t != "" {
		for _, op := range m.ops {
			if strings.HasSuffix(t, "."+op.Name) {
				return op, nil, true
			}
		}
		return nil, nil, false
	}
	for _, op := range m.ops {
		if op.Method != method {
			continue
		}
		tmpl, _, _ := strings.Cut(op.URI, "?")
		var names []string
		pat := labelRE.ReplaceAllStringFunc(tmpl, func(s string) string {
			sm := labelRE.FindStringSubmatch(s)
			names = append(names, sm[1])
			if sm[2] == "+" {
				return "(.+)"
			}
			return "([^/]+)"
		})
		sm := regexp.MustCompile("^" + pat + "$").FindStringSubmatch(path)
		if sm == nil {
			continue
		}
		labels := map[string]string{}
		for i, n := range names {
			labels[n], _ = url.PathUnescape(sm[i+1])
		}
		return op, labels, true
	}
	return nil, nil, false
}
