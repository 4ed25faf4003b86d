package cloudtraildata

import (
	"fmt"
	"time"

	"github.com/cairn-audit/cairn/internal/channel"
)

// eventTime bounds. CloudTrail Lake keeps an event while its eventTime is
// within the retention period of its event data store (AWS: "CloudTrail
// Lake determines whether to retain an event by checking if the eventTime of
// the event is within the specified retention period"), so an event whose
// eventTime is already past that period would be accepted and then deleted
// by the next retention pass without anyone being told. Such an event is
// refused instead, in failed[] with InvalidData, and so is one whose
// eventTime lies more than MaxEventTimeAhead in the future or outside years
// 1970–9999.

// DefaultMaxEventTimeAhead is how far in the future an eventTime may be
// (clock skew of the source).
const DefaultMaxEventTimeAhead = 24 * time.Hour

// StoreRetention returns the retention period in days of the event data
// store ref (ARN or ID) names; ok is false if there is no such store.
type StoreRetention func(ref string) (days int, ok bool)

// minEventTime is the earliest eventTime accepted whatever the retention.
var minEventTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// maxEventTime is the latest eventTime accepted whatever the skew.
var maxEventTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// SetStoreRetention sets how the retention of a channel's destination stores
// is found (the Lake is opened after the service). Until it is set, or for a
// destination it does not know, only the fixed bounds apply.
func (s *Service) SetStoreRetention(f StoreRetention) {
	s.retention.Store(&f)
}

// eventTimeBounds is the range of eventTime an event sent to ch at now may
// have: from the cutoff of the destination store with the shortest
// retention, to now + MaxEventTimeAhead. store names that destination ("" if none).
func (s *Service) eventTimeBounds(ch *channel.Channel, now time.Time) (lo, hi time.Time, store string, days int) {
	lo, hi = minEventTime, now.Add(s.opts.MaxEventTimeAhead)
	if hi.After(maxEventTime) {
		hi = maxEventTime
	}
	f := s.retention.Load()
	if f == nil {
		return lo, hi, "", 0
	}
	for _, d := range ch.Destinations {
		if d.Type != channel.DestinationEventDataStore {
			continue
		}
		n, ok := (*f)(d.Location)
		if !ok || n <= 0 {
			continue
		}
		if cut := now.Add(-time.Duration(n) * 24 * time.Hour); cut.After(lo) {
			lo, store, days = cut, d.Location, n
		}
	}
	return lo, hi, store, days
}

// checkEventTime refuses an eventTime outside [lo, hi] (see eventTimeBounds).
func checkEventTime(t, lo, hi time.Time, store string, days int) *eventError {
	ts := t.UTC().Format(time.RFC3339)
	switch {
	case t.Before(lo) && store != "":
		return evErr(errInvalidData, "eventData.eventTime %s is older than the %d-day retention period of event data store %s: the event would be deleted at once.", ts, days, store)
	case t.Before(lo):
		return evErr(errInvalidData, "eventData.eventTime %s is before %s.", ts, lo.Format(time.RFC3339))
	case t.After(hi):
		return evErr(errInvalidData, "eventData.eventTime %s is later than %s: it may be at most %s ahead of the time of the call.", ts, hi.Format(time.RFC3339), fmtDuration(DefaultMaxEventTimeAhead))
	}
	return nil
}

func fmtDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}
