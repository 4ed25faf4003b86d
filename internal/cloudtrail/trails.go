package cloudtrail

import (
	"context"
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/trail"
)

// DefaultMaxTrailsPerRegion is CloudTrail's quota of trails per region
// (a multi-region trail counts in every region).
const DefaultMaxTrailsPerRegion = 5

// trailResourceType is the resources[].type of a trail in records.
const trailResourceType = "AWS::CloudTrail::Trail"

// serveTrailOperation runs a trail operation, or answers
// UnsupportedOperationException when the service has no trail store.
func (s *Service) serveTrailOperation(ctx context.Context, c *api.Call, op string, h handler) (*api.Result, error) {
	if s.opts.Trails == nil {
		return nil, errUnsupported(op)
	}
	return h(s, ctx, c)
}

// trailView is what trails are resolved against: the store, or an open Tx.
type trailView interface {
	Get(account, arn string) (trail.Trail, bool)
	ByAccount(account string) []trail.Trail
}

// lookupMode says how a "name or ARN" argument resolves.
type lookupMode int

const (
	// withShadows: a name matches trails homed in the calling region and
	// multi-region trails homed elsewhere (their shadows).
	withShadows lookupMode = iota
	// homeOnly: a name matches trails homed in the calling region only
	// (GetTrailStatus wants the ARN of a shadow); the not-found message
	// names the ARN the name would have.
	homeOnly
)

// findTrail resolves a "name or ARN" argument. An ARN must be a trail ARN
// (CloudTrailARNInvalidException) and may point at a trail of the caller's
// account in any region; a name must be a valid trail name and resolves in
// the caller's account and region.
func findTrail(v trailView, c *api.Call, nameOrARN *string, mode lookupMode) (trail.Trail, error) {
	account := c.Caller.AccountID
	ref := ""
	if nameOrARN != nil {
		ref = *nameOrARN
	}
	if isARN(ref) {
		a, err := parseTrailARN(ref)
		if err != nil {
			return trail.Trail{}, err
		}
		if a.Account == account {
			if t, ok := v.Get(account, trail.ARN(a.Region, a.Account, a.ID)); ok {
				return t, nil
			}
		}
		return trail.Trail{}, errTrailNotFound(ref, account)
	}
	if err := trail.ValidateName(ref); err != nil {
		return trail.Trail{}, err
	}
	for _, t := range v.ByAccount(account) {
		if t.Name == ref && (t.HomeRegion == c.Region || mode == withShadows && t.IsMultiRegionTrail) {
			return t, nil
		}
	}
	if mode == homeOnly {
		return trail.Trail{}, errTrailNotFound(trail.ARN(c.Region, account, ref), account)
	}
	return trail.Trail{}, errTrailNotFound(ref, account)
}

func errTrailNotFound(name, account string) error {
	return cterr.TrailNotFound.New("Unknown trail: %s for the user: %s", name, account)
}

// requireHomeRegion refuses to change a trail from a region other than its
// home region (a shadow of a multi-region trail, or a trail named by ARN).
// homeTrail finds the trail a mutating call names (shadows included) and
// refuses it unless the call is made in the trail's home region.
func homeTrail(tx *trail.Tx, c *api.Call, nameOrARN *string) (trail.Trail, error) {
	t, err := findTrail(tx, c, nameOrARN, withShadows)
	if err != nil {
		return t, err
	}
	return t, requireHomeRegion(c, t)
}

func requireHomeRegion(c *api.Call, t trail.Trail) error {
	if t.HomeRegion != c.Region {
		return cterr.InvalidHomeRegion.New("The trail %s was created in %s and can only be changed from there; this call was made in %s.", t.ARN, t.HomeRegion, c.Region)
	}
	return nil
}

// callTime is when the call arrived.
func (s *Service) callTime(c *api.Call) time.Time {
	if c.Time.IsZero() {
		return s.now().UTC()
	}
	return c.Time.UTC()
}

// stagedWrite runs fn in a trail transaction. fn returns the result and
// optionally apply, which runs once the event is durable (with its sequence
// number) just before the transaction commits. If fn fails, or the event
// cannot be recorded, the transaction is aborted and nothing changes.
func (s *Service) stagedWrite(ctx context.Context, fn func(tx *trail.Tx) (*api.Result, func(seq uint64) error, error)) (*api.Result, error) {
	tx, err := s.opts.Trails.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("trail store: %w", err)
	}
	res, apply, err := fn(tx)
	if err != nil {
		tx.Abort()
		return nil, err
	}
	res.Commit = func() error {
		if apply != nil {
			if err := apply(res.Seq); err != nil {
				tx.Abort()
				return err
			}
		}
		return tx.CommitAt(res.Seq)
	}
	res.Abort = tx.Abort
	return res, nil
}

// trailResources is the record's resources for a call on t.
func trailResources(t trail.Trail) []event.ResourceRef {
	return []event.ResourceRef{{Type: trailResourceType, Name: t.Name, ARN: t.ARN}}
}

// nameInput is the input of the operations that only name a trail.
type nameInput struct {
	Name *string `json:"Name"`
}

// trailShape is the Trail / CreateTrailResponse / UpdateTrailResponse
// shape: optional strings are omitted when unset. HomeRegion and the Has*
// members belong to the Trail shape only.
type trailShape struct {
	Name                       string `json:"Name"`
	S3BucketName               string `json:"S3BucketName,omitempty"`
	S3KeyPrefix                string `json:"S3KeyPrefix,omitempty"`
	SnsTopicName               string `json:"SnsTopicName,omitempty"`
	SnsTopicARN                string `json:"SnsTopicARN,omitempty"`
	IncludeGlobalServiceEvents bool   `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         bool   `json:"IsMultiRegionTrail"`
	HomeRegion                 string `json:"HomeRegion,omitempty"`
	TrailARN                   string `json:"TrailARN"`
	LogFileValidationEnabled   bool   `json:"LogFileValidationEnabled"`
	CloudWatchLogsLogGroupArn  string `json:"CloudWatchLogsLogGroupArn,omitempty"`
	CloudWatchLogsRoleArn      string `json:"CloudWatchLogsRoleArn,omitempty"`
	KmsKeyId                   string `json:"KmsKeyId,omitempty"`
	HasCustomEventSelectors    *bool  `json:"HasCustomEventSelectors,omitempty"`
	HasInsightSelectors        *bool  `json:"HasInsightSelectors,omitempty"`
	IsOrganizationTrail        bool   `json:"IsOrganizationTrail"`
}

// writeShape is the CreateTrail/UpdateTrail response for t.
func writeShape(t trail.Trail) trailShape {
	return trailShape{
		Name: t.Name, S3BucketName: t.S3BucketName, S3KeyPrefix: t.S3KeyPrefix,
		SnsTopicName: t.SnsTopicName, SnsTopicARN: t.SnsTopicARN,
		IncludeGlobalServiceEvents: t.IncludeGlobalServiceEvents, IsMultiRegionTrail: t.IsMultiRegionTrail,
		TrailARN: t.ARN, LogFileValidationEnabled: t.LogFileValidationEnabled,
		CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn, CloudWatchLogsRoleArn: t.CloudWatchLogsRoleArn,
		KmsKeyId: t.KmsKeyId, IsOrganizationTrail: t.IsOrganizationTrail,
	}
}

// describeShape is the Trail shape (GetTrail, DescribeTrails) for t.
func describeShape(t trail.Trail) trailShape {
	sh := writeShape(t)
	custom, insights := t.HasCustomEventSelectors, t.HasInsightSelectors()
	sh.HomeRegion, sh.HasCustomEventSelectors, sh.HasInsightSelectors = t.HomeRegion, &custom, &insights
	return sh
}
