package historydb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// fixture: 4,000 events over 6 hours in 1h partitions, applied in batches.
func fixture(t *testing.T) (*History, []event.Entry) {
	t.Helper()
	h := openTest(t, t.TempDir(), time.Hour)
	t.Cleanup(func() { h.Close() })
	all := genEntries(rand.New(rand.NewPCG(1, 2)), 1, 4000, t0, 6*time.Hour)
	for i := 0; i < len(all); i += 700 {
		j := min(i+700, len(all))
		mustApply(t, h, all[i:j], all[j-1].Seq)
	}
	return h, all
}

func TestLookupMatchesOracle(t *testing.T) {
	h, all := fixture(t)
	mid := all[2000].Meta.Time
	attrs := []struct {
		attr  AttrKey
		value string
	}{
		{AttrNone, ""},
		{AttrEventID, all[1234].Meta.EventID},
		{AttrEventID, all[3999].Meta.EventID},
		{AttrEventID, "no-such-id"},
		{AttrEventName, "ListUsers"},
		{AttrEventName, "listusers"}, // case-sensitive: no match
		{AttrEventSource, "sts.amazonaws.com"},
		{AttrUsername, "alice"},
		{AttrUsername, "root"},
		{AttrAccessKeyID, "ASIACCCCCCCCCCCCCCCC"},
		{AttrReadOnly, "true"},
		{AttrReadOnly, "false"},
		{AttrResourceType, "AWS::S3::Bucket"},
		{AttrResourceName, "res7"},
		{AttrResourceName, "arn:aws:x::111111111111:res3"},
		{AttrResourceName, "arn:aws:x::222222222222:res3"},
	}
	windows := []struct {
		name       string
		start, end time.Time
	}{
		{"unbounded", time.Time{}, time.Time{}},
		{"middle 90m", mid.Add(-45 * time.Minute), mid.Add(45 * time.Minute)},
		{"one second", mid, mid},
		{"before data", t0.Add(-48 * time.Hour), t0.Add(-time.Hour)},
	}
	for _, a := range attrs {
		for _, w := range windows {
			for _, scope := range [][2]string{{"111111111111", "us-east-1"}, {"222222222222", "eu-west-1"}} {
				for _, limit := range []int{1, 7, 50, 1000} {
					q := Query{Account: scope[0], Region: scope[1], Attr: a.attr, Value: a.value, Start: w.start, End: w.end, Limit: limit}
					name := fmt.Sprintf("%s=%s/%s/%s/%d", a.attr, a.value, w.name, scope, limit)
					sameEntries(t, name, mustLookup(t, h, q), oracle(all, q))
				}
			}
		}
	}
}

func TestLookupPagingWalksEveryEventOnce(t *testing.T) {
	h, all := fixture(t)
	for _, q := range []Query{
		{Account: "111111111111", Region: "us-east-1"},
		{Account: "222222222222", Region: "us-east-1", Attr: AttrUsername, Value: "bob"},
		{Account: "111111111111", Region: "eu-west-1", Attr: AttrResourceType, Value: "AWS::IAM::Role",
			Start: t0.Add(90 * time.Minute), End: t0.Add(5 * time.Hour)},
	} {
		want := oracle(all, Query{Account: q.Account, Region: q.Region, Attr: q.Attr, Value: q.Value, Start: q.Start, End: q.End, Limit: len(all)})
		if len(want) < 50 {
			t.Fatalf("fixture too sparse for %+v: %d events", q, len(want))
		}
		var got []event.Entry
		q.Limit = 7
		for pages := 0; ; pages++ {
			if pages > len(all) {
				t.Fatal("paging does not terminate")
			}
			page := mustLookup(t, h, q)
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			last := page[len(page)-1]
			q.After = &Cursor{Time: last.Meta.Time, Seq: last.Seq}
		}
		sameEntries(t, fmt.Sprintf("pages of %s=%s", q.Attr, q.Value), got, want)
	}
}

func TestLookupSemantics(t *testing.T) {
	h := openTest(t, t.TempDir(), 24*time.Hour)
	defer h.Close()
	mk := func(seq uint64, at time.Duration, acct, region string, edit func(*event.Meta)) event.Entry {
		m := event.Meta{Time: t0.Add(at), Account: acct, Region: region, EventID: fmt.Sprint("id-", seq),
			EventName: "GetUser", EventSource: "iam.amazonaws.com", Username: "alice", AccessKeyID: "AKIA1", Category: "Management", Management: true}
		if edit != nil {
			edit(&m)
		}
		return event.Entry{Seq: seq, Meta: m, Record: recordJSON(&m)}
	}
	entries := []event.Entry{
		mk(1, 0, "111111111111", "us-east-1", nil),
		mk(2, 10*time.Second, "111111111111", "us-east-1", func(m *event.Meta) { m.ReadOnly = true; m.EventName = "ListUsers" }),
		mk(3, 10*time.Second, "111111111111", "us-east-1", func(m *event.Meta) {
			m.Resources = []event.ResourceRef{{Type: "AWS::IAM::User", Name: "bob", ARN: "arn:aws:iam::111111111111:user/bob"}}
		}),
		mk(4, 20*time.Second, "111111111111", "eu-west-1", nil), // other region
		mk(5, 30*time.Second, "999999999999", "us-east-1", nil), // other account
		mk(6, 40*time.Second, "111111111111", "us-east-1", func(m *event.Meta) { m.Username = "Alice" }),
		mk(7, 50*time.Second, "111111111111", "us-east-1", func(m *event.Meta) { m.Username = "" }),
		mk(8, 26*time.Hour, "111111111111", "us-east-1", nil), // next partition
	}
	mustApply(t, h, entries, 8)
	acct, region := "111111111111", "us-east-1"
	tests := []struct {
		name string
		q    Query
		want []uint64
	}{
		{"all in scope, newest first, seq breaks time ties", Query{}, []uint64{8, 7, 6, 3, 2, 1}},
		{"limit", Query{Limit: 2}, []uint64{8, 7}},
		{"username exact", Query{Attr: AttrUsername, Value: "alice"}, []uint64{8, 3, 2, 1}},
		{"username case-sensitive", Query{Attr: AttrUsername, Value: "Alice"}, []uint64{6}},
		{"read only", Query{Attr: AttrReadOnly, Value: "true"}, []uint64{2}},
		{"read write", Query{Attr: AttrReadOnly, Value: "false"}, []uint64{8, 7, 6, 3, 1}},
		{"event name", Query{Attr: AttrEventName, Value: "ListUsers"}, []uint64{2}},
		{"event id", Query{Attr: AttrEventID, Value: "id-3"}, []uint64{3}},
		{"event id of other account", Query{Attr: AttrEventID, Value: "id-5"}, nil},
		{"resource type", Query{Attr: AttrResourceType, Value: "AWS::IAM::User"}, []uint64{3}},
		{"resource name", Query{Attr: AttrResourceName, Value: "bob"}, []uint64{3}},
		{"resource ARN", Query{Attr: AttrResourceName, Value: "arn:aws:iam::111111111111:user/bob"}, []uint64{3}},
		{"resource type is not a name", Query{Attr: AttrResourceName, Value: "AWS::IAM::User"}, nil},
		{"access key", Query{Attr: AttrAccessKeyID, Value: "AKIA1"}, []uint64{8, 7, 6, 3, 2, 1}},
		{"event source", Query{Attr: AttrEventSource, Value: "iam.amazonaws.com", Limit: 3}, []uint64{8, 7, 6}},
		{"bounds inclusive", Query{Start: t0.Add(10 * time.Second), End: t0.Add(40 * time.Second)}, []uint64{6, 3, 2}},
		{"bounds exclusive of neighbours", Query{Start: t0.Add(11 * time.Second), End: t0.Add(39 * time.Second)}, nil},
		{"start only", Query{Start: t0.Add(40 * time.Second)}, []uint64{8, 7, 6}},
		{"end only", Query{End: t0.Add(10 * time.Second)}, []uint64{3, 2, 1}},
		{"after a time tie", Query{After: &Cursor{Time: t0.Add(10 * time.Second), Seq: 3}}, []uint64{2, 1}},
		{"after across partitions", Query{After: &Cursor{Time: t0.Add(26 * time.Hour), Seq: 8}, Limit: 1}, []uint64{7}},
		{"other region", Query{Region: "eu-west-1"}, []uint64{4}},
		{"other account", Query{Account: "999999999999"}, []uint64{5}},
		{"unknown account", Query{Account: "000000000000"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			if q.Account == "" {
				q.Account = acct
			}
			if q.Region == "" {
				q.Region = region
			}
			if q.Limit == 0 {
				q.Limit = 50
			}
			got := seqs(mustLookup(t, h, q))
			if fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLookupRejectsInvalidQueries(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	ok := Query{Account: "1", Region: "r", Limit: 10}
	for name, edit := range map[string]func(*Query){
		"no account":    func(q *Query) { q.Account = "" },
		"no region":     func(q *Query) { q.Region = "" },
		"zero limit":    func(q *Query) { q.Limit = 0 },
		"huge limit":    func(q *Query) { q.Limit = MaxLimit + 1 },
		"unknown attr":  func(q *Query) { q.Attr, q.Value = "Bogus", "x" },
		"empty value":   func(q *Query) { q.Attr = AttrUsername },
		"bad read only": func(q *Query) { q.Attr, q.Value = AttrReadOnly, "yes" },
	} {
		q := ok
		edit(&q)
		if _, err := h.Lookup(context.Background(), q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%s: got %v, want ErrInvalidQuery", name, err)
		}
	}
	if _, err := h.Lookup(context.Background(), ok); err != nil {
		t.Errorf("valid query on empty store: %v", err)
	}
}

// The events view serves ad-hoc SQL over every partition.
func TestEventsViewForSQL(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	all := genEntries(rand.New(rand.NewPCG(41, 42)), 1, 500, t0, 3*time.Hour)
	mustApply(t, h, all, 500)
	var withRes event.Entry
	for _, e := range all {
		if len(e.Meta.Resources) == 2 {
			withRes = e
			break
		}
	}
	var n int
	var name, arn, eventName string
	if err := h.db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil || n != len(all) {
		t.Fatalf("count = %d, %v", n, err)
	}
	err := h.db.QueryRow("SELECT resources[2].name, resources[2].arn, event_name FROM events WHERE seq = $1", withRes.Seq).
		Scan(&name, &arn, &eventName)
	if err != nil || name != withRes.Meta.Resources[1].Name || arn != withRes.Meta.Resources[1].ARN || eventName != withRes.Meta.EventName {
		t.Fatalf("got %q %q %q (%v), want %+v", name, arn, eventName, err, withRes.Meta)
	}
	if err := h.db.QueryRow("SELECT count(*) FROM events WHERE resources IS NULL").Scan(&n); err != nil || n == 0 {
		t.Fatalf("events without resources: %d, %v", n, err)
	}
}

// Rows whose key collides with the query's (simulated by overwriting bob's
// username keys with alice's) are dropped, and the page is still full.
func TestLookupSurvivesKeyCollisions(t *testing.T) {
	h, all := fixture(t)
	acct, region := "111111111111", "us-east-1"
	alice := attrKey(acct, region, AttrUsername, "alice")
	for _, p := range h.parts.Load().parts {
		if _, err := h.db.Exec(fmt.Sprintf("UPDATE %s SET k_username = %d WHERE username = 'bob'", quoteIdent(p.events), alice)); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{1, 10, 200} {
		q := Query{Account: acct, Region: region, Attr: AttrUsername, Value: "alice", Limit: limit}
		sameEntries(t, fmt.Sprint("alice with colliding bob, limit ", limit), mustLookup(t, h, q), oracle(all, q))
	}
}
