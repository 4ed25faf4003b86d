package cloudtrail

import (
	"cmp"
	"context"
	"crypto/sha256"
	"slices"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/trail"
)

// listTrailsPageSize is how many trails a ListTrails page holds.
var listTrailsPageSize = 50

func (s *Service) getTrail(_ context.Context, c *api.Call) (*api.Result, error) {
	var in nameInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	t, err := findTrail(s.opts.Trails, c, in.Name, withShadows)
	if err != nil {
		return nil, err
	}
	res, err := s.jsonResult(c, "GetTrail", struct {
		Trail trailShape `json:"Trail"`
	}{describeShape(t)})
	if err != nil {
		return nil, err
	}
	res.Resources = trailResources(t)
	return res, nil
}

type describeTrailsInput struct {
	TrailNameList       []string `json:"trailNameList"`
	IncludeShadowTrails *bool    `json:"includeShadowTrails"`
}

// describeTrails lists the trails of the calling region (and, unless
// includeShadowTrails is false, the shadows of multi-region trails homed
// elsewhere), or those trailNameList names. Names match in the calling
// region only; ARNs may name a trail of the account in any region. Names
// and ARNs of no trail are left out.
func (s *Service) describeTrails(_ context.Context, c *api.Call) (*api.Result, error) {
	var in describeTrailsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	visible := func(t trail.Trail) bool { return t.HomeRegion == c.Region || shadows && t.IsMultiRegionTrail }
	all := s.opts.Trails.ByAccount(c.Caller.AccountID)
	var picked []trail.Trail
	if len(in.TrailNameList) == 0 {
		for _, t := range all {
			if visible(t) {
				picked = append(picked, t)
			}
		}
	} else {
		seen := map[string]bool{}
		for _, ref := range in.TrailNameList {
			var match func(trail.Trail) bool
			if isARN(ref) {
				if _, err := parseTrailARN(ref); err != nil {
					return nil, err
				}
				match = func(t trail.Trail) bool { return t.ARN == ref }
			} else {
				if err := trail.ValidateName(ref); err != nil {
					return nil, err
				}
				match = func(t trail.Trail) bool { return t.Name == ref && visible(t) }
			}
			for _, t := range all {
				if match(t) && !seen[t.ARN] {
					seen[t.ARN] = true
					picked = append(picked, t)
				}
			}
		}
	}
	out := struct {
		TrailList []trailShape `json:"trailList"`
	}{TrailList: []trailShape{}}
	for _, t := range picked {
		out.TrailList = append(out.TrailList, describeShape(t))
	}
	return s.jsonResult(c, "DescribeTrails", out)
}

type listTrailsInput struct {
	NextToken *string `json:"NextToken"`
}

type trailInfo struct {
	TrailARN   string `json:"TrailARN"`
	Name       string `json:"Name"`
	HomeRegion string `json:"HomeRegion"`
}

// listTrails lists every trail of the account, whatever its home region,
// oldest first, in pages. A page token holds the creation time of the last
// trail returned and how many trails created at that very millisecond were
// returned, so pages stay consistent while trails come and go.
func (s *Service) listTrails(_ context.Context, c *api.Call) (*api.Result, error) {
	var in listTrailsInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	trails := s.opts.Trails.ByAccount(c.Caller.AccountID)
	slices.SortFunc(trails, func(a, b trail.Trail) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ARN, b.ARN))
	})
	qh := listTrailsHash(c.Caller.AccountID)
	page, next, err := pageByCreated(s, trails, func(t trail.Trail) time.Time { return t.Created }, qh, in.NextToken, listTrailsPageSize)
	if err != nil {
		return nil, err
	}
	out := struct {
		Trails    []trailInfo `json:"Trails"`
		NextToken string      `json:"NextToken,omitempty"`
	}{Trails: []trailInfo{}, NextToken: next}
	for _, t := range page {
		out.Trails = append(out.Trails, trailInfo{TrailARN: t.ARN, Name: t.Name, HomeRegion: t.HomeRegion})
	}
	return s.jsonResult(c, "ListTrails", out)
}

func listTrailsHash(account string) [16]byte {
	h := sha256.Sum256([]byte("ListTrails\x00" + account))
	var out [16]byte
	copy(out[:], h[:])
	return out
}
