// Package cloudtraildata serves the CloudTrail Data API (cloudtrail-data,
// rest-json): PutAuditEvents, through which events from outside AWS enter
// CloudTrail Lake over a channel. Accepted events become ActivityAuditLog
// entries, appended durably to the audit event stream in one batch per call
// before the call is answered.
package cloudtraildata

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
)

// APIVersion is the CloudTrail Data API version records name.
const APIVersion = "2021-08-11"

// Limits of PutAuditEvents.
const (
	DefaultMaxBodyBytes = 1 << 20 // 1 MB per request
	MaxEventsPerCall    = 100
)

// Stream is the durable stream accepted events are appended to.
type Stream interface {
	// AppendBatch returns once every payload is durable, with the sequence
	// number of the first; the batch is durable together or not at all.
	AppendBatch(ctx context.Context, payloads [][]byte) (uint64, error)
}

// Options configure the service.
type Options struct {
	Channels     *channel.Store // required
	Stream       Stream         // required: where accepted events go
	MaxBodyBytes int            // default DefaultMaxBodyBytes
	// MaxEventTimeAhead is how far in the future an eventTime may be;
	// default DefaultMaxEventTimeAhead (see eventtime.go).
	MaxEventTimeAhead time.Duration
	Now               func() time.Time
	Logger            *slog.Logger
}

// Service is the CloudTrail Data API.
type Service struct {
	opts  Options
	proto RestJSON

	policyMu sync.Mutex
	policies map[string]*channel.Policy // parsed resource policies by document

	retention atomic.Pointer[StoreRetention] // see SetStoreRetention
	eventSize atomic.Pointer[StoreEventSize] // see SetStoreEventSize
}

// New returns the CloudTrail Data service.
func New(opts Options) (*Service, error) {
	if opts.Channels == nil || opts.Stream == nil {
		return nil, errors.New("cloudtraildata: Channels and Stream are required")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxEventTimeAhead <= 0 {
		opts.MaxEventTimeAhead = DefaultMaxEventTimeAhead
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{opts: opts, policies: map[string]*channel.Policy{}}, nil
}

func (s *Service) SigningName() string    { return "cloudtrail-data" }
func (s *Service) EventSource() string    { return "cloudtrail-data.amazonaws.com" }
func (s *Service) Global() bool           { return false }
func (s *Service) Protocol() api.Protocol { return s.proto }

// Handle serves one call. PutAuditEvents is recorded as a data event on the
// channel (resources type AWS::CloudTrail::Channel), not read-only.
func (s *Service) Handle(ctx context.Context, c *api.Call) *api.Result {
	op := operation(c.Method, c.Path)
	var res *api.Result
	var ch *channel.Channel
	var err error
	if op == "" {
		err = &api.Error{Code: "UnknownOperationException", Message: "CloudTrail Data serves POST /PutAuditEvents only.", Status: http.StatusNotFound}
	} else {
		res, ch, err = s.putAuditEvents(ctx, c)
	}
	if err != nil {
		res = api.ErrorResult(s.proto, op, err, c.RequestID)
	}
	if res.EventName == "" {
		res.EventName = "UnknownOperation"
	}
	res.DataEvent, res.ReadOnly, res.APIVersion = true, false, APIVersion
	if ref := c.Query.Get("channelArn"); ref != "" {
		res.RequestParameters = map[string]string{"channelArn": ref}
	}
	if ch != nil {
		res.Resources = []event.ResourceRef{{Type: channelResourceType, Name: ch.Name, ARN: ch.ARN}}
	}
	return res
}

// channelResourceType is the resources[].type of a channel in records.
const channelResourceType = "AWS::CloudTrail::Channel"

// policy returns the parsed resource policy of ch (nil if it has none).
func (s *Service) policy(ch *channel.Channel) *channel.Policy {
	if ch.Policy == "" {
		return nil
	}
	s.policyMu.Lock()
	defer s.policyMu.Unlock()
	if p, ok := s.policies[ch.Policy]; ok {
		return p
	}
	p, err := channel.ParsePolicy(ch.Policy, ch.ARN)
	if err != nil { // stored policies were validated; treat a bad one as denying all but the owner
		s.opts.Logger.Warn("stored channel policy does not parse", "channel", ch.ARN, "err", err)
		p = &channel.Policy{}
	}
	if len(s.policies) >= 1024 {
		clear(s.policies)
	}
	s.policies[ch.Policy] = p
	return p
}
