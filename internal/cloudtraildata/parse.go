package cloudtraildata

import "fmt"

// auditEvent is one entry of auditEvents.
type auditEvent struct {
	ID          string
	EventData   []byte // unescaped eventData; nil when absent or null
	Checksum    []byte // eventDataChecksum
	HasChecksum bool
}

// parseBody reads {"auditEvents":[{"id","eventData","eventDataChecksum"}...]}.
// Unknown members are skipped; members match case-insensitively and null
// means absent, as with encoding/json.
func parseBody(b []byte) ([]auditEvent, error) {
	s := scanner{b: b}
	if err := s.expect('{'); err != nil {
		return nil, err
	}
	var events []auditEvent
	for first := true; ; {
		ok, err := s.more('}', &first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		k, err := s.key()
		if err != nil {
			return nil, err
		}
		if !keyIs(k, "auditEvents") {
			if err := s.skip(1); err != nil {
				return nil, err
			}
			continue
		}
		if events, err = parseEvents(&s); err != nil {
			return nil, err
		}
	}
	return events, s.end()
}

func parseEvents(s *scanner) ([]auditEvent, error) {
	switch s.peek() {
	case 'n':
		return nil, s.literal("null")
	case '[':
		s.i++
	default:
		if err := s.skip(1); err != nil {
			return nil, err
		}
		return nil, &errType{"auditEvents", "a list"}
	}
	events := make([]auditEvent, 0, MaxEventsPerCall)
	for first := true; ; {
		ok, err := s.more(']', &first)
		if err != nil {
			return nil, err
		}
		if !ok {
			return events, nil
		}
		var ev auditEvent
		switch s.peek() {
		case 'n':
			err = s.literal("null")
		case '{':
			err = parseEvent(s, &ev)
		default:
			if err = s.skip(2); err == nil {
				err = &errType{"auditEvents[]", "an object"}
			}
		}
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
}

func parseEvent(s *scanner, ev *auditEvent) error {
	s.i++ // '{'
	for first := true; ; {
		ok, err := s.more('}', &first)
		if err != nil || !ok {
			return err
		}
		k, err := s.key()
		if err != nil {
			return err
		}
		switch {
		case keyIs(k, "id"):
			var v []byte
			if v, _, err = s.optString("id"); v != nil {
				ev.ID = string(v)
			}
		case keyIs(k, "eventData"):
			ev.EventData, _, err = s.optString("eventData")
		case keyIs(k, "eventDataChecksum"):
			ev.Checksum, ev.HasChecksum, err = s.optString("eventDataChecksum")
		default:
			err = s.skip(3)
		}
		if err != nil {
			return err
		}
	}
}

// parseEventData reads an eventData document (which must be a JSON object)
// into d; members Cairn does not read are validated and skipped.
func parseEventData(b []byte, d *eventData) error {
	s := scanner{b: b}
	if s.peek() != '{' {
		if err := s.skip(0); err != nil {
			return err
		}
		return &errType{"eventData", "a JSON object"}
	}
	s.i++
	for first := true; ; {
		ok, err := s.more('}', &first)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		k, err := s.key()
		if err != nil {
			return err
		}
		if p := d.stringMember(k); p != nil {
			*p, _, err = s.optString(string(k))
		} else if p := d.rawMember(k); p != nil {
			*p, err = s.raw(1)
		} else if keyIs(k, "userIdentity") {
			err = parseUserIdentity(&s, d)
		} else {
			err = s.skip(1)
		}
		if err != nil {
			return err
		}
	}
	return s.end()
}

func parseUserIdentity(s *scanner, d *eventData) error {
	switch s.peek() {
	case 'n':
		d.UserIdentity = nil
		return s.literal("null")
	case '{':
		s.i++
	default:
		if err := s.skip(1); err != nil {
			return err
		}
		return &errType{"userIdentity", "an object"}
	}
	d.UserIdentity = &userIdentity{}
	for first := true; ; {
		ok, err := s.more('}', &first)
		if err != nil || !ok {
			return err
		}
		k, err := s.key()
		if err != nil {
			return err
		}
		switch {
		case keyIs(k, "type"):
			d.UserIdentity.Type, _, err = s.optString("userIdentity.type")
		case keyIs(k, "principalId"):
			d.UserIdentity.PrincipalID, _, err = s.optString("userIdentity.principalId")
		case keyIs(k, "details"):
			d.UserIdentity.Details, err = s.raw(2)
		default:
			err = s.skip(2)
		}
		if err != nil {
			return err
		}
	}
}

// describe turns a parse error into an InvalidData message.
func describe(err error) string {
	if te, ok := err.(*errType); ok {
		return fmt.Sprintf("eventData is not valid: %s.", te.Error())
	}
	return "eventData is not valid JSON."
}
