package historydb

import (
	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
)

// The lookup attributes, from Event history's query model.
const (
	AttrNone         = history.AttrNone
	AttrEventID      = history.AttrEventID
	AttrEventName    = history.AttrEventName
	AttrReadOnly     = history.AttrReadOnly
	AttrUsername     = history.AttrUsername
	AttrResourceType = history.AttrResourceType
	AttrResourceName = history.AttrResourceName
	AttrEventSource  = history.AttrEventSource
	AttrAccessKeyID  = history.AttrAccessKeyID
)

// FNV-1a 64 parameters.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// attrKey is the 64-bit key of (account, region, attribute, value): what the
// k_* columns, the resource-key tables and the partition filters hold. The
// scope key (no attribute) is attrKey(account, region, "", ""). Every part is
// length-prefixed so distinct tuples never hash the same input. Equal keys do
// not prove equal values: lookups verify matches against the stored strings.
func attrKey(account, region string, attr AttrKey, value string) int64 {
	h := uint64(fnvOffset)
	for _, s := range [...]string{account, region, string(attr), value} {
		n := len(s)
		for i := 0; i < 4; i++ {
			h ^= uint64(byte(n >> (8 * i)))
			h *= fnvPrime
		}
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= fnvPrime
		}
	}
	return int64(h)
}

// rowKeys are the keys of one entry's main-table columns.
type rowKeys struct {
	scope, eventID, eventName, eventSource, username, accessKeyID int64
}

func keysOf(m *event.Meta) rowKeys {
	a, r := m.Account, m.Region
	return rowKeys{
		scope:       attrKey(a, r, AttrNone, ""),
		eventID:     attrKey(a, r, AttrEventID, m.EventID),
		eventName:   attrKey(a, r, AttrEventName, m.EventName),
		eventSource: attrKey(a, r, AttrEventSource, m.EventSource),
		username:    attrKey(a, r, AttrUsername, m.Username),
		accessKeyID: attrKey(a, r, AttrAccessKeyID, m.AccessKeyID),
	}
}

// resourceKeys appends the distinct resource keys of m to dst: one
// ResourceType key per type and one ResourceName key per name and per ARN.
func resourceKeys(dst []int64, m *event.Meta) []int64 {
	start := len(dst)
	add := func(attr AttrKey, v string) {
		if v == "" {
			return
		}
		k := attrKey(m.Account, m.Region, attr, v)
		for _, x := range dst[start:] {
			if x == k {
				return
			}
		}
		dst = append(dst, k)
	}
	for _, r := range m.Resources {
		add(AttrResourceType, r.Type)
		add(AttrResourceName, r.Name)
		add(AttrResourceName, r.ARN)
	}
	return dst
}
