package cloudtrail

import (
	"time"

	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
	"github.com/cairn-audit/cairn/internal/history"
)

// pageByCreated returns the page of items (sorted by creation time) that
// token asks for, at most size long, and the token of the next page ("" at
// the end). Tokens are HMAC'd and bound to queryHash; they name the last
// creation millisecond returned and how many items of that millisecond were,
// so items created together are neither skipped nor repeated.
func pageByCreated[T any](s *Service, items []T, created func(T) time.Time, queryHash [16]byte, token *string, size int) ([]T, string, error) {
	resumed, after, skip := false, int64(0), uint64(0)
	if token != nil {
		cur, err := s.tokens.decode(*token, queryHash)
		if err != nil {
			return nil, "", cterr.InvalidNextToken.New("The NextToken is not valid: it is malformed or was issued for another request.")
		}
		resumed, after, skip = true, cur.Time.UnixMilli(), cur.Seq
		n := 0
		for left := skip; n < len(items); n++ {
			ms := created(items[n]).UnixMilli()
			if ms > after || ms == after && left == 0 {
				break
			}
			if ms == after {
				left--
			}
		}
		items = items[n:]
	}
	if len(items) <= size {
		return items, "", nil
	}
	page := items[:size]
	last := created(page[len(page)-1])
	var same uint64 // items created at last's millisecond returned so far
	for _, it := range page {
		if created(it).UnixMilli() == last.UnixMilli() {
			same++
		}
	}
	if resumed && after == last.UnixMilli() {
		same += skip
	}
	return page, s.tokens.encode(queryHash, history.Cursor{Time: last, Seq: same}), nil
}
