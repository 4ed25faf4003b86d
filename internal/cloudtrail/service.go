// Package cloudtrail serves the CloudTrail API (AWS JSON 1.1).
package cloudtrail

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	objstore "github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/trail"
)

// TargetPrefix is the X-Amz-Target prefix of the CloudTrail API.
const TargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

// APIVersion is the CloudTrail API version records name.
const APIVersion = "2013-11-01"

// Defaults for Options.
const (
	DefaultRetention   = 90 * 24 * time.Hour
	DefaultSyncTimeout = 2 * time.Second
)

// Index is the history indexer as lookups see it.
type Index interface {
	// Pending returns matching durable events the store does not hold yet;
	// ok is false when there are more than maxPending of them.
	Pending(q history.Query, maxPending int) (entries []event.Entry, ok bool, err error)
	// Sync waits until every durable event is in the store.
	Sync(ctx context.Context, timeout time.Duration) error
}

// Options configure the service.
type Options struct {
	Store           history.Store // event history; required
	Index           Index         // read barrier; required
	TokenKey        []byte        // HMAC key for page tokens; required, 32 bytes
	Retention       time.Duration // Event history window; default DefaultRetention
	SyncTimeout     time.Duration // how long a lookup waits for the index; default DefaultSyncTimeout
	LookupRateLimit float64       // LookupEvents per second per account and region; 0 = unlimited
	Now             func() time.Time
	Logger          *slog.Logger

	// Trails holds the trails; nil answers the trail operations with
	// UnsupportedOperationException.
	Trails             *trail.Store
	Buckets            objstore.Store     // where trails deliver; CreateTrail/UpdateTrail check buckets in it
	Status             trail.StatusSource // delivery status for GetTrailStatus; nil = no deliveries yet
	SNSTopics          map[string]string  // SNS topic name -> notification webhook URL
	MaxTrailsPerRegion int                // default DefaultMaxTrailsPerRegion

	// Keys lists the digest signing keys for ListPublicKeys; nil answers it
	// with UnsupportedOperationException.
	Keys PublicKeySource
	// Channels holds the Lake channels; nil answers the channel and
	// resource policy operations with UnsupportedOperationException.
	Channels             *channel.Store
	MaxChannelsPerRegion int // default DefaultMaxChannelsPerRegion
	// Lake serves event data stores, queries and imports; nil answers
	// those operations with UnsupportedOperationException.
	Lake *lake.Lake
}

// Service is the CloudTrail API.
type Service struct {
	opts    Options
	proto   api.JSON
	tokens  tokenCodec
	limiter *rateLimiter
	now     func() time.Time
}

// New returns the CloudTrail service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Index == nil {
		return nil, errors.New("cloudtrail: Store and Index are required")
	}
	if len(opts.TokenKey) < 16 {
		return nil, errors.New("cloudtrail: TokenKey must be at least 16 bytes")
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.SyncTimeout <= 0 {
		opts.SyncTimeout = DefaultSyncTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxTrailsPerRegion <= 0 {
		opts.MaxTrailsPerRegion = DefaultMaxTrailsPerRegion
	}
	if opts.MaxChannelsPerRegion <= 0 {
		opts.MaxChannelsPerRegion = DefaultMaxChannelsPerRegion
	}
	s := &Service{opts: opts, proto: api.JSON{TargetPrefix: TargetPrefix}, tokens: tokenCodec{key: opts.TokenKey}, now: opts.Now}
	if opts.LookupRateLimit > 0 {
		s.limiter = newRateLimiter(opts.LookupRateLimit)
	}
	return s, nil
}

func (s *Service) SigningName() string    { return "cloudtrail" }
func (s *Service) EventSource() string    { return "cloudtrail.amazonaws.com" }
func (s *Service) Global() bool           { return false }
func (s *Service) Protocol() api.Protocol { return s.proto }

// Handle serves one CloudTrail call.
func (s *Service) Handle(ctx context.Context, c *api.Call) *api.Result {
	op := s.proto.Operation(&http.Request{Header: c.Header, URL: &url.URL{RawQuery: c.Query.Encode()}}, nil)
	o, known := operationTable[op]
	var res *api.Result
	var err error
	switch {
	case c.Method != http.MethodPost:
		err = cterr.UnknownOperation.New("The CloudTrail API accepts POST requests only.")
	case op == "":
		err = cterr.UnknownOperation.New("X-Amz-Target must name a CloudTrail operation (%s.<Operation>).", TargetPrefix)
	case !known:
		err = cterr.UnknownOperation.New("%s is not a CloudTrail operation.", op)
	default:
		res, err = s.serve(ctx, c, op, o)
	}
	if err != nil {
		if ae := (*api.Error)(nil); !errors.As(err, &ae) {
			// Not an AWS error: the client sees InternalFailure, the log the cause.
			s.opts.Logger.Error("cloudtrail call failed", "op", op, "request_id", c.RequestID, "err", err)
		}
		res = api.ErrorResult(s.proto, op, err, c.RequestID)
	}
	if res.EventName == "" {
		res.EventName = op
	}
	res.ReadOnly = readOnlyOperation(op)
	res.APIVersion = APIVersion
	if op == "LookupEvents" {
		res.RequestParameters = lookupRequestParameters(c.Body)
	} else if rp := requestParameters(c.Body); rp != nil {
		res.RequestParameters = rp
	}
	return res
}
