package event

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		Meta: Meta{
			Time: time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC), Account: "123456789012", Region: "us-east-1",
			EventID: "6f1b3c1e-0000-4000-8000-000000000001", EventName: "CreateUser", EventSource: "iam.amazonaws.com",
			Username: "root", AccessKeyID: "AKIAEXAMPLE", Management: true, Category: CategoryManagement,
			Resources: []ResourceRef{{Type: "AWS::IAM::User", Name: "alice", ARN: "arn:aws:iam::123456789012:user/alice"}},
			UserARN:   "arn:aws:iam::123456789012:root", EventType: "AwsApiCall", Global: true,
		},
		Record: []byte(`{"eventVersion":"1.11"}`),
	}
}

func TestEntryRoundTrip(t *testing.T) {
	in := sampleEntry()
	b, err := in.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var out Entry
	if err := out.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n in %+v\nout %+v", in, out)
	}
}

func TestEntryTruncatedIsCorrupt(t *testing.T) {
	in := sampleEntry()
	b, _ := in.MarshalBinary()
	for i := 0; i < len(b); i++ {
		var out Entry
		if err := out.UnmarshalBinary(b[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix %d: err %v, want ErrCorrupt", i, err)
		}
	}
}

func FuzzEntryDecode(f *testing.F) {
	in := sampleEntry()
	b, _ := in.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var e Entry
		if err := e.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := e.MarshalBinary()
		var e2 Entry
		if err := e2.UnmarshalBinary(again); err != nil || !bytes.Equal(e.Record, e2.Record) || !reflect.DeepEqual(e.Meta, e2.Meta) {
			t.Fatalf("re-encode mismatch: %v", err)
		}
	})
}

// Entries journaled before version 2 (no UserARN, EventType or Global) still decode.
func TestEntryVersion1Decodes(t *testing.T) {
	in := sampleEntry()
	in.Meta.UserARN, in.Meta.EventType, in.Meta.Global = "", "", false
	m := &in.Meta
	b := []byte{1}
	b = binary.AppendVarint(b, m.Time.UnixMilli())
	b = append(b, 2) // management
	for _, s := range []string{m.Account, m.Region, m.EventID, m.EventName, m.EventSource, m.Username, m.AccessKeyID, m.Category, m.ErrorCode} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(m.Resources)))
	for _, r := range m.Resources {
		b = appendString(appendString(appendString(b, r.Type), r.Name), r.ARN)
	}
	b = appendString(b, string(in.Record))
	var out Entry
	if err := out.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("version 1:\n in %+v\nout %+v", in, out)
	}
}
