package event

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A call whose effect is committed after it is recorded (api.Result.Commit)
// is recorded as a pending entry (Meta.Pending), then settled by a marker
// appended to the same stream once the commit has run: committed, or aborted
// with the message the client was given. Consumers read the stream through
// internal/settle, which hides markers and shows an aborted call as failed.
// See docs/RECORDS.md.

// markerVersion is the first byte of a marker payload; entries start with
// their version (1 or 2), so the two never share a first byte.
const markerVersion = 0x80

// flagPending is the Meta flag bit of a pending entry. Decoders that predate
// it ignore the bit, so pending entries stay version 2.
const flagPending = 8

// Outcome is how a pending call ended.
type Outcome byte

// Outcomes of a pending call.
const (
	Committed Outcome = 1
	Aborted   Outcome = 2
)

func (o Outcome) String() string {
	switch o {
	case Committed:
		return "committed"
	case Aborted:
		return "aborted"
	}
	return fmt.Sprintf("outcome(%d)", byte(o))
}

// Marker settles the pending entry at Seq.
type Marker struct {
	Seq     uint64
	Outcome Outcome
	// Code and Message are the errorCode and errorMessage an aborted call's
	// record shows: what the client was told, in its service's words (S3's
	// InternalError, InternalFailure elsewhere). Empty for a committed call.
	Code    string
	Message string
}

// ErrMarker reports a payload that is a marker, not an entry.
var ErrMarker = errors.New("event: payload is a settle marker, not an entry")

// MarshalBinary encodes the marker.
func (m *Marker) MarshalBinary() ([]byte, error) {
	if m.Outcome != Committed && m.Outcome != Aborted {
		return nil, fmt.Errorf("event: marker of %d: invalid outcome %d", m.Seq, m.Outcome)
	}
	b := make([]byte, 0, 16+len(m.Code)+len(m.Message))
	b = append(b, markerVersion)
	b = binary.AppendUvarint(b, m.Seq)
	b = append(b, byte(m.Outcome))
	b = appendString(b, m.Code)
	return appendString(b, m.Message), nil
}

// UnmarshalBinary decodes a marker written by MarshalBinary.
func (m *Marker) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	if v := d.byte(); v != markerVersion {
		return fmt.Errorf("%w: marker version %d", ErrCorrupt, v)
	}
	seq := d.uvarint()
	o := Outcome(d.byte())
	code := d.string()
	msg := d.string()
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 || (o != Committed && o != Aborted) {
		return fmt.Errorf("%w: marker of %d", ErrCorrupt, seq)
	}
	*m = Marker{Seq: seq, Outcome: o, Code: code, Message: msg}
	return nil
}

// Kind is what a stream payload holds.
type Kind int

// Kinds of payload.
const (
	KindEntry   Kind = iota // an entry that needs no marker
	KindPending             // an entry whose call is settled by a later marker
	KindMarker
)

// KindOf classifies a payload from its first bytes without decoding it.
// A payload too short to classify is KindEntry (decoding then fails).
func KindOf(payload []byte) Kind {
	if len(payload) == 0 {
		return KindEntry
	}
	if payload[0] == markerVersion {
		return KindMarker
	}
	_, n := binary.Varint(payload[1:])
	if n <= 0 || len(payload) <= 1+n {
		return KindEntry
	}
	if payload[1+n]&flagPending != 0 {
		return KindPending
	}
	return KindEntry
}
