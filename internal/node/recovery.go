package node

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/cairn-audit/cairn/internal/bucket"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/identity"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/recorder"
	"github.com/cairn-audit/cairn/internal/s3api"
	"github.com/cairn-audit/cairn/internal/settle"
	"github.com/cairn-audit/cairn/internal/trail"
)

// trailStoreCalls are the CloudTrail calls whose every change lands in the
// trail store, committed with CommitAt (AddTags and RemoveTags too when they
// name a trail: ownedByResource).
var trailStoreCalls = map[string]bool{
	"CreateTrail": true, "UpdateTrail": true, "DeleteTrail": true, "StartLogging": true,
	"StopLogging": true, "PutEventSelectors": true, "PutInsightSelectors": true,
}

// channelStoreCalls are the CloudTrail calls committed to the channel store
// with CommitAt (resource policies are on channels only).
var channelStoreCalls = map[string]bool{
	"CreateChannel": true, "UpdateChannel": true, "DeleteChannel": true,
	"PutResourcePolicy": true, "DeleteResourcePolicy": true,
}

// edsStoreCalls are the CloudTrail calls committed to the Lake's event data
// store definitions with CommitAt.
var edsStoreCalls = map[string]bool{
	"CreateEventDataStore": true, "UpdateEventDataStore": true, "DeleteEventDataStore": true,
	"RestoreEventDataStore": true, "StartEventDataStoreIngestion": true, "StopEventDataStoreIngestion": true,
}

// tagCalls change the resource their record names: its tags, or its event
// configuration (PutEventConfiguration names a trail or an event data store).
var tagCalls = map[string]bool{"AddTags": true, "RemoveTags": true, "PutEventConfiguration": true}

// cloudTrailCall selects the CloudTrail calls in names, and the tag calls
// whose record names a resource of tagType.
func cloudTrailCall(names map[string]bool, tagType string) func(m *event.Meta) bool {
	return func(m *event.Meta) bool {
		if m.EventSource != "cloudtrail.amazonaws.com" {
			return false
		}
		return names[m.EventName] || tagType != "" && tagCalls[m.EventName] && ownedByResource(m, tagType)
	}
}

func ownedByResource(m *event.Meta, typ string) bool {
	for _, r := range m.Resources {
		if r.Type == typ {
			return true
		}
	}
	return false
}

// recoveryStores are the stores whose commits recovery can check.
type recoveryStores struct {
	ids      *identity.Store
	trails   *trail.Store
	objects  bucket.Store // the embedded store answers; external S3 has no staged calls
	channels *channel.Store
	lake     *lake.Lake     // nil without a Lake
	s3       *s3api.Service // nil with external S3 (--s3-endpoint): no S3 API is served
}

// storeOwners are the stores recovery can ask whether a call took effect.
// Calls of other stores are kept as recorded (docs/RECORDS.md).
func storeOwners(st recoveryStores) []settle.Owner {
	owners := []settle.Owner{
		{Name: "identity store", Checker: settle.BySeq(st.ids.Applied), Owns: func(m *event.Meta) bool { return m.EventSource == "iam.amazonaws.com" }},
		{Name: "trail store", Checker: settle.BySeq(st.trails.Applied), Owns: cloudTrailCall(trailStoreCalls, "AWS::CloudTrail::Trail")},
	}
	if st.channels != nil {
		owners = append(owners, settle.Owner{Name: "channel store", Checker: settle.BySeq(st.channels.Applied),
			Owns: cloudTrailCall(channelStoreCalls, "AWS::CloudTrail::Channel")})
	}
	if st.lake != nil {
		owners = append(owners,
			settle.Owner{Name: "event data store definitions", Checker: settle.BySeq(st.lake.Stores.Applied),
				Owns: cloudTrailCall(edsStoreCalls, "AWS::CloudTrail::EventDataStore")},
			settle.Owner{Name: "Lake queries", Checker: settle.BySeq(st.lake.Queries.Applied),
				Owns: cloudTrailCall(map[string]bool{"StartQuery": true, "CancelQuery": true}, "")},
			settle.Owner{Name: "Lake imports", Checker: settle.BySeq(st.lake.Imports.Applied),
				Owns: cloudTrailCall(map[string]bool{"StartImport": true, "StopImport": true}, "")},
		)
	}
	if b, ok := st.objects.(bucketCreator); ok { // the embedded bucket store
		owners = append(owners, settle.Owner{Name: "bucket store", Checker: bucketChecker{b}, Owns: s3Call("CreateBucket", "DeleteBucket")})
	}
	if o, ok := st.objects.(objectApplier); ok {
		owners = append(owners, settle.Owner{Name: "bucket store's applied log", Checker: settle.BySeq(o.ObjectApplied),
			Owns: s3Call("PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects")})
	}
	if st.s3 != nil {
		owners = append(owners, settle.Owner{Name: "multipart uploads' applied log", Checker: settle.BySeq(st.s3.UploadApplied),
			Owns: s3Call("CreateMultipartUpload", "UploadPart", "AbortMultipartUpload")})
	}
	return owners
}

// s3Call selects the S3 calls named.
func s3Call(names ...string) func(m *event.Meta) bool {
	return func(m *event.Meta) bool {
		return m.EventSource == "s3.amazonaws.com" && slices.Contains(names, m.EventName)
	}
}

// objectApplier is the embedded bucket store (file.Store.ObjectApplied).
type objectApplier interface {
	ObjectApplied(seq uint64) (applied, known bool)
}

// bucketCreator is the embedded bucket store (file.Store.CreatedBy).
type bucketCreator interface {
	CreatedBy(name string) (seq uint64, exists bool, err error)
}

// bucketChecker tells whether a CreateBucket call created its bucket: the
// bucket's metadata names the call's seq.
type bucketChecker struct{ b bucketCreator }

func (c bucketChecker) Applied(e *event.Entry) (applied, known bool) {
	for _, r := range e.Meta.Resources {
		if r.Type != "AWS::S3::Bucket" {
			continue
		}
		if e.Meta.EventName == "DeleteBucket" {
			return s3api.BucketDeleted(c.b.CreatedBy, r.Name, e.Seq)
		}
		seq, exists, err := c.b.CreatedBy(r.Name)
		if err != nil {
			return false, false
		}
		return exists && seq == e.Seq, true
	}
	return false, false
}

// unsettled lists the pending calls without a marker (stream.Journal).
type unsettled interface {
	Unsettled() ([]event.Entry, error)
}

// settleInterrupted resolves the calls a crash left recorded but unsettled
// (pending, without a marker) by checking their effect, and appends their
// markers, before the server takes calls.
func settleInterrupted(ctx context.Context, v unsettled, rec *recorder.Recorder, owners []settle.Owner, logger *slog.Logger) error {
	open, err := v.Unsettled()
	if err != nil {
		return fmt.Errorf("find unsettled calls: %w", err)
	}
	for i := range open {
		e := &open[i]
		m, reason := settle.Resolve(e, owners)
		if err := rec.Settle(ctx, m); err != nil {
			return fmt.Errorf("settle interrupted call %d: %w", e.Seq, err)
		}
		logger.Warn("settled a call interrupted before its outcome was recorded", "seq", e.Seq, "event", e.Meta.EventName,
			"eventId", e.Meta.EventID, "outcome", m.Outcome, "reason", reason)
	}
	return nil
}
