// Package iam serves the IAM API (AWS Query protocol) for users and access
// keys over the identity store. Every caller in an account may call every
// operation on that account: there is no policy evaluation yet.
package iam

import (
	"context"
	"net/url"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/identity"
)

// Wire constants.
const (
	Namespace   = "https://iam.amazonaws.com/doc/2010-05-08/"
	APIVersion  = "2010-05-08"
	signingName = "iam"
	eventSource = "iam.amazonaws.com"
)

// Service is the IAM API over an identity store.
type Service struct {
	store *identity.Store
	proto api.Query
}

var _ api.Service = (*Service)(nil)

// New returns the IAM service over store.
func New(store *identity.Store) *Service {
	return &Service{store: store, proto: api.Query{Namespace: Namespace}}
}

func (s *Service) SigningName() string    { return signingName }
func (s *Service) EventSource() string    { return eventSource }
func (s *Service) Global() bool           { return true }
func (s *Service) Protocol() api.Protocol { return s.proto }

// operation serves one action. It returns the result; rec carries what the
// event records and is merged into the result (also for errors).
type operation struct {
	readOnly bool
	serve    func(s *Service, ctx context.Context, c *api.Call, p url.Values, rec *record) (*api.Result, error)
}

var operations = map[string]operation{
	"CreateUser":      {false, (*Service).createUser},
	"GetUser":         {true, (*Service).getUser},
	"ListUsers":       {true, (*Service).listUsers},
	"DeleteUser":      {false, (*Service).deleteUser},
	"CreateAccessKey": {false, (*Service).createAccessKey},
	"ListAccessKeys":  {true, (*Service).listAccessKeys},
	"UpdateAccessKey": {false, (*Service).updateAccessKey},
	"DeleteAccessKey": {false, (*Service).deleteAccessKey},
}

// Handle serves an authenticated call. Writes are staged in an identity
// transaction that the Result's Commit/Abort end.
func (s *Service) Handle(ctx context.Context, c *api.Call) *api.Result {
	p, perr := params(c)
	if perr != nil {
		return s.proto.ErrorResult("", perr, c.RequestID)
	}
	op := p.Get("Action")
	o, ok := operations[op]
	if !ok {
		return s.proto.ErrorResult(op, api.Errorf("InvalidAction", "Could not find operation %s for version %s", op, APIVersion), c.RequestID)
	}
	rec := &record{}
	res, err := o.serve(s, ctx, c, p, rec)
	if err != nil {
		res = s.proto.ErrorResult(op, asError(err), c.RequestID)
	}
	res.EventName = op
	res.ReadOnly = o.readOnly
	res.RequestParameters = rec.params.value()
	if err == nil && rec.response != nil {
		res.ResponseElements = rec.response
	}
	res.Resources = rec.resources
	return res
}

// params are the form parameters of a Query call: URL query plus body.
func params(c *api.Call) (url.Values, *api.Error) {
	v := url.Values{}
	for k, vs := range c.Query {
		v[k] = append(v[k], vs...)
	}
	if len(c.Body) > 0 {
		form, err := url.ParseQuery(string(c.Body))
		if err != nil {
			return nil, api.Errorf("MalformedQueryString", "The request body is not a valid form-encoded query string.")
		}
		for k, vs := range form {
			v[k] = append(v[k], vs...)
		}
	}
	return v, nil
}
