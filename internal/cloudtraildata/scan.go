package cloudtraildata

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// A small single-pass JSON reader for the two documents PutAuditEvents
// parses per event (the request body and each eventData): it validates the
// whole input as RFC 8259 JSON and extracts the few members Cairn reads,
// without reflection or a separate validation pass. Input must be valid
// UTF-8 (the request body is checked once, up front; unescaped strings stay
// valid: lone surrogates decode to U+FFFD, as encoding/json does).

var errSyntax = errors.New("invalid JSON")

// errType reports a member of the wrong JSON type.
type errType struct{ member, want string }

func (e *errType) Error() string { return e.member + " must be " + e.want }

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return errSyntax
	}
	s.i++
	return nil
}

// more advances through a container's members: it consumes the closing
// byte (false) or the comma before every member but the first (true).
func (s *scanner) more(closing byte, first *bool) (bool, error) {
	c := s.peek()
	if c == closing {
		s.i++
		return false, nil
	}
	if !*first {
		if c != ',' {
			return false, errSyntax
		}
		s.i++
	}
	*first = false
	return true, nil
}

// key reads an object key and the colon after it.
func (s *scanner) key() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errSyntax
	}
	k, err := s.str()
	if err != nil {
		return nil, err
	}
	return k, s.expect(':')
}

// str reads the string at s.i (an opening quote) and returns its value; it
// aliases the input when the string has no escapes.
func (s *scanner) str() ([]byte, error) {
	s.i++
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\':
			return s.unescape(append(make([]byte, 0, s.i-start+64), s.b[start:s.i]...))
		case c < 0x20:
			return nil, errSyntax
		default:
			s.i++
		}
	}
	return nil, errSyntax
}

func (s *scanner) unescape(out []byte) ([]byte, error) {
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out, nil
		case c < 0x20:
			return nil, errSyntax
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return nil, errSyntax
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil, errSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					if r2, ok = s.hex4(); !ok {
						return nil, errSyntax
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						s.i, r2 = save, -1 // not a pair: the second escape stands alone
					}
				}
				if r2 >= 0 {
					r = utf16.DecodeRune(r, r2)
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, errSyntax
		}
	}
	return nil, errSyntax
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}

// skip validates and passes over one value.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errSyntax
	}
	switch c := s.peek(); c {
	case '"':
		_, err := s.str()
		return err
	case '{', '[':
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		s.i++
		for first := true; ; {
			ok, err := s.more(closing, &first)
			if err != nil || !ok {
				return err
			}
			if c == '{' {
				if _, err := s.key(); err != nil {
					return err
				}
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return errSyntax
	}
	s.i += len(lit)
	return nil
}

// number passes over -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() error {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case digits() == 0:
		return errSyntax
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return errSyntax
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return errSyntax
		}
	}
	return nil
}

// raw passes over one value and returns its bytes.
func (s *scanner) raw(depth int) ([]byte, error) {
	s.ws()
	start := s.i
	if err := s.skip(depth); err != nil {
		return nil, err
	}
	return s.b[start:s.i], nil
}

// optString reads a string member (nil for null).
func (s *scanner) optString(member string) ([]byte, bool, error) {
	switch s.peek() {
	case '"':
		v, err := s.str()
		return v, true, err
	case 'n':
		return nil, false, s.literal("null")
	}
	if err := s.skip(1); err != nil {
		return nil, false, err
	}
	return nil, false, &errType{member, "a string"}
}

// end checks that only whitespace follows the value.
func (s *scanner) end() error {
	if s.peek() != 0 || s.i != len(s.b) {
		return errSyntax
	}
	return nil
}

// keyIs compares an object key with a member name as encoding/json matches
// them: ASCII case-insensitively.
func keyIs(k []byte, name string) bool {
	if len(k) != len(name) {
		return false
	}
	for i := 0; i < len(k); i++ {
		a, b := k[i], name[i]
		if a >= 'A' && a <= 'Z' {
			a += 'a' - 'A'
		}
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
