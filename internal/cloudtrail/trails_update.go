package cloudtrail

import (
	"context"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/trail"
)

func (s *Service) updateTrail(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in trailInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	in.TagsList = nil // not an UpdateTrail member
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		old, err := homeTrail(tx, c, in.Name)
		if err != nil {
			return nil, nil, err
		}
		t := old.Clone()
		checks, err := applySettings(&t, &in)
		if err != nil {
			return nil, nil, err
		}
		if t.IsMultiRegionTrail && !old.IsMultiRegionTrail { // its shadows appear in every region
			existing := tx.ByAccount(t.Account)
			if err := trail.CheckNameFree(existing, t, t.ARN); err != nil {
				return nil, nil, err
			}
			if err := trail.CheckLimit(existing, t, t.ARN, s.opts.MaxTrailsPerRegion); err != nil {
				return nil, nil, err
			}
		}
		if err := s.checkDestinations(ctx, &t, checks); err != nil {
			return nil, nil, err
		}
		if err := tx.Put(t); err != nil {
			return nil, nil, err
		}
		res, err := s.writeTrailResult(c, "UpdateTrail", t)
		return res, nil, err
	})
}
