package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// maxTimestamp bounds accepted timestamps (year 9999).
var maxTimestamp = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Timestamp is a JSON 1.1 timestamp: epoch seconds as an integer or a float
// (what the SDKs send); ISO 8601 strings are accepted too.
type Timestamp struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return t.setEpoch(f)
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp %q is neither epoch seconds nor ISO 8601", s)
		}
		t.Time = v.UTC()
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not a number", b)
	}
	return t.setEpoch(f)
}

func (t *Timestamp) setEpoch(f float64) error {
	if math.IsNaN(f) || f < 0 || f > float64(maxTimestamp.Unix()) {
		return fmt.Errorf("timestamp %v is out of range", f)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
	return nil
}

// decodeInput decodes a JSON 1.1 request body into v; an empty body is {}.
// Malformed JSON or mistyped members are a SerializationException, as AWS answers.
func decodeInput(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		return cterr.Serialization.New("Request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return cterr.Serialization.New("Could not parse request body: %s", err)
	}
	if dec.More() {
		return cterr.Serialization.New("Could not parse request body: trailing data after the JSON object.")
	}
	return nil
}

// requestParameters turns a JSON 1.1 request body into the record's
// requestParameters: the same members with lower-camel names, as CloudTrail records them.
func requestParameters(body []byte) json.RawMessage {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil
	}
	m, ok := lowerCamel(v).(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func lowerCamel(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			r, size := utf8.DecodeRuneInString(k)
			out[string(unicode.ToLower(r))+k[size:]] = lowerCamel(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = lowerCamel(t[i])
		}
		return t
	}
	return v
}
