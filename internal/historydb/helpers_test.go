package historydb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

var t0 = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

func openTest(t *testing.T, dir string, width time.Duration) *History {
	t.Helper()
	h, err := Open(Options{Dir: dir, PartitionWidth: width, MemoryLimit: "256MB", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return h
}

// genEntries makes n entries with seqs from firstSeq, times from start
// spread over span (several per second, so ties on time are common), in
// two accounts and two regions.
func genEntries(rng *rand.Rand, firstSeq uint64, n int, start time.Time, span time.Duration) []event.Entry {
	accounts := []string{"111111111111", "222222222222"}
	regions := []string{"us-east-1", "eu-west-1"}
	names := []string{"ListUsers", "GetUser", "CreateUser", "DeleteUser", "AssumeRole", "PutObject"}
	sources := []string{"iam.amazonaws.com", "sts.amazonaws.com", "s3.amazonaws.com"}
	users := []string{"alice", "bob", "carol", "root", ""}
	keys := []string{"AKIAAAAAAAAAAAAAAAAA", "AKIABBBBBBBBBBBBBBBB", "ASIACCCCCCCCCCCCCCCC", ""}
	types := []string{"AWS::IAM::User", "AWS::IAM::Role", "AWS::S3::Bucket"}
	out := make([]event.Entry, n)
	for i := range out {
		m := event.Meta{
			Time:        start.Add(time.Duration(i) * span / time.Duration(n)).Truncate(time.Second),
			Account:     accounts[rng.IntN(len(accounts))],
			Region:      regions[rng.IntN(len(regions))],
			EventID:     fmt.Sprintf("ev-%08d-%04x", firstSeq+uint64(i), rng.IntN(1<<16)),
			EventName:   names[rng.IntN(len(names))],
			EventSource: sources[rng.IntN(len(sources))],
			Username:    users[rng.IntN(len(users))],
			AccessKeyID: keys[rng.IntN(len(keys))],
			ReadOnly:    rng.IntN(3) == 0,
			Management:  true,
			Category:    event.CategoryManagement,
		}
		if rng.IntN(5) == 0 {
			m.ErrorCode = "AccessDenied"
		}
		for r := rng.IntN(3); r > 0; r-- {
			typ := types[rng.IntN(len(types))]
			name := fmt.Sprintf("res%d", rng.IntN(20))
			m.Resources = append(m.Resources, event.ResourceRef{Type: typ, Name: name, ARN: "arn:aws:x::" + m.Account + ":" + name})
		}
		out[i] = event.Entry{Seq: firstSeq + uint64(i), Meta: m, Record: recordJSON(&m)}
	}
	return out
}

func recordJSON(m *event.Meta) []byte {
	ro := m.ReadOnly
	r := event.Record{
		EventVersion:       event.Version,
		UserIdentity:       event.UserIdentity{Type: "IAMUser", AccountID: m.Account, AccessKeyID: m.AccessKeyID, UserName: m.Username},
		EventTime:          m.Time.UTC().Format(event.TimeFormat),
		EventSource:        m.EventSource,
		EventName:          m.EventName,
		AWSRegion:          m.Region,
		SourceIPAddress:    "10.0.0.1",
		RequestParameters:  json.RawMessage("null"),
		ResponseElements:   json.RawMessage("null"),
		EventID:            m.EventID,
		ReadOnly:           &ro,
		EventType:          event.TypeAwsAPICall,
		RecipientAccountID: m.Account,
		EventCategory:      m.Category,
		ErrorCode:          m.ErrorCode,
	}
	for _, res := range m.Resources {
		r.Resources = append(r.Resources, event.Resource{ARN: res.ARN, Type: res.Type, AccountID: m.Account})
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return b
}

// oracle answers q by brute force over all, independently of Query.matches.
func oracle(all []event.Entry, q Query) []event.Entry {
	var out []event.Entry
	for _, e := range all {
		m := e.Meta
		if m.Account != q.Account || m.Region != q.Region ||
			(!q.Start.IsZero() && m.Time.Before(q.Start)) || (!q.End.IsZero() && m.Time.After(q.End)) {
			continue
		}
		if a := q.After; a != nil && !(m.Time.Before(a.Time) || (m.Time.Equal(a.Time) && e.Seq < a.Seq)) {
			continue
		}
		ok := false
		switch q.Attr {
		case AttrNone:
			ok = true
		case AttrEventID:
			ok = m.EventID == q.Value
		case AttrEventName:
			ok = m.EventName == q.Value
		case AttrEventSource:
			ok = m.EventSource == q.Value
		case AttrUsername:
			ok = m.Username == q.Value
		case AttrAccessKeyID:
			ok = m.AccessKeyID == q.Value
		case AttrReadOnly:
			ok = fmt.Sprint(m.ReadOnly) == q.Value
		case AttrResourceType:
			ok = slices.ContainsFunc(m.Resources, func(r event.ResourceRef) bool { return r.Type == q.Value })
		case AttrResourceName:
			ok = slices.ContainsFunc(m.Resources, func(r event.ResourceRef) bool { return r.Name == q.Value || r.ARN == q.Value })
		}
		if ok {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b event.Entry) int {
		if c := b.Meta.Time.Compare(a.Meta.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.Seq, a.Seq)
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func mustApply(t *testing.T, h *History, entries []event.Entry, through uint64) {
	t.Helper()
	if err := h.Apply(context.Background(), entries, through); err != nil {
		t.Fatalf("Apply through %d: %v", through, err)
	}
}

func mustLookup(t *testing.T, h *History, q Query) []event.Entry {
	t.Helper()
	got, err := h.Lookup(context.Background(), q)
	if err != nil {
		t.Fatalf("Lookup %+v: %v", q, err)
	}
	return got
}

// sameEntries compares entries field by field (nil and empty resource
// lists are the same).
func sameEntries(t *testing.T, what string, got, want []event.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d entries, want %d (got seqs %v, want %v)", what, len(got), len(want), seqs(got), seqs(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if len(g.Meta.Resources) == 0 && len(w.Meta.Resources) == 0 {
			g.Meta.Resources, w.Meta.Resources = nil, nil
		}
		if g.Seq != w.Seq || !g.Meta.Time.Equal(w.Meta.Time) || string(g.Record) != string(w.Record) {
			t.Fatalf("%s: entry %d: got seq %d time %v, want seq %d time %v", what, i, g.Seq, g.Meta.Time, w.Seq, w.Meta.Time)
		}
		g.Meta.Time, w.Meta.Time = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g.Meta, w.Meta) {
			t.Fatalf("%s: entry %d (seq %d) meta:\n got %+v\nwant %+v", what, i, g.Seq, g.Meta, w.Meta)
		}
	}
}

func seqs(es []event.Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.Seq
	}
	return out
}
