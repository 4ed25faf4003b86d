package cloudtrail

import (
	"context"
	"fmt"
	"regexp"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/event"
)

// DefaultMaxChannelsPerRegion is CloudTrail's quota of channels per account
// and region.
const DefaultMaxChannelsPerRegion = 25

// channelResourceType is the resources[].type of a channel in records.
const channelResourceType = "AWS::CloudTrail::Channel"

// serveChannelOperation runs a channel operation, or answers
// UnsupportedOperationException when the service has no channel store.
func (s *Service) serveChannelOperation(ctx context.Context, c *api.Call, op string, h handler) (*api.Result, error) {
	if s.opts.Channels == nil {
		return nil, errUnsupported(op)
	}
	return h(s, ctx, c)
}

// channelView is what channels are resolved against: the store, or an open Tx.
type channelView interface {
	Get(arn string) (channel.Channel, bool)
	ByID(id string) (channel.Channel, bool)
	List(account, region string) []channel.Channel
}

var (
	channelRefChars = regexp.MustCompile(`^[a-zA-Z0-9._/\-:]+$`)
	channelIDShape  = regexp.MustCompile(`^[a-zA-Z0-9\-]+$`)
)

func errChannelARNInvalid(ref string) error {
	return cterr.ChannelARNInvalid.New("The specified channel ARN %q is not valid. The format of a channel ARN is arn:aws:cloudtrail:us-east-2:123456789012:channel/01234567-89ab-cdef-0123-456789abcdef.", ref)
}

func errChannelNotFound(ref string) error {
	return cterr.ChannelNotFound.New("The channel %s was not found.", ref)
}

// findChannel resolves a ChannelArn member: the ARN of a channel, or its ID
// (the UUID ending the ARN). A malformed value is ChannelARNInvalidException;
// a channel of another account or region is not found.
func findChannel(v channelView, c *api.Call, ref *string) (channel.Channel, error) {
	r := deref(ref)
	if len(r) < 3 || len(r) > 256 || !channelRefChars.MatchString(r) {
		return channel.Channel{}, errChannelARNInvalid(r)
	}
	var ch channel.Channel
	var ok bool
	if isARN(r) {
		a, valid := parseCloudTrailARN(r)
		if !valid || a.Type != typeChannel || !channelIDShape.MatchString(a.ID) {
			return channel.Channel{}, errChannelARNInvalid(r)
		}
		ch, ok = v.Get(r)
	} else {
		if !channelIDShape.MatchString(r) {
			return channel.Channel{}, errChannelARNInvalid(r)
		}
		ch, ok = v.ByID(r)
	}
	if !ok || ch.Account != c.Caller.AccountID || ch.Region != c.Region {
		return channel.Channel{}, errChannelNotFound(r)
	}
	return ch, nil
}

// channelWrite runs fn in a channel transaction that commits once the
// call's event is durable; if fn fails, or the event cannot be recorded, the
// transaction is aborted and nothing changes.
func (s *Service) channelWrite(ctx context.Context, fn func(tx *channel.Tx) (*api.Result, error)) (*api.Result, error) {
	tx, err := s.opts.Channels.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("channel store: %w", err)
	}
	res, err := fn(tx)
	if err != nil {
		tx.Abort()
		return nil, err
	}
	res.Commit = func() error { return tx.CommitAt(res.Seq) }
	res.Abort = tx.Abort
	return res, nil
}

// channelResult renders out as op's response about ch; write operations
// also record out as responseElements.
func (s *Service) channelResult(c *api.Call, op string, ch channel.Channel, out any, write bool) (*api.Result, error) {
	return s.result(c, op, out, []event.ResourceRef{{Type: channelResourceType, Name: ch.Name, ARN: ch.ARN}}, write)
}

type destinationShape struct {
	Type     string `json:"Type"`
	Location string `json:"Location"`
}

func destinationShapes(ds []channel.Destination) []destinationShape {
	out := make([]destinationShape, 0, len(ds))
	for _, d := range ds {
		out = append(out, destinationShape{Type: d.Type, Location: d.Location})
	}
	return out
}

func channelTagShapes(tags []channel.Tag) []tagShape {
	out := make([]tagShape, 0, len(tags))
	for _, t := range tags {
		out = append(out, tagShape{Key: t.Key, Value: t.Value})
	}
	return out
}
