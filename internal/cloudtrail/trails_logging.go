package cloudtrail

import (
	"context"
	"fmt"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/trail"
)

// startLogging opens a logging window at the StartLogging event itself:
// the window starts at the event's sequence number, known once it is
// durable. Starting a trail that is logging changes nothing.
func (s *Service) startLogging(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.setLogging(ctx, c, "StartLogging", func(t *trail.Trail, seq uint64) bool {
		return t.StartLogging(seq, s.callTime(c))
	})
}

// stopLogging closes the logging window at the StopLogging event (which the
// trail still logs). Stopping a trail that is not logging changes nothing.
func (s *Service) stopLogging(ctx context.Context, c *api.Call) (*api.Result, error) {
	return s.setLogging(ctx, c, "StopLogging", func(t *trail.Trail, seq uint64) bool {
		return t.StopLogging(seq, s.callTime(c))
	})
}

func (s *Service) setLogging(ctx context.Context, c *api.Call, op string, change func(t *trail.Trail, seq uint64) bool) (*api.Result, error) {
	var in nameInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := homeTrail(tx, c, in.Name)
		if err != nil {
			return nil, nil, err
		}
		res, err := s.jsonResult(c, op, struct{}{})
		if err != nil {
			return nil, nil, err
		}
		res.Resources = trailResources(t)
		apply := func(seq uint64) error {
			if !change(&t, seq) {
				return nil
			}
			if err := tx.Put(t); err != nil {
				return fmt.Errorf("%s %s: %w", op, t.ARN, err)
			}
			return nil
		}
		return res, apply, nil
	})
}

// deleteTrail removes the trail; its logs, bucket and digests stay.
func (s *Service) deleteTrail(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in nameInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	return s.stagedWrite(ctx, func(tx *trail.Tx) (*api.Result, func(uint64) error, error) {
		t, err := homeTrail(tx, c, in.Name)
		if err != nil {
			return nil, nil, err
		}
		if err := tx.Delete(t.Account, t.ARN); err != nil {
			return nil, nil, fmt.Errorf("delete trail %s: %w", t.ARN, err)
		}
		res, err := s.jsonResult(c, "DeleteTrail", struct{}{})
		if err != nil {
			return nil, nil, err
		}
		res.Resources = trailResources(t)
		return res, nil, nil
	})
}
