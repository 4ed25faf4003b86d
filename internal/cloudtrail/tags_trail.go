package cloudtrail

import (
	"context"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/trail"
)

// findTagged resolves a ResourceId: an ARN of a trail of the caller's
// account. Other CloudTrail resources (event data stores, channels,
// dashboards) are not supported here: tags.go routes those it serves.
func findTagged(v trailView, c *api.Call, id *string) (trail.Trail, error) {
	ref := deref(id)
	a, ok := parseCloudTrailARN(ref)
	if !ok {
		return trail.Trail{}, cterr.CloudTrailARNInvalid.New("%q is not a valid CloudTrail resource ARN. The format of a trail ARN is arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.", ref)
	}
	if a.Type != typeTrail {
		return trail.Trail{}, cterr.ResourceTypeNotSupported.New("Cairn supports tags on trails only; %s is a %s.", ref, a.Type)
	}
	if trail.ValidateName(a.ID) != nil {
		return trail.Trail{}, errInvalidTrailARN(ref)
	}
	if a.Account == c.Caller.AccountID {
		if t, ok := v.Get(a.Account, trail.ARN(a.Region, a.Account, a.ID)); ok {
			return t, nil
		}
	}
	return trail.Trail{}, cterr.ResourceNotFound.New("Resource %s not found.", ref)
}

// addTags adds tags to a trail, replacing the values of keys it has. Trails
// are tagged from their home region.
func (s *Service) addTags(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.serveTags(ctx, c, "AddTags", s.changeTrailTags)
}

// removeTags removes the tags with the given keys (values are not compared).
func (s *Service) removeTags(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.serveTags(ctx, c, "RemoveTags", s.changeTrailTags)
}

// changeTrailTags is the tagChanger of trails.
func (s *Service) changeTrailTags(ctx context.Context, c *api.Call, ch tagChange) (*api.Result, error) {
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := findTagged(tx, c, ch.resourceID)
		if err != nil {
			return nil, nil, err
		}
		if err := requireHomeRegion(c, t); err != nil {
			return nil, nil, err
		}
		if t.Tags, err = applyTags(ch, t.Tags, t.ARN); err != nil {
			return nil, nil, err
		}
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		res, err := s.jsonResult(c, ch.op, struct{}{})
		if err != nil {
			return nil, nil, err
		}
		res.Resources = trailResources(t)
		return res, nil, nil
	})
}

// trailTagList is ListTags for a trail ARN: trails are listed in their
// regions (a multi-region trail in every region).
func (s *Service) trailTagList(c *api.Call, id string) (resourceTag, error) {
	if s.opts.Trails == nil {
		return resourceTag{}, cterr.ResourceTypeNotSupported.New("Cairn serves no trails here; %s cannot be listed.", id)
	}
	t, err := findTagged(s.opts.Trails, c, &id)
	if err != nil {
		return resourceTag{}, err
	}
	if t.HomeRegion != c.Region && !t.IsMultiRegionTrail {
		return resourceTag{}, cterr.ResourceNotFound.New("Resource %s not found in %s.", id, c.Region)
	}
	return resourceTag{ResourceId: t.ARN, TagsList: tagShapes(t.Tags)}, nil
}
