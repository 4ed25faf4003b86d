package file

import (
	"strings"
)

// Object keys map onto paths inside the bucket directory so that a listing
// reads only the directories under its prefix. See docs/BUCKETS.md.
//
// A key is cut into path elements, left to right:
//   - a segment of fewer than maxSegment bytes followed by "/" becomes a
//     directory named escape(segment) ("~e" for the empty segment);
//   - the final segment (no "/" after it), if at most maxSegment bytes, becomes
//     the object file escape(segment)+"~o";
//   - otherwise the next maxSegment bytes (which hold no "/") become a
//     continuation directory escape(chunk)+"~c" and cutting goes on after them.
//
// escape keeps [A-Za-z0-9] and -_.=+,@ and writes every other byte, and a
// leading '.', as %XX; so an element never holds '/', never starts with '.',
// and "~" only appears in the markers. Names starting with '.' are Cairn's
// own (temp files, bucket metadata) and never objects.
//
// Ordering: within a directory whose keys share the prefix P, an object file
// holds the key P+s, a directory the keys P+s+"/"..., a continuation directory
// the keys P+c+x (x not empty, len(c) == maxSegment). Sorting the elements by
// s, s+"/" and c respectively (an object before a continuation on a tie) puts
// their keys in ascending byte order: no element's keys fall between two of
// another's. Walking the tree in that order lists keys in byte order.
const (
	maxSegment = 80 // raw bytes per element: 3*80 escaped + 2 marker bytes < 255 (NAME_MAX)

	objectMarker   = "~o"
	contMarker     = "~c"
	emptyDirName   = "~e"
	reservedPrefix = "."
)

// elemKind tells what a path element holds.
type elemKind uint8

const (
	kindDir    elemKind = iota // a key segment followed by "/"
	kindObject                 // the key's final segment: an object file
	kindCont                   // maxSegment bytes of a longer segment
)

// keyElems returns the path elements, relative to the bucket directory, of
// key's object file.
func keyElems(key string) []string {
	elems := make([]string, 0, strings.Count(key, "/")+1)
	rem := key
	for {
		k := strings.IndexByte(rem, '/')
		switch {
		case k >= 0 && k < maxSegment:
			elems = append(elems, dirName(rem[:k]))
			rem = rem[k+1:]
		case k < 0 && len(rem) <= maxSegment:
			return append(elems, escape(rem)+objectMarker)
		default: // the first maxSegment bytes hold no '/' and more follow
			elems = append(elems, escape(rem[:maxSegment])+contMarker)
			rem = rem[maxSegment:]
		}
	}
}

// prefixElems returns the directory elements every key starting with prefix
// lives under, the part of prefix they account for, and whether the last of
// them is a continuation directory.
func prefixElems(prefix string) (elems []string, consumed string, inCont bool) {
	rem := prefix
	for {
		k := strings.IndexByte(rem, '/')
		switch {
		case k >= 0 && k < maxSegment:
			elems = append(elems, dirName(rem[:k]))
			rem, inCont = rem[k+1:], false
		case len(rem) > maxSegment && (k < 0 || k >= maxSegment):
			elems = append(elems, escape(rem[:maxSegment])+contMarker)
			rem, inCont = rem[maxSegment:], true
		default:
			return elems, prefix[:len(prefix)-len(rem)], inCont
		}
	}
}

func dirName(seg string) string {
	if seg == "" {
		return emptyDirName
	}
	return escape(seg)
}

// parseElem decodes one directory entry name. ok is false for names Cairn did
// not write as part of a key: its reserved names, foreign files, and names
// that are not the canonical encoding of a segment. inCont says whether the
// entry sits directly in a continuation directory, where a key cannot end.
func parseElem(name string, inCont bool) (seg string, kind elemKind, ok bool) {
	if name == "" || strings.HasPrefix(name, reservedPrefix) {
		return "", 0, false
	}
	switch {
	case name == emptyDirName:
		return "", kindDir, true
	case strings.HasSuffix(name, objectMarker):
		seg, ok = unescape(name[:len(name)-len(objectMarker)])
		ok = ok && len(seg) <= maxSegment && !(inCont && seg == "")
		return seg, kindObject, ok
	case strings.HasSuffix(name, contMarker):
		seg, ok = unescape(name[:len(name)-len(contMarker)])
		return seg, kindCont, ok && len(seg) == maxSegment
	default:
		seg, ok = unescape(name)
		return seg, kindDir, ok && seg != "" && len(seg) < maxSegment
	}
}

// span is the part of a key an element contributes: the segment plus "/" for
// a directory. Keys under an element all start with its span; sorting
// elements by span (objects before continuations on a tie) sorts their keys.
func span(seg string, kind elemKind) string {
	if kind == kindDir {
		return seg + "/"
	}
	return seg
}

// elemsKey is the inverse of keyElems; ok is false if elems are not the
// canonical path of any key.
func elemsKey(elems []string) (string, bool) {
	if len(elems) == 0 {
		return "", false
	}
	var b strings.Builder
	inCont := false
	for i, e := range elems {
		seg, kind, ok := parseElem(e, inCont)
		if !ok || (kind == kindObject) != (i == len(elems)-1) {
			return "", false
		}
		b.WriteString(span(seg, kind))
		inCont = kind == kindCont
	}
	return b.String(), true
}

func safeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("-_.=+,@", c) >= 0
}

const hexDigits = "0123456789ABCDEF"

// escape percent-encodes every byte outside the safe set, and a leading '.'.
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !safeByte(s[i]) || (i == 0 && s[i] == '.') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if safeByte(c) && !(i == 0 && c == '.') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

// unescape decodes an escaped segment; ok is false unless name is exactly
// what escape produces for the result and the result holds no '/'.
func unescape(name string) (string, bool) {
	if strings.IndexByte(name, '%') < 0 { // the common case: nothing escaped
		for i := 0; i < len(name); i++ {
			if !safeByte(name[i]) {
				return "", false
			}
		}
		return name, name == "" || name[0] != '.'
	}
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(name) {
			return "", false
		}
		hi, lo := strings.IndexByte(hexDigits, name[i+1]), strings.IndexByte(hexDigits, name[i+2])
		if hi < 0 || lo < 0 {
			return "", false
		}
		b = append(b, byte(hi<<4|lo))
		i += 2
	}
	s := string(b)
	return s, escape(s) == name && !strings.Contains(s, "/")
}
