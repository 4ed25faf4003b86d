package trail

import (
	"slices"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// CheckNameFree refuses a trail whose name another trail of the account
// already shows in one of t's regions: a trail homed in the same region, or
// a multi-region trail (whose shadows are everywhere). A multi-region t
// collides with a trail of that name in any region. except is the ARN of
// the trail being updated.
func CheckNameFree(existing []Trail, t Trail, except string) error {
	for _, o := range existing {
		if o.ARN == except || o.Name != t.Name {
			continue
		}
		if o.HomeRegion == t.HomeRegion || o.IsMultiRegionTrail || t.IsMultiRegionTrail {
			return cterr.TrailAlreadyExists.New("Trail %s already exists for customer: %s", t.Name, t.Account)
		}
	}
	return nil
}

// CheckLimit enforces the trails-per-region quota with t added (or
// updated, when except is its ARN): every region t appears in — its home
// region, or every region for a multi-region trail — may hold at most
// max trails, multi-region trails counting in all of them.
func CheckLimit(existing []Trail, t Trail, except string, max int) error {
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
	full := func(region string) bool { return multi+single[region]+1 > max }
	regions := []string{t.HomeRegion}
	if t.IsMultiRegionTrail {
		for r := range single {
			regions = append(regions, r)
		}
		slices.Sort(regions[1:]) // a stable message
	}
	for _, r := range regions {
		if full(r) {
			return cterr.MaximumNumberOfTrailsExceeded.New("User: %s already has %d trails in %s.", t.Account, max, r)
		}
	}
	return nil
}
