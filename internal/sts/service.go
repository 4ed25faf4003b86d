// Package sts serves the STS API (AWS Query protocol): GetCallerIdentity.
package sts

import (
	"context"
	"net/url"

	"github.com/cairn-audit/cairn/internal/api"
)

// Wire constants.
const (
	Namespace   = "https://sts.amazonaws.com/doc/2011-06-15/"
	APIVersion  = "2011-06-15"
	signingName = "sts"
	eventSource = "sts.amazonaws.com"
)

// Service is the STS API. It needs no state: the caller is already
// authenticated.
type Service struct{ proto api.Query }

var _ api.Service = (*Service)(nil)

// New returns the STS service.
func New() *Service { return &Service{proto: api.Query{Namespace: Namespace}} }

func (s *Service) SigningName() string    { return signingName }
func (s *Service) EventSource() string    { return eventSource }
func (s *Service) Global() bool           { return true }
func (s *Service) Protocol() api.Protocol { return s.proto }

type getCallerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// Handle serves GetCallerIdentity; any other action is InvalidAction.
func (s *Service) Handle(_ context.Context, c *api.Call) *api.Result {
	p := url.Values{}
	for k, vs := range c.Query {
		p[k] = append(p[k], vs...)
	}
	if len(c.Body) > 0 {
		form, err := url.ParseQuery(string(c.Body))
		if err != nil {
			return s.proto.ErrorResult("", api.Errorf("MalformedQueryString", "The request body is not a valid form-encoded query string."), c.RequestID)
		}
		for k, vs := range form {
			p[k] = append(p[k], vs...)
		}
	}
	op := p.Get("Action")
	if op != "GetCallerIdentity" {
		return s.proto.ErrorResult(op, api.Errorf("InvalidAction", "Could not find operation %s for version %s", op, APIVersion), c.RequestID)
	}
	out := getCallerIdentityResult{Arn: c.Caller.ARN, UserID: c.Caller.PrincipalID, Account: c.Caller.AccountID}
	res := s.proto.QueryResult(op, out, c.RequestID)
	res.ReadOnly = true // requestParameters and responseElements stay null
	return res
}
