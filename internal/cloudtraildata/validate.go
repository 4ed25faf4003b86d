package cloudtraildata

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/netip"
	"time"
	"unicode/utf8"
)

// eventData limits (CloudTrail Lake integrations event schema).
const (
	maxVersion          = 256
	maxIdentityType     = 128
	maxLongField        = 1024 // principalId, userAgent, eventSource, eventName, UID
	maxErrorField       = 256  // errorCode, errorMessage
	maxParamsBytes      = 100 << 10
	maxAdditionalData   = 28 << 10
	errFieldNotFound    = "FieldNotFound"
	errFieldTooLong     = "FieldTooLong"
	errInvalidData      = "InvalidData"
	errInvalidChecksum  = "InvalidChecksum"
	errInvalidRecipient = "InvalidRecipient"
)

// eventError is a per-event failure: the event lands in failed[].
type eventError struct{ code, msg string }

func evErr(code, format string, args ...any) *eventError {
	return &eventError{code, fmt.Sprintf(format, args...)}
}

// eventData is what Cairn reads of an event's data (nil = absent or null).
// Members match case-insensitively (as with encoding/json), so "UID" and
// "uid" both work.
type eventData struct {
	Version, UserAgent, EventSource, EventName, EventTime, UID   []byte
	ErrorCode, ErrorMessage, SourceIPAddress, RecipientAccountID []byte
	UserIdentity                                                 *userIdentity
	RequestParameters, ResponseElements, AdditionalEventData     []byte // raw JSON
}

type userIdentity struct {
	Type, PrincipalID []byte
	Details           []byte // raw JSON
}

// stringMember returns the string field a key names, nil for others.
func (d *eventData) stringMember(k []byte) *[]byte {
	switch len(k) { // cheap pre-filter before the case-insensitive compare
	case 3:
		if keyIs(k, "UID") {
			return &d.UID
		}
	case 7:
		if keyIs(k, "version") {
			return &d.Version
		}
	case 9:
		switch {
		case keyIs(k, "userAgent"):
			return &d.UserAgent
		case keyIs(k, "eventName"):
			return &d.EventName
		case keyIs(k, "eventTime"):
			return &d.EventTime
		case keyIs(k, "errorCode"):
			return &d.ErrorCode
		}
	case 11:
		if keyIs(k, "eventSource") {
			return &d.EventSource
		}
	case 12:
		if keyIs(k, "errorMessage") {
			return &d.ErrorMessage
		}
	case 15:
		if keyIs(k, "sourceIPAddress") {
			return &d.SourceIPAddress
		}
	case 18:
		if keyIs(k, "recipientAccountId") {
			return &d.RecipientAccountID
		}
	}
	return nil
}

// rawMember returns the JSON field a key names, nil for others.
func (d *eventData) rawMember(k []byte) *[]byte {
	switch {
	case keyIs(k, "requestParameters"):
		return &d.RequestParameters
	case keyIs(k, "responseElements"):
		return &d.ResponseElements
	case keyIs(k, "additionalEventData"):
		return &d.AdditionalEventData
	}
	return nil
}

// eventFields is what the entry's metadata takes from a valid event.
type eventFields struct {
	time                            time.Time
	eventName, eventSource, errCode string
}

// checkEvent validates one audit event of a channel owned by owner.
func checkEvent(ev *auditEvent, owner string) (eventFields, *eventError) {
	var f eventFields
	if !validID(ev.ID) {
		return f, evErr(errInvalidData, "The id %q is not valid: use 1 to 128 letters, digits, hyphens and underscores.", ev.ID)
	}
	if len(ev.EventData) == 0 {
		return f, evErr(errFieldNotFound, "The required field eventData is missing.")
	}
	if ev.HasChecksum {
		sum := sha256.Sum256(ev.EventData)
		var want [44]byte
		base64.StdEncoding.Encode(want[:], sum[:])
		if !bytes.Equal(ev.Checksum, want[:]) {
			return f, evErr(errInvalidChecksum, "The eventDataChecksum does not match the base64-encoded SHA-256 digest of eventData.")
		}
	}
	var d eventData
	if err := parseEventData(ev.EventData, &d); err != nil {
		return f, &eventError{errInvalidData, describe(err)}
	}
	if e := checkRequired(&d); e != nil {
		return f, e
	}
	if e := checkLengths(&d); e != nil {
		return f, e
	}
	t, ok := parseEventTime(string(d.EventTime))
	if !ok {
		return f, evErr(errInvalidData, "eventData.eventTime %q is not a UTC timestamp in yyyy-MM-ddTHH:mm:ss format.", d.EventTime)
	}
	for _, o := range [...]struct {
		name string
		v    []byte
	}{{"userIdentity.details", d.UserIdentity.Details}, {"requestParameters", d.RequestParameters},
		{"responseElements", d.ResponseElements}, {"additionalEventData", d.AdditionalEventData}} {
		if len(o.v) > 0 && o.v[0] != '{' && string(o.v) != "null" {
			return f, evErr(errInvalidData, "eventData.%s must be a JSON object.", o.name)
		}
	}
	if d.SourceIPAddress != nil {
		if _, err := netip.ParseAddr(string(d.SourceIPAddress)); err != nil {
			return f, evErr(errInvalidData, "eventData.sourceIPAddress %q is not an IPv4 or IPv6 address.", d.SourceIPAddress)
		}
	}
	if string(d.RecipientAccountID) != owner {
		return f, evErr(errInvalidRecipient, "eventData.recipientAccountId %s is not the channel owner's account %s.", d.RecipientAccountID, owner)
	}
	f.time, f.eventName, f.eventSource, f.errCode = t, string(d.EventName), string(d.EventSource), string(d.ErrorCode)
	return f, nil
}

// validID checks an event id: 1-128 of [-_A-Za-z0-9].
func validID(id string) bool {
	if len(id) < 1 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func checkRequired(d *eventData) *eventError {
	missing := func(name string) *eventError {
		return evErr(errFieldNotFound, "The required field eventData.%s is missing.", name)
	}
	if len(d.Version) == 0 {
		return missing("version")
	}
	if d.UserIdentity == nil {
		return missing("userIdentity")
	}
	for _, r := range [...]struct {
		name string
		v    []byte
	}{
		{"userIdentity.type", d.UserIdentity.Type}, {"userIdentity.principalId", d.UserIdentity.PrincipalID},
		{"eventSource", d.EventSource}, {"eventName", d.EventName}, {"eventTime", d.EventTime}, {"UID", d.UID},
		{"recipientAccountId", d.RecipientAccountID},
	} {
		if len(r.v) == 0 {
			return missing(r.name)
		}
	}
	return nil
}

func checkLengths(d *eventData) *eventError {
	for _, l := range [...]struct {
		name string
		v    []byte
		max  int
	}{
		{"version", d.Version, maxVersion}, {"userIdentity.type", d.UserIdentity.Type, maxIdentityType},
		{"userIdentity.principalId", d.UserIdentity.PrincipalID, maxLongField}, {"userAgent", d.UserAgent, maxLongField},
		{"eventSource", d.EventSource, maxLongField}, {"eventName", d.EventName, maxLongField}, {"UID", d.UID, maxLongField},
		{"errorCode", d.ErrorCode, maxErrorField}, {"errorMessage", d.ErrorMessage, maxErrorField},
	} {
		if len(l.v) > l.max && utf8.RuneCount(l.v) > l.max {
			return evErr(errFieldTooLong, "eventData.%s is longer than %d characters.", l.name, l.max)
		}
	}
	for _, l := range [...]struct {
		name string
		v    []byte
		max  int
	}{
		{"requestParameters", d.RequestParameters, maxParamsBytes}, {"responseElements", d.ResponseElements, maxParamsBytes},
		{"additionalEventData", d.AdditionalEventData, maxAdditionalData},
	} {
		if len(l.v) > l.max {
			return evErr(errFieldTooLong, "eventData.%s is larger than %d KB.", l.name, l.max>>10)
		}
	}
	return nil
}

// parseEventTime accepts yyyy-MM-ddTHH:mm:ss, optionally with fractional
// seconds and a Z or numeric offset (a time without a zone is UTC).
func parseEventTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
