package iam

import (
	"encoding/base64"
	"net/url"
)

// Markers are opaque to clients: the base64 of the sort key of the last item
// returned, so that paging survives concurrent inserts and deletes.

func encodeMarker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeMarker(m string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(b) == 0 {
		return "", apiErr(codeValidationError, 400, "Invalid value for parameter Marker: "+m)
	}
	return string(b), nil
}

// page is the slice of items after marker, at most maxItems long.
type page struct {
	start, end int
	truncated  bool
	next       string // marker for the next page when truncated
}

// paginate pages n items sorted by keyOf, strictly after the marker's key.
func paginate(n int, keyOf func(int) string, marker string, maxItems int) page {
	start := 0
	if marker != "" {
		for start < n && keyOf(start) <= marker {
			start++
		}
	}
	end := min(n, start+maxItems)
	pg := page{start: start, end: end, truncated: end < n}
	if pg.truncated {
		pg.next = encodeMarker(keyOf(end - 1))
	}
	return pg
}

// markerParam reads and records Marker; its key is decoded after validation.
func markerParam(v *validator, p url.Values, rec *record) (raw string, sent bool) {
	raw, sent = v.str(p, "Marker", "marker", markerShape, false)
	if sent {
		rec.params.add("marker", raw)
	}
	return raw, sent
}

// maxItemsParam reads and records MaxItems.
func maxItemsParam(v *validator, p url.Values, rec *record) int {
	if raw, ok := p["MaxItems"]; ok {
		rec.params.add("maxItems", maxItemsValue(raw[0]))
	}
	return v.maxItems(p)
}
