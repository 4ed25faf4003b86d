package cloudtrail

import (
	"context"
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
	if err := trail.ValidateName(name); err != nil {
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
		if err := trail.CheckNameFree(existing, t, ""); err != nil {
			return nil, nil, err
		}
		if err := trail.CheckLimit(existing, t, "", s.opts.MaxTrailsPerRegion); err != nil {
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
	return s.result(c, op, out, trailResources(t), true)
}
