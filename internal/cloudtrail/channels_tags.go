package cloudtrail

import (
	"context"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
)

func isChannelARN(ref string) bool { return isARN(ref) && strings.Contains(ref, ":channel/") }

// changeChannelTags is the tagChanger of channels (tags.go serves the tag
// operations naming a channel ARN with it).
func (s *Service) changeChannelTags(ctx context.Context, c *api.Call, change tagChange) (*api.Result, error) {
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		ch, err := findChannel(tx, c, change.resourceID)
		if err != nil {
			return nil, err
		}
		if ch.Tags, err = applyTags(change, ch.Tags, ch.ARN); err != nil {
			return nil, err
		}
		ch.Updated = s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(ch); err != nil {
			return nil, err
		}
		return s.channelResult(c, change.op, ch, struct{}{}, false)
	})
}

// channelTagList is ListTags for a channel ARN: channels of the calling
// region.
func (s *Service) channelTagList(c *api.Call, id string) (resourceTag, error) {
	ch, err := findChannel(s.opts.Channels, c, &id)
	if err != nil {
		return resourceTag{}, errNotTagged(err, id)
	}
	return resourceTag{ResourceId: ch.ARN, TagsList: tagShapes(ch.Tags)}, nil
}
