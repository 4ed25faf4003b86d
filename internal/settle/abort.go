package settle

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cairn-audit/cairn/internal/event"
)

// AbortedCode is the errorCode of a call whose effect was not committed,
// when its marker names none.
const AbortedCode = "InternalFailure"

// Messages of aborted calls: the one the client got when the commit failed,
// and the one recovery writes for a call interrupted by a crash (whose
// client never got an answer).
const (
	CommitFailedMessage = "The change could not be saved."
	InterruptedMessage  = "The call was interrupted before its change was saved; it did not take effect."
)

// AbortedPayload rewrites a pending entry as the failed call it is: Meta and
// record get errorCode code (AbortedCode if empty) and errorMessage msg, the record's
// responseElements become null. Every other member of the record keeps its
// bytes and its place; errorCode and errorMessage go where the recorder puts
// them (before requestParameters).
func AbortedPayload(payload []byte, code, msg string) ([]byte, error) {
	if code == "" {
		code = AbortedCode
	}
	var e event.Entry
	if err := e.UnmarshalBinary(payload); err != nil {
		return nil, err
	}
	rec, err := abortRecord(e.Record, code, msg)
	if err != nil {
		return nil, err
	}
	e.Meta.ErrorCode, e.Record = code, rec
	return e.MarshalBinary()
}

func abortRecord(rec []byte, codeName, msg string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(rec))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("record is not a JSON object")
	}
	type member struct {
		key string
		val json.RawMessage
	}
	var members []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("parse record: %w", err)
		}
		key, _ := t.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("parse record member %q: %w", key, err)
		}
		members = append(members, member{key, val})
	}
	code, _ := json.Marshal(codeName)
	message, _ := json.Marshal(msg)
	errMembers := []member{{"errorCode", code}, {"errorMessage", message}}
	var out []member
	placed := false
	for _, m := range members {
		switch m.key {
		case "errorCode", "errorMessage":
			continue
		case "requestParameters":
			out = append(out, errMembers...)
			placed = true
		case "responseElements":
			m.val = json.RawMessage("null")
		}
		out = append(out, m)
	}
	if !placed {
		out = append(out, errMembers...)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
