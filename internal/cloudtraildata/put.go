package cloudtraildata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/channel"
	"github.com/cairn-audit/cairn/internal/event"
)

type resultEntry struct {
	ID      string `json:"id"`
	EventID string `json:"eventID"`
}

type errorEntry struct {
	ID           string `json:"id"`
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
}

type putOutput struct {
	Successful []resultEntry `json:"successful"`
	Failed     []errorEntry  `json:"failed"`
}

var (
	channelARNShape = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:cloudtrail:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:channel/[a-zA-Z0-9\-]+$`)
	channelIDShape  = regexp.MustCompile(`^[a-zA-Z0-9\-]{1,128}$`)
)

// putAuditEvents ingests up to 100 events (1 MB) into a channel. Whole
// request errors come first (body, channel, permission, schema, duplicate
// ids); then each event is checked on its own, and the accepted ones are
// appended durably, in one batch, before the response names them.
func (s *Service) putAuditEvents(ctx context.Context, c *api.Call) (*api.Result, *channel.Channel, error) {
	if len(c.Body) > s.opts.MaxBodyBytes {
		return nil, nil, &api.Error{Code: "RequestEntityTooLarge", Message: fmt.Sprintf("The request body is %d bytes; PutAuditEvents accepts at most %d bytes (1 MB) per request.", len(c.Body), s.opts.MaxBodyBytes), Status: http.StatusRequestEntityTooLarge}
	}
	ch, err := s.findChannel(c)
	if err != nil {
		return nil, nil, err
	}
	if !s.policy(&ch).Allows(channel.Caller{Account: c.Caller.AccountID, ARN: c.Caller.ARN}, ch.Account, c.Query.Get("externalId")) {
		return nil, &ch, api.Errorf("ChannelInsufficientPermission", "%s is not allowed to put audit events into channel %s (no resource policy statement allows it, or the externalId does not match).", c.Caller.ARN, ch.ARN)
	}
	now := s.opts.Now().UTC()
	fail := func(err error) (*api.Result, *channel.Channel, error) {
		s.opts.Channels.UpdateIngestion(ch.ARN, func(g *channel.Ingestion) {
			g.LatestAttemptTime, g.LatestErrorCode = now, api.AsError(err).Code
		})
		return nil, &ch, err
	}
	if !ch.HasEventDataStore() {
		return fail(api.Errorf("ChannelUnsupportedSchema", "Channel %s has no event data store destination, so it does not take ActivityAuditLog events.", ch.ARN))
	}
	events, err := decodeBody(c.Body)
	if err != nil {
		return fail(err)
	}
	seen := make(map[string]struct{}, len(events))
	for _, ev := range events {
		if _, dup := seen[ev.ID]; dup {
			return fail(api.Errorf("DuplicatedAuditEventId", "Two or more entries in the request have the same id %q.", ev.ID))
		}
		seen[ev.ID] = struct{}{}
	}
	out, err := s.ingest(ctx, c, &ch, events, now)
	if err != nil {
		return nil, &ch, err
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, &ch, fmt.Errorf("encode PutAuditEvents response: %w", err)
	}
	return &api.Result{Status: http.StatusOK, Header: header(c.RequestID), Body: body, EventName: "PutAuditEvents"}, &ch, nil
}

// decodeBody parses {"auditEvents": [...]} with 1 to 100 events.
func decodeBody(body []byte) ([]auditEvent, error) {
	if !utf8.Valid(body) {
		return nil, api.Errorf("SerializationException", "The request body is not valid UTF-8.")
	}
	events, err := parseBody(body)
	if err != nil {
		return nil, api.Errorf("SerializationException", "Could not parse the request body: %s.", err)
	}
	if n := len(events); n < 1 || n > MaxEventsPerCall {
		return nil, api.Errorf("ValidationException", "auditEvents must hold 1 to %d events; %d were given.", MaxEventsPerCall, n)
	}
	return events, nil
}

// findChannel resolves the channelArn query parameter: a channel ARN or a
// channel ID, of a channel in the calling region.
func (s *Service) findChannel(c *api.Call) (channel.Channel, error) {
	ref := c.Query.Get("channelArn")
	var ch channel.Channel
	var ok bool
	switch {
	case channelARNShape.MatchString(ref):
		ch, ok = s.opts.Channels.Get(ref)
	case channelIDShape.MatchString(ref):
		ch, ok = s.opts.Channels.ByID(ref)
	default:
		return ch, api.Errorf("InvalidChannelARN", "The channel ARN %q is not valid. The format of a channel ARN is arn:aws:cloudtrail:us-east-2:123456789012:channel/01234567-89ab-cdef-0123-456789abcdef.", ref)
	}
	if !ok || ch.Region != c.Region {
		return ch, api.Errorf("ChannelNotFound", "The channel %s was not found in %s.", ref, c.Region)
	}
	return ch, nil
}

// ingest checks each event, appends the accepted ones durably in one batch
// and updates the channel's ingestion status.
func (s *Service) ingest(ctx context.Context, c *api.Call, ch *channel.Channel, events []auditEvent, now time.Time) (*putOutput, error) {
	out := &putOutput{Successful: []resultEntry{}, Failed: []errorEntry{}}
	ids := event.NewIDs(len(events))
	b := newRecordBuilder(c.Region, ch, now)
	payloads := make([][]byte, 0, len(events))
	lo, hi, store, days := s.eventTimeBounds(ch, now)
	maxBytes := s.maxEventBytes(ch)
	for i := range events {
		ev := &events[i]
		perr := checkEventSize(ev, maxBytes)
		var fields eventFields
		if perr == nil {
			fields, perr = checkEvent(ev, ch.Account)
		}
		if perr == nil {
			perr = checkEventTime(fields.time, lo, hi, store, days)
		}
		if perr != nil {
			out.Failed = append(out.Failed, errorEntry{ID: ev.ID, ErrorCode: perr.code, ErrorMessage: perr.msg})
			continue
		}
		p, err := b.entry(ids[i], ev.EventData, fields)
		if err != nil {
			out.Failed = append(out.Failed, errorEntry{ID: ev.ID, ErrorCode: "InternalFailure", ErrorMessage: "The event could not be encoded."})
			continue
		}
		payloads = append(payloads, p)
		out.Successful = append(out.Successful, resultEntry{ID: ev.ID, EventID: ids[i]})
	}
	if len(payloads) > 0 {
		if _, err := s.opts.Stream.AppendBatch(ctx, payloads); err != nil {
			s.opts.Logger.Error("audit events not stored; refusing the call", "channel", ch.ARN, "events", len(payloads), "requestId", c.RequestID, "err", err)
			return nil, &api.Error{Code: "InternalFailure", Message: "The events could not be stored durably; none was ingested. Retry later.", Status: http.StatusInternalServerError}
		}
	}
	s.opts.Channels.UpdateIngestion(ch.ARN, func(g *channel.Ingestion) {
		g.LatestAttemptTime = now
		if n := len(out.Successful); n > 0 {
			last := out.Successful[n-1].EventID
			g.LatestSuccessTime, g.LatestSuccessEventID, g.LatestAttemptEventID = now, last, last
		}
		if n := len(out.Failed); n > 0 {
			g.LatestErrorCode = out.Failed[n-1].ErrorCode
		}
	})
	return out, nil
}
