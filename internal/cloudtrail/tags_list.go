package cloudtrail

import (
	"context"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

type listTagsInput struct {
	ResourceIdList []string `json:"ResourceIdList"`
	NextToken      *string  `json:"NextToken"`
}

type resourceTag struct {
	ResourceId string     `json:"ResourceId"`
	TagsList   []tagShape `json:"TagsList"`
}

// listTags lists the tags of up to 20 resources (trails, channels, event
// data stores), named by ARN, in one page (Cairn never issues a NextToken
// for it).
func (s *Service) listTags(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listTagsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	if in.NextToken != nil && *in.NextToken != "" {
		return nil, cterr.InvalidToken.New("The NextToken is not valid: ListTags returns every tag in one page.")
	}
	if len(in.ResourceIdList) == 0 || len(in.ResourceIdList) > maxListTagsResources {
		return nil, cterr.InvalidParameter.New("ResourceIdList must hold 1 to %d ARNs; %d were given.", maxListTagsResources, len(in.ResourceIdList))
	}
	out := struct {
		ResourceTagList []resourceTag `json:"ResourceTagList"`
	}{ResourceTagList: []resourceTag{}}
	for _, id := range in.ResourceIdList {
		rt, err := s.resourceTags(c, id)
		if err != nil {
			return nil, err
		}
		out.ResourceTagList = append(out.ResourceTagList, rt)
	}
	return s.jsonResult(c, "ListTags", out)
}

// resourceTags returns the tags of one ListTags resource: an event data
// store or a channel when the service has them, else a trail.
func (s *Service) resourceTags(c *api.Call, id string) (resourceTag, error) {
	switch {
	case isEventDataStoreARN(id) && s.opts.Lake != nil && s.opts.Lake.Stores != nil:
		return s.edsTagList(c, id)
	case isChannelARN(id) && s.opts.Channels != nil:
		return s.channelTagList(c, id)
	default:
		return s.trailTagList(c, id)
	}
}

// errNotTagged turns a resource's not-found error into ListTags'
// ResourceNotFoundException.
func errNotTagged(err error, id string) error {
	if cterr.EventDataStoreNotFound.Is(err) || cterr.ChannelNotFound.Is(err) {
		return cterr.ResourceNotFound.New("Resource %s not found.", id)
	}
	return err
}
