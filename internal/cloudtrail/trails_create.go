package cloudtrail

import (
	"context"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/trail"
)

func (s *Service) createTrail(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in trailInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	name := deref(in.Name)
	if err := validateTrailName(name); err != nil {
		return nil, err
	}
	account := c.Caller.AccountID
	t := trail.Trail{
		ID: trail.NewID(), Account: account, HomeRegion: c.Region, Name: name, ARN: trail.ARN(c.Region, account, name),
		IncludeGlobalServiceEvents: true, Created: s.callTime(c).Truncate(time.Millisecond),
	}
	if in.S3BucketName == nil { // required: validated as an empty name
		in.S3BucketName = new(string)
	}
	checks, err := applySettings(&t, &in)
	if err != nil {
		return nil, err
	}
	if t.Tags, err = tagsFromInput(in.TagsList); err != nil {
		return nil, err
	}
	if len(t.Tags) > maxTagsPerResource {
		return nil, errTagsLimit(t.ARN)
	}
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		existing := tx.ByAccount(account)
		if err := checkNameFree(existing, t, ""); err != nil {
			return nil, nil, err
		}
		if err := s.checkTrailLimit(existing, t, ""); err != nil {
			return nil, nil, err
		}
		if err := s.checkDestinations(ctx, &t, checks); err != nil {
			return nil, nil, err
		}
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		res, err := s.writeTrailResult(c, "CreateTrail", t)
		return res, nil, err
	})
}

// writeTrailResult is the CreateTrail/UpdateTrail result for t.
func (s *Service) writeTrailResult(c *api.Call, op string, t trail.Trail) (*api.Result, error) {
	return s.trailWriteResult(c, op, t, writeShape(t))
}

// trailWriteResult is the result of a write to t answering out, which the
// event also records as its responseElements.
func (s *Service) trailWriteResult(c *api.Call, op string, t trail.Trail, out any) (*api.Result, error) {
	res, err := s.jsonResult(c, op, out)
	if err != nil {
		return nil, err
	}
	if res.ResponseElements, err = responseElements(out); err != nil {
		return nil, err
	}
	res.Resources = trailResources(t)
	return res, nil
}

// checkNameFree refuses a trail whose name another trail of the account
// already shows in one of t's regions: a trail homed in the same region, or
// a multi-region trail (whose shadows are everywhere). A multi-region t
// collides with a trail of that name in any region. except is the ARN of
// the trail being updated.
func checkNameFree(existing []trail.Trail, t trail.Trail, except string) error {
	for _, o := range existing {
		if o.ARN == except || o.Name != t.Name {
			continue
		}
		if o.HomeRegion == t.HomeRegion || o.IsMultiRegionTrail || t.IsMultiRegionTrail {
			return api.Errorf("TrailAlreadyExistsException", "Trail %s already exists for customer: %s", t.Name, t.Account)
		}
	}
	return nil
}

// checkTrailLimit enforces the trails-per-region quota with t added (or
// updated, when except is its ARN): every region t appears in — its home
// region, or every region for a multi-region trail — may hold at most
// MaxTrailsPerRegion trails, multi-region trails counting in all of them.
func (s *Service) checkTrailLimit(existing []trail.Trail, t trail.Trail, except string) error {
	multi, single := 0, map[string]int{}
	for _, o := range existing {
		switch {
		case o.ARN == except:
		case o.IsMultiRegionTrail:
			multi++
		default:
			single[o.HomeRegion]++
		}
	}
	full := func(region string) bool { return multi+single[region]+1 > s.opts.MaxTrailsPerRegion }
	regions := []string{t.HomeRegion}
	if t.IsMultiRegionTrail {
		for r := range single {
			regions = append(regions, r)
		}
		slices.Sort(regions[1:]) // a stable message
	}
	for _, r := range regions {
		if full(r) {
			return api.Errorf("MaximumNumberOfTrailsExceededException", "User: %s already has %d trails in %s.", t.Account, s.opts.MaxTrailsPerRegion, r)
		}
	}
	return nil
}
