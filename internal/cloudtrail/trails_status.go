package cloudtrail

import (
	"context"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/trail"
)

// legacyTimeFormat is how the deprecated string members of
// GetTrailStatusResponse carry times.
const legacyTimeFormat = "2006-01-02T15:04:05Z"

// trailStatusOutput is GetTrailStatusResponse: timestamps are epoch
// seconds, omitted when unset; the deprecated string members are always
// present ("" when unset), as CloudTrail still returns them.
type trailStatusOutput struct {
	IsLogging                          bool     `json:"IsLogging"`
	LatestDeliveryError                string   `json:"LatestDeliveryError,omitempty"`
	LatestNotificationError            string   `json:"LatestNotificationError,omitempty"`
	LatestDeliveryTime                 *float64 `json:"LatestDeliveryTime,omitempty"`
	LatestNotificationTime             *float64 `json:"LatestNotificationTime,omitempty"`
	StartLoggingTime                   *float64 `json:"StartLoggingTime,omitempty"`
	StopLoggingTime                    *float64 `json:"StopLoggingTime,omitempty"`
	LatestDigestDeliveryTime           *float64 `json:"LatestDigestDeliveryTime,omitempty"`
	LatestDigestDeliveryError          string   `json:"LatestDigestDeliveryError,omitempty"`
	LatestDeliveryAttemptTime          string   `json:"LatestDeliveryAttemptTime"`
	LatestNotificationAttemptTime      string   `json:"LatestNotificationAttemptTime"`
	LatestNotificationAttemptSucceeded string   `json:"LatestNotificationAttemptSucceeded"`
	LatestDeliveryAttemptSucceeded     string   `json:"LatestDeliveryAttemptSucceeded"`
	TimeLoggingStarted                 string   `json:"TimeLoggingStarted"`
	TimeLoggingStopped                 string   `json:"TimeLoggingStopped"`
}

// getTrailStatus reports logging state and delivery status. A name
// resolves to a trail homed in the calling region; a shadow of a
// multi-region trail is asked for by ARN, as in CloudTrail.
func (s *Service) getTrailStatus(_ context.Context, c *api.Call) (*api.Result, error) {
	var in nameInput
	if err := decodeInput(c.Body, &in); err != nil {
		return nil, err
	}
	t, err := findTrail(s.opts.Trails, c, in.Name, homeOnly)
	if err != nil {
		return nil, err
	}
	var st trail.Status
	if s.opts.Status != nil {
		st = s.opts.Status.Status(t.ID)
	}
	out := trailStatusOutput{
		IsLogging:                          t.IsLogging(),
		LatestDeliveryError:                st.LatestDeliveryError,
		LatestNotificationError:            st.LatestNotificationError,
		LatestDeliveryTime:                 epoch(st.LatestDeliveryTime),
		LatestNotificationTime:             epoch(st.LatestNotificationTime),
		StartLoggingTime:                   epoch(t.StartLoggingTime()),
		StopLoggingTime:                    epoch(t.StopLoggingTime()),
		LatestDigestDeliveryTime:           epoch(st.LatestDigestDeliveryTime),
		LatestDigestDeliveryError:          st.LatestDigestDeliveryError,
		LatestDeliveryAttemptTime:          legacyTime(st.LatestDeliveryAttemptTime),
		LatestNotificationAttemptTime:      legacyTime(st.LatestNotificationAttemptTime),
		LatestNotificationAttemptSucceeded: legacyTime(st.LatestNotificationAttemptSucceeded),
		LatestDeliveryAttemptSucceeded:     legacyTime(st.LatestDeliveryAttemptSucceeded),
		TimeLoggingStarted:                 legacyTime(t.StartLoggingTime()),
		TimeLoggingStopped:                 legacyTime(t.StopLoggingTime()),
	}
	res, err := s.jsonResult(c, "GetTrailStatus", out)
	if err != nil {
		return nil, err
	}
	res.Resources = trailResources(t)
	return res, nil
}

// epoch is t as epoch seconds with millisecond precision; nil if t is zero.
func epoch(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := float64(t.UnixMilli()) / 1000
	return &v
}

func legacyTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(legacyTimeFormat)
}
