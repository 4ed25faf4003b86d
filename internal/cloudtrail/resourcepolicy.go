package cloudtrail

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

type resourcePolicyInput struct {
	ResourceArn    *string `json:"ResourceArn"`
	ResourcePolicy *string `json:"ResourcePolicy"`
}

type resourcePolicyOutput struct {
	ResourceArn    string `json:"ResourceArn"`
	ResourcePolicy string `json:"ResourcePolicy"`
}

// findPolicyResource resolves a ResourceArn. Resource policies attach to
// channels, event data stores and dashboards; Cairn has channels only, so
// the ARN of an event data store or dashboard names nothing
// (ResourceNotFoundException) and a trail ARN is ResourceTypeNotSupported.
func findPolicyResource(v channelView, c *api.Call, ref *string) (channel.Channel, error) {
	r := deref(ref)
	a, ok := parseCloudTrailARN(r)
	if len(r) < 3 || len(r) > 256 || !channelRefChars.MatchString(r) || !ok {
		return channel.Channel{}, cterr.ResourceARNNotValid.New("%q is not a valid resource ARN. The format of a channel ARN is arn:aws:cloudtrail:us-east-2:123456789012:channel/01234567-89ab-cdef-0123-456789abcdef.", r)
	}
	notFound := cterr.ResourceNotFound.New("The resource %s was not found.", r)
	switch a.Type {
	case typeTrail:
		return channel.Channel{}, cterr.ResourceTypeNotSupported.New("Resource policies are not supported on trails (%s); they attach to channels, event data stores and dashboards.", r)
	case typeChannel:
	default:
		return channel.Channel{}, notFound
	}
	ch, ok := v.Get(r)
	if !ok || ch.Account != c.Caller.AccountID || ch.Region != c.Region {
		return channel.Channel{}, notFound
	}
	return ch, nil
}

func errPolicyNotFound(arn string) error {
	return cterr.ResourcePolicyNotFound.New("No resource policy is attached to %s.", arn)
}

// putResourcePolicy attaches (or replaces) a channel's resource policy,
// validated by channel.ParsePolicy; the document is kept as given.
func (s *Service) putResourcePolicy(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in resourcePolicyInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	doc := deref(in.ResourcePolicy)
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		ch, err := findPolicyResource(tx, c, in.ResourceArn)
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(doc) < 1 {
			return nil, cterr.ResourcePolicyNotValid.New("The resource policy is empty.")
		}
		if _, err := channel.ParsePolicy(doc, ch.ARN); err != nil {
			var pe *channel.PolicyError
			if errors.As(err, &pe) {
				return nil, cterr.ResourcePolicyNotValid.New("%s", pe.Msg)
			}
			return nil, err
		}
		ch.Policy, ch.Updated = doc, s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(ch); err != nil {
			return nil, err
		}
		return s.channelResult(c, "PutResourcePolicy", ch, resourcePolicyOutput{ResourceArn: ch.ARN, ResourcePolicy: doc}, true)
	})
}

func (s *Service) getResourcePolicy(_ context.Context, c *api.Call) (*api.Result, error) {
	var in resourcePolicyInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	ch, err := findPolicyResource(s.opts.Channels, c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if ch.Policy == "" {
		return nil, errPolicyNotFound(ch.ARN)
	}
	return s.channelResult(c, "GetResourcePolicy", ch, resourcePolicyOutput{ResourceArn: ch.ARN, ResourcePolicy: ch.Policy}, false)
}

func (s *Service) deleteResourcePolicy(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in resourcePolicyInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		ch, err := findPolicyResource(tx, c, in.ResourceArn)
		if err != nil {
			return nil, err
		}
		if ch.Policy == "" {
			return nil, errPolicyNotFound(ch.ARN)
		}
		ch.Policy, ch.Updated = "", s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(ch); err != nil {
			return nil, err
		}
		return s.channelResult(c, "DeleteResourcePolicy", ch, struct{}{}, false)
	})
}
