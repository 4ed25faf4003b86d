package cloudtrail

import (
	"context"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/lake"
)

type startImportInput struct {
	Destinations   []string           `json:"Destinations"`
	ImportSource   *importSourceInput `json:"ImportSource"`
	StartEventTime *Timestamp         `json:"StartEventTime"`
	EndEventTime   *Timestamp         `json:"EndEventTime"`
	ImportId       *string            `json:"ImportId"`
}

// startImport starts a new import, or with ImportId restarts a STOPPED or
// FAILED one where it left off (its failures are retried; the other
// members are then ignored). The import begins once the call's event is
// durable.
func (s *Service) startImport(ctx context.Context, c *api.Call) (*api.Result, error) {
	var in startImportInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	var ch *lake.ImportChange
	if in.ImportId != nil {
		id, err := checkImportID(in.ImportId)
		if err != nil {
			return nil, err
		}
		if ch, err = s.opts.Lake.Imports.Restart(c.Caller.AccountID, c.Region, id); err != nil {
			return nil, importError(err, id)
		}
	} else {
		if in.Destinations == nil || in.ImportSource == nil {
			return nil, cterr.InvalidParameter.New("A new import needs Destinations and ImportSource; a retry needs ImportId.")
		}
		eds, err := s.importDestination(c, in.Destinations)
		if err != nil {
			return nil, err
		}
		src, err := s.importSource(ctx, c, in.ImportSource)
		if err != nil {
			return nil, err
		}
		n := lake.NewImport{Account: c.Caller.AccountID, Region: c.Region, Destinations: []string{eds.ARN}, Source: src}
		if in.StartEventTime != nil {
			n.StartEventTime = in.StartEventTime.Time
		}
		if in.EndEventTime != nil {
			n.EndEventTime = in.EndEventTime.Time
		}
		if !n.StartEventTime.IsZero() && !n.EndEventTime.IsZero() && n.StartEventTime.After(n.EndEventTime) {
			return nil, cterr.InvalidParameter.New("StartEventTime must not be after EndEventTime.")
		}
		if ch, err = s.opts.Lake.Imports.Start(n); err != nil {
			return nil, importError(err, "")
		}
	}
	return s.stagedImportResult(c, "StartImport", ch, false)
}

type importIDInput struct {
	ImportId *string `json:"ImportId"`
}

// stopImport stops an initializing or in-progress import once the call's
// event is durable; it keeps its progress for a restart. Stopping a stopped
// import changes nothing.
func (s *Service) stopImport(_ context.Context, c *api.Call) (*api.Result, error) {
	var in importIDInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	id, err := checkImportID(in.ImportId)
	if err != nil {
		return nil, err
	}
	ch, err := s.opts.Lake.Imports.Stop(c.Caller.AccountID, c.Region, id)
	if err != nil {
		return nil, importError(err, id)
	}
	return s.stagedImportResult(c, "StopImport", ch, true)
}

// stagedImportResult is the response of a staged import change, which
// commits or aborts with the call's event.
func (s *Service) stagedImportResult(c *api.Call, op string, ch *lake.ImportChange, withStats bool) (*api.Result, error) {
	res, err := s.importResult(c, op, ch.Import, describeImport(ch.Import, withStats), true)
	if err != nil {
		ch.Abort()
		return nil, err
	}
	res.Commit = func() error { return ch.CommitAt(res.Seq) }
	res.Abort = ch.Abort
	return res, nil
}
