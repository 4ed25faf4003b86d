package cloudtrail

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
)

// tagOperations are the tag operations; they reach the channel code when
// they name a channel ARN (a ListTags naming trails too is answered here for
// both).
var tagOperations = map[string]bool{"AddTags": true, "RemoveTags": true, "ListTags": true}

func isChannelARN(ref string) bool { return isARN(ref) && strings.Contains(ref, ":channel/") }

// namesChannel reports whether a tag operation's body names a channel.
func namesChannel(body []byte) bool {
	var in struct {
		ResourceId     *string  `json:"ResourceId"`
		ResourceIdList []string `json:"ResourceIdList"`
	}
	if json.Unmarshal(body, &in) != nil {
		return false
	}
	return isChannelARN(deref(in.ResourceId)) || slices.ContainsFunc(in.ResourceIdList, isChannelARN)
}

// channelTags serves AddTags, RemoveTags and ListTags for channel ARNs.
func (s *Service) channelTags(ctx context.Context, c *api.Call, op string) (*api.Result, error) {
	if op == "ListTags" {
		return s.listTagsWithChannels(c)
	}
	var in tagsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	tags, err := tagsFromInput(in.TagsList)
	if err != nil {
		return nil, err
	}
	return s.channelWrite(ctx, func(tx *channel.Tx) (*api.Result, error) {
		ch, err := findChannel(tx, c, in.ResourceId)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			i := slices.IndexFunc(ch.Tags, func(o channel.Tag) bool { return o.Key == t.Key })
			switch nt := (channel.Tag{Key: t.Key, Value: t.Value}); {
			case op == "RemoveTags" && i >= 0:
				ch.Tags = slices.Delete(ch.Tags, i, i+1)
			case op == "AddTags" && i >= 0:
				ch.Tags[i] = nt
			case op == "AddTags":
				ch.Tags = append(ch.Tags, nt)
			}
		}
		if len(ch.Tags) > maxTagsPerResource {
			return nil, errTagsLimit(ch.ARN)
		}
		ch.Updated = s.callTime(c).Truncate(time.Millisecond)
		if err := tx.Put(ch); err != nil {
			return nil, err
		}
		return s.channelResult(c, op, ch, struct{}{}, false)
	})
}

// listTagsWithChannels is ListTags for a list naming at least one channel:
// channels of the calling region, and trails as ListTags resolves them.
func (s *Service) listTagsWithChannels(c *api.Call) (*api.Result, error) {
	var in listTagsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != nil && *in.NextToken != "" {
		return nil, api.Errorf("InvalidTokenException", "The NextToken is not valid: ListTags returns every tag in one page.")
	}
	if len(in.ResourceIdList) == 0 || len(in.ResourceIdList) > maxListTagsResources {
		return nil, api.Errorf("InvalidParameterException", "ResourceIdList must hold 1 to %d ARNs; %d were given.", maxListTagsResources, len(in.ResourceIdList))
	}
	out := struct {
		ResourceTagList []resourceTag `json:"ResourceTagList"`
	}{ResourceTagList: []resourceTag{}}
	for _, id := range in.ResourceIdList {
		rt := resourceTag{TagsList: []tagShape{}}
		if isChannelARN(id) {
			ch, err := findChannel(s.opts.Channels, c, &id)
			if err != nil {
				if api.AsError(err).Code == "ChannelNotFoundException" {
					return nil, api.Errorf("ResourceNotFoundException", "Resource %s not found.", id)
				}
				return nil, err
			}
			rt.ResourceId, rt.TagsList = ch.ARN, channelTagShapes(ch.Tags)
		} else {
			if s.opts.Trails == nil {
				return nil, api.Errorf("ResourceTypeNotSupportedException", "Cairn serves no trails here; %s cannot be listed.", id)
			}
			t, err := findTagged(s.opts.Trails, c, &id)
			if err != nil {
				return nil, err
			}
			if t.HomeRegion != c.Region && !t.IsMultiRegionTrail {
				return nil, api.Errorf("ResourceNotFoundException", "Resource %s not found in %s.", id, c.Region)
			}
			rt.ResourceId = t.ARN
			for _, tag := range t.Tags {
				rt.TagsList = append(rt.TagsList, tagShape(tag))
			}
		}
		out.ResourceTagList = append(out.ResourceTagList, rt)
	}
	return s.jsonResult(c, "ListTags", out)
}
