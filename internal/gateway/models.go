package gateway

import (
	"net/http"
	"sync"

	"github.com/cairn-audit/cairn/internal/awsmodel"
)

// DefaultModels resolves operations with the botocore-generated models of
// internal/awsmodel.
func DefaultModels(signingName string) (ServiceModel, bool) {
	if m, ok := adapters.Load(signingName); ok {
		return m.(*awsService), true
	}
	s, ok := awsmodel.BySigningName(signingName)
	if !ok {
		return nil, false
	}
	m, _ := adapters.LoadOrStore(signingName, &awsService{s: s})
	return m.(*awsService), true
}

var adapters sync.Map // signing name → *awsService

// awsService adapts an awsmodel.Service, converting each operation once.
type awsService struct {
	s   *awsmodel.Service
	ops sync.Map // *awsmodel.Operation → *Operation
}

func (a *awsService) Info() ServiceInfo {
	return ServiceInfo{SigningName: a.s.SigningName, EventSource: a.s.EventSource, Protocol: a.s.Protocol.String(), APIVersion: a.s.APIVersion}
}

func (a *awsService) Resolve(method, path, rawQuery string, h http.Header, body []byte) (Resolution, bool) {
	m, ok := a.s.Match(method, path, rawQuery, h, body)
	if !ok && m.Name == "" {
		return Resolution{}, false
	}
	res := Resolution{Name: m.Name, Labels: m.Labels}
	if m.Protocol != 0 {
		res.Protocol = m.Protocol.String()
	}
	if m.Op != nil {
		res.Op = a.operation(m.Op)
		res.Name = m.Op.Name
	}
	return res, true
}

func (a *awsService) operation(o *awsmodel.Operation) *Operation {
	if op, ok := a.ops.Load(o); ok {
		return op.(*Operation)
	}
	op := &Operation{Name: o.Name, Method: o.Method, URI: o.URI, ReadOnly: o.ReadOnly, Payload: o.Payload,
		Input: members(o.Input), Output: members(o.Output)}
	a.ops.Store(o, op)
	return op
}

func members(ms []awsmodel.Member) []Member {
	out := make([]Member, len(ms))
	for i, m := range ms {
		out[i] = Member{Name: m.Name, Location: m.Location, LocationName: m.LocationName, Type: m.Type, Sensitive: m.Sensitive, Streaming: m.Streaming}
	}
	return out
}
