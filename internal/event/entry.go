package event

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Entry is one recorded event as it travels the durable stream: the exact
// record bytes every consumer emits, plus the metadata consumers index on so
// they never re-parse the record.
type Entry struct {
	Seq    uint64 // assigned by the stream; 0 until appended
	Meta   Meta
	Record []byte // JSON of Record, byte-for-byte what trails and history return
}

// Meta is what consumers filter and index on.
type Meta struct {
	Time        time.Time // eventTime, UTC, second precision as recorded
	Account     string    // recipientAccountId
	Region      string    // awsRegion
	EventID     string
	EventName   string
	EventSource string
	Username    string // LookupEvents' Username: IAM user name, "root" for Root
	AccessKeyID string
	ReadOnly    bool
	Management  bool
	Category    string // Management, Data
	ErrorCode   string
	Resources   []ResourceRef
	UserARN     string // userIdentity.arn (selectors filter on it)
	EventType   string // AwsApiCall, AwsServiceEvent, ...
	Global      bool   // a global service's event (IAM, STS), recorded in us-east-1
	// Pending marks a call recorded before its effect was committed: a later
	// Marker settles it (see marker.go). Consumers read through
	// internal/settle and need not look at it.
	Pending bool
}

// ResourceRef is a resource as LookupEvents reports it, with its ARN.
type ResourceRef struct {
	Type string // e.g. AWS::IAM::User
	Name string // e.g. the user name
	ARN  string
}

// entryVersion 2 added UserARN, EventType and the Global flag; version 1
// entries (written before trails existed) still decode.
const entryVersion = 2

// ErrCorrupt reports an entry that cannot be decoded.
var ErrCorrupt = errors.New("event: corrupt entry")

// MarshalBinary encodes the entry (without Seq, which the stream frames).
func (e *Entry) MarshalBinary() ([]byte, error) {
	m := &e.Meta
	n := 1 + 10 + 1 + len(e.Record) + 5
	strs := []string{m.Account, m.Region, m.EventID, m.EventName, m.EventSource, m.Username, m.AccessKeyID, m.Category, m.ErrorCode, m.UserARN, m.EventType}
	for _, s := range strs {
		n += len(s) + 5
	}
	for _, r := range m.Resources {
		n += len(r.Type) + len(r.Name) + len(r.ARN) + 15
	}
	b := make([]byte, 0, n)
	b = append(b, entryVersion)
	b = binary.AppendVarint(b, m.Time.UnixMilli())
	var flags byte
	if m.ReadOnly {
		flags |= 1
	}
	if m.Management {
		flags |= 2
	}
	if m.Global {
		flags |= 4
	}
	if m.Pending {
		flags |= flagPending
	}
	b = append(b, flags)
	for _, s := range strs {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(m.Resources)))
	for _, r := range m.Resources {
		b = appendString(b, r.Type)
		b = appendString(b, r.Name)
		b = appendString(b, r.ARN)
	}
	b = appendString(b, string(e.Record))
	return b, nil
}

// UnmarshalBinary decodes an entry written by MarshalBinary. Seq is left alone.
func (e *Entry) UnmarshalBinary(b []byte) error {
	d := decoder{b: b}
	v := d.byte()
	if v == markerVersion {
		return ErrMarker
	}
	if v != 1 && v != entryVersion {
		return fmt.Errorf("%w: version %d", ErrCorrupt, v)
	}
	m := Meta{}
	m.Time = time.UnixMilli(d.varint()).UTC()
	flags := d.byte()
	m.ReadOnly, m.Management, m.Global = flags&1 != 0, flags&2 != 0, flags&4 != 0
	m.Pending = flags&flagPending != 0
	strs := []*string{&m.Account, &m.Region, &m.EventID, &m.EventName, &m.EventSource, &m.Username, &m.AccessKeyID, &m.Category, &m.ErrorCode, &m.UserARN, &m.EventType}
	if v == 1 {
		strs = strs[:9]
	}
	for _, p := range strs {
		*p = d.string()
	}
	nres := d.uvarint()
	if nres > uint64(len(b)) {
		return fmt.Errorf("%w: %d resources", ErrCorrupt, nres)
	}
	if nres > 0 {
		m.Resources = make([]ResourceRef, nres)
		for i := range m.Resources {
			m.Resources[i] = ResourceRef{Type: d.string(), Name: d.string(), ARN: d.string()}
		}
	}
	rec := d.bytes()
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.b))
	}
	e.Meta, e.Record = m, rec
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: short %s", ErrCorrupt, what)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("string")
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }
