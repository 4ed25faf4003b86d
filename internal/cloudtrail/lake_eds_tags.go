package cloudtrail

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/lake"
)

func isEventDataStoreARN(ref string) bool {
	return isARN(ref) && strings.Contains(ref, ":eventdatastore/")
}

// namesEventDataStore reports whether a tag operation's body names an
// event data store ARN.
func namesEventDataStore(body []byte) bool {
	var in struct {
		ResourceId     *string  `json:"ResourceId"`
		ResourceIdList []string `json:"ResourceIdList"`
	}
	if json.Unmarshal(body, &in) != nil {
		return false
	}
	return isEventDataStoreARN(deref(in.ResourceId)) || slices.ContainsFunc(in.ResourceIdList, isEventDataStoreARN)
}

// edsTags serves AddTags, RemoveTags and ListTags when they name an event
// data store (a ListTags naming channels or trails too is answered here for
// all of them). Stores are tagged and listed from their home region; a
// store pending deletion is InactiveEventDataStoreException.
func (s *Service) edsTags(ctx context.Context, c *api.Call, op string) (*api.Result, error) {
	if op == "ListTags" {
		return s.listTagsWithEventDataStores(c)
	}
	var in tagsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	tags, err := tagsFromInput(in.TagsList)
	if err != nil {
		return nil, err
	}
	return s.edsWrite(ctx, func(tx *lake.Tx) (*api.Result, error) {
		e, err := findEventDataStore(tx, c, deref(in.ResourceId))
		if err != nil {
			return nil, err
		}
		if e.Status == lake.StatusPendingDeletion {
			return nil, errEDSInactive(e)
		}
		for _, t := range tags {
			i := slices.IndexFunc(e.Tags, func(o lake.Tag) bool { return o.Key == t.Key })
			switch nt := (lake.Tag{Key: t.Key, Value: t.Value}); {
			case op == "RemoveTags" && i >= 0:
				e.Tags = slices.Delete(e.Tags, i, i+1)
			case op == "AddTags" && i >= 0:
				e.Tags[i] = nt
			case op == "AddTags":
				e.Tags = append(e.Tags, nt)
			}
		}
		if len(e.Tags) > maxTagsPerResource {
			return nil, errTagsLimit(e.ARN)
		}
		if err := tx.Put(e); err != nil {
			return nil, err
		}
		return s.edsResult(c, op, e, struct{}{}, false)
	})
}

// listTagsWithEventDataStores is ListTags for a list naming at least one
// event data store: stores, channels and trails of the calling region.
func (s *Service) listTagsWithEventDataStores(c *api.Call) (*api.Result, error) {
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
		rt, err := s.resourceTags(c, id)
		if err != nil {
			return nil, err
		}
		out.ResourceTagList = append(out.ResourceTagList, rt)
	}
	return s.jsonResult(c, "ListTags", out)
}

// resourceTags returns the tags of one ListTags resource: an event data
// store, a channel or a trail.
func (s *Service) resourceTags(c *api.Call, id string) (resourceTag, error) {
	rt := resourceTag{ResourceId: id, TagsList: []tagShape{}}
	notFound := func(err error) error {
		if code := api.AsError(err).Code; code == "EventDataStoreNotFoundException" || code == "ChannelNotFoundException" {
			return api.Errorf("ResourceNotFoundException", "Resource %s not found.", id)
		}
		return err
	}
	switch {
	case isEventDataStoreARN(id):
		e, err := findEventDataStore(s.opts.Lake.Stores, c, id)
		if err != nil {
			return rt, notFound(err)
		}
		if e.Status == lake.StatusPendingDeletion {
			return rt, errEDSInactive(e)
		}
		rt.ResourceId, rt.TagsList = e.ARN, edsTagShapes(e.Tags)
	case isChannelARN(id) && s.opts.Channels != nil:
		ch, err := findChannel(s.opts.Channels, c, &id)
		if err != nil {
			return rt, notFound(err)
		}
		rt.ResourceId, rt.TagsList = ch.ARN, channelTagShapes(ch.Tags)
	default:
		if s.opts.Trails == nil {
			return rt, api.Errorf("ResourceTypeNotSupportedException", "Cairn serves no trails here; %s cannot be listed.", id)
		}
		t, err := findTagged(s.opts.Trails, c, &id)
		if err != nil {
			return rt, err
		}
		if t.HomeRegion != c.Region && !t.IsMultiRegionTrail {
			return rt, api.Errorf("ResourceNotFoundException", "Resource %s not found in %s.", id, c.Region)
		}
		rt.ResourceId = t.ARN
		for _, tag := range t.Tags {
			rt.TagsList = append(rt.TagsList, tagShape(tag))
		}
	}
	return rt, nil
}
