package cloudtraildata

import (
	"github.com/cairn-audit/cairn/internal/channel"
)

// StandardEventBytes is the largest eventData accepted when no destination
// store says otherwise: an event data store's MaxEventSize Standard (256 KB).
const StandardEventBytes = 256 << 10

// StoreEventSize returns the largest event (bytes) the event data store ref
// (ARN or ID) accepts, from its MaxEventSize (Standard 256 KB, Large 1 MB;
// PutEventConfiguration); ok is false if there is no such store.
type StoreEventSize func(ref string) (maxBytes int, ok bool)

// SetStoreEventSize sets how the MaxEventSize of a channel's destination
// stores is found. Until it is set, or for a destination it does not know,
// eventData may be StandardEventBytes at most.
func (s *Service) SetStoreEventSize(f StoreEventSize) {
	s.eventSize.Store(&f)
}

// maxEventBytes is the largest eventData every destination of ch accepts:
// the smallest MaxEventSize among them.
func (s *Service) maxEventBytes(ch *channel.Channel) int {
	f := s.eventSize.Load()
	if f == nil {
		return StandardEventBytes
	}
	limit := 0
	for _, d := range ch.Destinations {
		if d.Type != channel.DestinationEventDataStore {
			continue
		}
		if n, ok := (*f)(d.Location); ok && n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	if limit == 0 {
		return StandardEventBytes
	}
	return limit
}

// checkEventSize refuses eventData larger than limit (FieldTooLong).
func checkEventSize(ev *auditEvent, limit int) *eventError {
	if len(ev.EventData) > limit {
		return evErr(errFieldTooLong, "eventData is %d bytes; the destination event data store accepts events of at most %d KB (MaxEventSize %s).", len(ev.EventData), limit>>10, sizeName(limit))
	}
	return nil
}

func sizeName(limit int) string {
	if limit > StandardEventBytes {
		return "Large"
	}
	return "Standard"
}
