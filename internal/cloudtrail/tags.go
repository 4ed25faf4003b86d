package cloudtrail

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/trail"
)

// Tag limits: 50 tags per resource (CloudTrail's quota, below the model's
// list maximum of 200), ListTags takes at most 20 ARNs.
const (
	maxTagsPerResource   = 50
	maxListTagsResources = 20
	maxTagKey            = 128
	maxTagValue          = 256
)

var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

type tagInput struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

type tagShape struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// tagsFromInput validates a TagsList: keys of 1-128 and values of up to 256
// letters, numbers, spaces and _ . : / = + - @, no aws: keys, no key twice.
func tagsFromInput(in []tagInput) ([]trail.Tag, error) {
	const code = "InvalidTagParameterException"
	var out []trail.Tag
	seen := map[string]bool{}
	for _, t := range in {
		if t.Key == nil {
			return nil, api.Errorf(code, "Every tag needs a Key.")
		}
		k, v := *t.Key, deref(t.Value)
		switch n := utf8.RuneCountInString(k); {
		case n < 1 || n > maxTagKey:
			return nil, api.Errorf(code, "Tag key %q is not valid: it must be 1 to 128 characters long.", k)
		case !tagChars.MatchString(k):
			return nil, api.Errorf(code, "Tag key %q is not valid: use letters, numbers, spaces and _ . : / = + - @ only.", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, api.Errorf(code, "Tag key %q is not valid: the aws: prefix is reserved for AWS use.", k)
		case utf8.RuneCountInString(v) > maxTagValue:
			return nil, api.Errorf(code, "The value of tag %q is not valid: it must be at most 256 characters long.", k)
		case !tagChars.MatchString(v):
			return nil, api.Errorf(code, "The value of tag %q is not valid: use letters, numbers, spaces and _ . : / = + - @ only.", k)
		case seen[k]:
			return nil, api.Errorf(code, "Tag key %q appears more than once; tag keys must be unique.", k)
		}
		seen[k] = true
		out = append(out, trail.Tag{Key: k, Value: v})
	}
	return out, nil
}

func errTagsLimit(arn string) error {
	return api.Errorf("TagsLimitExceededException", "The number of tags on %s would exceed the limit of %d.", arn, maxTagsPerResource)
}

// findTagged resolves a ResourceId: an ARN of a trail of the caller's
// account. Other CloudTrail resources (event data stores, channels,
// dashboards) are not supported yet.
func findTagged(v trailView, c *api.Call, id *string) (trail.Trail, error) {
	ref := deref(id)
	a, ok := parseCloudTrailARN(ref)
	if !ok {
		return trail.Trail{}, api.Errorf("CloudTrailARNInvalidException", "%q is not a valid CloudTrail resource ARN. The format of a trail ARN is arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.", ref)
	}
	if a.Type != typeTrail {
		return trail.Trail{}, api.Errorf("ResourceTypeNotSupportedException", "Cairn supports tags on trails only; %s is a %s.", ref, a.Type)
	}
	if validateTrailName(a.ID) != nil {
		return trail.Trail{}, errInvalidTrailARN(ref)
	}
	if a.Account == c.Caller.AccountID {
		if t, ok := v.Get(a.Account, trail.ARN(a.Region, a.Account, a.ID)); ok {
			return t, nil
		}
	}
	return trail.Trail{}, api.Errorf("ResourceNotFoundException", "Resource %s not found.", ref)
}

type tagsInput struct {
	ResourceId *string    `json:"ResourceId"`
	TagsList   []tagInput `json:"TagsList"`
}

// addTags adds tags to a trail, replacing the values of keys it has. Trails
// are tagged from their home region.
func (s *Service) addTags(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.changeTags(ctx, c, "AddTags", func(t *trail.Trail, tags []trail.Tag) error {
		for _, nt := range tags {
			i := tagIndex(t.Tags, nt.Key)
			if i < 0 {
				t.Tags = append(t.Tags, nt)
			} else {
				t.Tags[i] = nt
			}
		}
		if len(t.Tags) > maxTagsPerResource {
			return errTagsLimit(t.ARN)
		}
		return nil
	})
}

// removeTags removes the tags with the given keys (values are not compared).
func (s *Service) removeTags(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.changeTags(ctx, c, "RemoveTags", func(t *trail.Trail, tags []trail.Tag) error {
		for _, rt := range tags {
			if i := tagIndex(t.Tags, rt.Key); i >= 0 {
				t.Tags = append(t.Tags[:i], t.Tags[i+1:]...)
			}
		}
		return nil
	})
}

func (s *Service) changeTags(ctx context.Context, c *api.Call, op string, change func(*trail.Trail, []trail.Tag) error) (*api.Result, error) {
	var in tagsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	tags, err := tagsFromInput(in.TagsList)
	if err != nil {
		return nil, err
	}
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := findTagged(tx, c, in.ResourceId)
		if err != nil {
			return nil, nil, err
		}
		if err := requireHomeRegion(c, t); err != nil {
			return nil, nil, err
		}
		if err := change(&t, tags); err != nil {
			return nil, nil, err
		}
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		res, err := s.jsonResult(c, op, struct{}{})
		if err != nil {
			return nil, nil, err
		}
		res.Resources = trailResources(t)
		return res, nil, nil
	})
}

func tagIndex(tags []trail.Tag, key string) int {
	for i, t := range tags {
		if t.Key == key {
			return i
		}
	}
	return -1
}

type listTagsInput struct {
	ResourceIdList []string `json:"ResourceIdList"`
	NextToken      *string  `json:"NextToken"`
}

type resourceTag struct {
	ResourceId string     `json:"ResourceId"`
	TagsList   []tagShape `json:"TagsList"`
}

// listTags lists the tags of up to 20 trails, named by ARN, in one page
// (Cairn never issues a NextToken for it).
func (s *Service) listTags(_ context.Context, c *api.Call) (*api.Result, error) {
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
		t, err := findTagged(s.opts.Trails, c, &id)
		if err != nil {
			return nil, err
		}
		if t.HomeRegion != c.Region && !t.IsMultiRegionTrail { // tags are listed in the trail's regions
			return nil, api.Errorf("ResourceNotFoundException", "Resource %s not found in %s.", id, c.Region)
		}
		rt := resourceTag{ResourceId: t.ARN, TagsList: []tagShape{}}
		for _, tag := range t.Tags {
			rt.TagsList = append(rt.TagsList, tagShape(tag))
		}
		out.ResourceTagList = append(out.ResourceTagList, rt)
	}
	return s.jsonResult(c, "ListTags", out)
}
