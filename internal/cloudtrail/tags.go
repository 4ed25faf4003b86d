package cloudtrail

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
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

// tagType is the tag type of a taggable resource: a struct of Key and
// Value strings, so that trail.Tag converts to and from any of them.
type tagType interface {
	trail.Tag | channel.Tag | lake.Tag
}

type tagInput struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

type tagShape struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// tagShapes renders a resource's tags, [] for none.
func tagShapes[T tagType](tags []T) []tagShape {
	out := make([]tagShape, 0, len(tags))
	for _, t := range tags {
		out = append(out, tagShape(t))
	}
	return out
}

// tagsFromInput validates a TagsList: keys of 1-128 and values of up to 256
// letters, numbers, spaces and _ . : / = + - @, no aws: keys, no key twice.
func tagsFromInput(in []tagInput) ([]trail.Tag, error) {
	const code = cterr.InvalidTagParameter
	var out []trail.Tag
	seen := map[string]bool{}
	for _, t := range in {
		if t.Key == nil {
			return nil, code.New("Every tag needs a Key.")
		}
		k, v := *t.Key, deref(t.Value)
		switch n := utf8.RuneCountInString(k); {
		case n < 1 || n > maxTagKey:
			return nil, code.New("Tag key %q is not valid: it must be 1 to 128 characters long.", k)
		case !tagChars.MatchString(k):
			return nil, code.New("Tag key %q is not valid: use letters, numbers, spaces and _ . : / = + - @ only.", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, code.New("Tag key %q is not valid: the aws: prefix is reserved for AWS use.", k)
		case utf8.RuneCountInString(v) > maxTagValue:
			return nil, code.New("The value of tag %q is not valid: it must be at most 256 characters long.", k)
		case !tagChars.MatchString(v):
			return nil, code.New("The value of tag %q is not valid: use letters, numbers, spaces and _ . : / = + - @ only.", k)
		case seen[k]:
			return nil, code.New("Tag key %q appears more than once; tag keys must be unique.", k)
		}
		seen[k] = true
		out = append(out, trail.Tag{Key: k, Value: v})
	}
	return out, nil
}

func errTagsLimit(arn string) error {
	return cterr.TagsLimitExceeded.New("The number of tags on %s would exceed the limit of %d.", arn, maxTagsPerResource)
}

type tagsInput struct {
	ResourceId *string    `json:"ResourceId"`
	TagsList   []tagInput `json:"TagsList"`
}

// tagChange is a validated AddTags or RemoveTags call.
type tagChange struct {
	op         string // AddTags or RemoveTags
	resourceID *string
	tags       []trail.Tag
}

// tagChanger applies a change to the tags of the resource it names, of one
// kind: it loads the resource in a write transaction, changes its tags with
// applyTags and saves it.
type tagChanger func(ctx context.Context, c *api.Call, ch tagChange) (*api.Result, error)

// serveTags serves a tag operation with change for its kind of resource:
// ListTags lists every kind it names, AddTags and RemoveTags validate their
// input before change applies it.
func (s *Service) serveTags(ctx context.Context, c *api.Call, op string, change tagChanger) (*api.Result, error) {
	if op == "ListTags" {
		return s.listTags(ctx, c)
	}
	var in tagsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	tags, err := tagsFromInput(in.TagsList)
	if err != nil {
		return nil, err
	}
	return change(ctx, c, tagChange{op: op, resourceID: in.ResourceId, tags: tags})
}

// applyTags returns the tags of the resource arn after the change: AddTags
// adds tags or replaces the values of keys it has, RemoveTags removes the
// tags with the given keys (values are not compared). have is changed in
// place. More than maxTagsPerResource tags is TagsLimitExceededException.
func applyTags[T tagType](ch tagChange, have []T, arn string) ([]T, error) {
	for _, t := range ch.tags {
		i := slices.IndexFunc(have, func(o T) bool { return trail.Tag(o).Key == t.Key })
		switch {
		case ch.op == "RemoveTags" && i >= 0:
			have = slices.Delete(have, i, i+1)
		case ch.op == "AddTags" && i >= 0:
			have[i] = T(t)
		case ch.op == "AddTags":
			have = append(have, T(t))
		}
	}
	if len(have) > maxTagsPerResource {
		return nil, errTagsLimit(arn)
	}
	return have, nil
}

// namesTagged reports whether a tag operation's body names a resource for
// which is holds (ResourceId, or one of ResourceIdList).
func namesTagged(body []byte, is func(ref string) bool) bool {
	var in struct {
		ResourceId     *string  `json:"ResourceId"`
		ResourceIdList []string `json:"ResourceIdList"`
	}
	if json.Unmarshal(body, &in) != nil {
		return false
	}
	return is(deref(in.ResourceId)) || slices.ContainsFunc(in.ResourceIdList, is)
}
