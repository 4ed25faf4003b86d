package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// responseElements is a response as CloudTrail records it in
// responseElements: the same JSON with lower-camel member names, in the
// response's member order.
func responseElements(out any) (json.RawMessage, error) {
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode responseElements: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := rewriteLowerCamel(dec, &buf); err != nil {
		return nil, fmt.Errorf("encode responseElements: %w", err)
	}
	return buf.Bytes(), nil
}

// rewriteLowerCamel copies one JSON value from dec to out, lower-casing the
// first letter of every object member name.
func rewriteLowerCamel(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		b, err := json.Marshal(tok)
		if err != nil {
			return err
		}
		out.Write(b)
		return nil
	}
	open, end := byte(d), byte('}')
	if d == '[' {
		end = ']'
	}
	out.WriteByte(open)
	for i := 0; dec.More(); i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := k.(string)
			kb, err := json.Marshal(lowerFirst(name))
			if err != nil {
				return err
			}
			out.Write(kb)
			out.WriteByte(':')
		}
		if err := rewriteLowerCamel(dec, out); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return err
	}
	out.WriteByte(end)
	return nil
}

func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}
