package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
)

// passthroughData is the additionalEventData of a call forwarded unverified
// under PassthroughUnknownKeys: Cairn does not know the access key (recorded
// in userIdentity.accessKeyId, type Unknown), so it neither verified the
// signature nor knows who signed.
var passthroughData = json.RawMessage(`{"cairnGateway":"passthrough","signatureVerified":false}`)

// withAdditionalEventData adds additionalEventData to an encoded record
// (the recorder never sets it).
func withAdditionalEventData(record []byte, data json.RawMessage) ([]byte, error) {
	var probe struct {
		AdditionalEventData json.RawMessage `json:"additionalEventData"`
	}
	if err := json.Unmarshal(record, &probe); err != nil {
		return nil, err
	}
	if probe.AdditionalEventData != nil {
		return nil, errors.New("gateway: the record already has additionalEventData")
	}
	end := bytes.LastIndexByte(record, '}')
	if end < 0 {
		return nil, errors.New("gateway: the record is not a JSON object")
	}
	out := make([]byte, 0, len(record)+len(data)+32)
	out = append(out, record[:end]...)
	out = append(out, `,"additionalEventData":`...)
	out = append(out, data...)
	out = append(out, '}')
	return out, nil
}
