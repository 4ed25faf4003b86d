// Package historytest is the conformance suite every history.Store backend
// runs: a randomized model check against the reference semantics
// (history.Matches, newest first), plus the cursor and expiry contract.
package historytest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/history"
)

// Base is the newest event time the suite generates.
var Base = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// Entries generates n deterministic, varied management events spread over
// `days` days before Base, with dense sequence numbers from 1.
func Entries(n, days int, seed uint64) []event.Entry {
	rng := rand.New(rand.NewPCG(seed, 99))
	accounts := []string{"111111111111", "222222222222"}
	regions := []string{"us-east-1", "eu-west-1"}
	names := []string{"CreateUser", "GetUser", "DeleteUser", "LookupEvents", "CreateTrail", "RareCall"}
	sources := []string{"iam.amazonaws.com", "cloudtrail.amazonaws.com", "sts.amazonaws.com"}
	span := time.Duration(days) * 24 * time.Hour
	out := make([]event.Entry, n)
	for i := range out {
		// Mostly increasing times, with ties and some out-of-order arrivals.
		t := Base.Add(-span + time.Duration(float64(span)*float64(i)/float64(n))).Truncate(time.Second)
		if rng.IntN(10) == 0 {
			t = t.Add(-time.Duration(rng.IntN(3*3600)) * time.Second)
		}
		name := names[rng.IntN(len(names)-1)]
		if rng.IntN(200) == 0 {
			name = "RareCall"
		}
		user := fmt.Sprintf("user%d", rng.IntN(12))
		if rng.IntN(5) == 0 {
			user = "root"
		}
		m := event.Meta{
			Time: t, Account: accounts[rng.IntN(2)], Region: regions[rng.IntN(2)], EventID: fmt.Sprintf("evt-%06d-%d", i, seed),
			EventName: name, EventSource: sources[rng.IntN(len(sources))], Username: user,
			AccessKeyID: fmt.Sprintf("AKIA%016d", rng.IntN(20)), ReadOnly: rng.IntN(3) == 0, Management: true, Category: event.CategoryManagement,
		}
		for r := rng.IntN(3); r > 0; r-- {
			rn := fmt.Sprintf("res-%d", rng.IntN(30))
			m.Resources = append(m.Resources, event.ResourceRef{Type: []string{"AWS::IAM::User", "AWS::CloudTrail::Trail"}[rng.IntN(2)], Name: rn, ARN: "arn:aws:iam::" + m.Account + ":user/" + rn})
		}
		out[i] = event.Entry{Seq: uint64(i + 1), Meta: m, Record: fmt.Appendf(nil, `{"eventID":%q,"n":%d}`, m.EventID, i)}
	}
	return out
}

// Reference answers q over entries with the reference semantics.
func Reference(entries []event.Entry, q history.Query) []event.Entry {
	var out []event.Entry
	for _, e := range entries {
		if history.Matches(q, e) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return history.Less(out[j], out[i]) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

// Run runs the suite against stores made by open (a fresh, empty store each call).
func Run(t *testing.T, open func(t *testing.T) history.Store) {
	t.Run("ModelCheck", func(t *testing.T) { modelCheck(t, open(t)) })
	t.Run("CursorAndBatches", func(t *testing.T) { cursorAndBatches(t, open(t)) })
	t.Run("Expire", func(t *testing.T) { expire(t, open(t)) })
}

func apply(t *testing.T, s history.Store, entries []event.Entry, batch int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < len(entries); i += batch {
		j := min(i+batch, len(entries))
		if err := s.Apply(ctx, entries[i:j], entries[j-1].Seq); err != nil {
			t.Fatalf("apply %d..%d: %v", i, j, err)
		}
	}
}

func same(t *testing.T, what string, got, want []event.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Seq != w.Seq || string(g.Record) != string(w.Record) || g.Meta.EventID != w.Meta.EventID || !g.Meta.Time.Equal(w.Meta.Time) ||
			g.Meta.EventName != w.Meta.EventName || g.Meta.Username != w.Meta.Username || g.Meta.AccessKeyID != w.Meta.AccessKeyID ||
			g.Meta.ReadOnly != w.Meta.ReadOnly || g.Meta.EventSource != w.Meta.EventSource || len(g.Meta.Resources) != len(w.Meta.Resources) {
			t.Fatalf("%s: result %d is seq %d (%+v), want seq %d (%+v)", what, i, g.Seq, g.Meta, w.Seq, w.Meta)
		}
		for k := range g.Meta.Resources {
			if g.Meta.Resources[k] != w.Meta.Resources[k] {
				t.Fatalf("%s: seq %d resource %d = %+v, want %+v", what, g.Seq, k, g.Meta.Resources[k], w.Meta.Resources[k])
			}
		}
	}
}

func modelCheck(t *testing.T, s history.Store) {
	ctx := context.Background()
	entries := Entries(3000, 5, 1)
	apply(t, s, entries, 700)
	rng := rand.New(rand.NewPCG(7, 7))
	values := map[history.AttrKey]func(e event.Entry) string{
		history.AttrEventID:     func(e event.Entry) string { return e.Meta.EventID },
		history.AttrEventName:   func(e event.Entry) string { return e.Meta.EventName },
		history.AttrReadOnly:    func(e event.Entry) string { return fmt.Sprint(e.Meta.ReadOnly) },
		history.AttrUsername:    func(e event.Entry) string { return e.Meta.Username },
		history.AttrEventSource: func(e event.Entry) string { return e.Meta.EventSource },
		history.AttrAccessKeyID: func(e event.Entry) string { return e.Meta.AccessKeyID },
		history.AttrResourceType: func(e event.Entry) string {
			if len(e.Meta.Resources) == 0 {
				return "AWS::None"
			}
			return e.Meta.Resources[0].Type
		},
		history.AttrResourceName: func(e event.Entry) string {
			if len(e.Meta.Resources) == 0 {
				return "res-none"
			}
			if rng.IntN(2) == 0 {
				return e.Meta.Resources[0].ARN
			}
			return e.Meta.Resources[0].Name
		},
		history.AttrNone: func(event.Entry) string { return "" },
	}
	for i := 0; i < 300; i++ {
		src := entries[rng.IntN(len(entries))]
		attr := history.AttrKeys[rng.IntN(len(history.AttrKeys))]
		if i%9 == 0 {
			attr = history.AttrNone
		}
		q := history.Query{Account: src.Meta.Account, Region: src.Meta.Region, Attr: attr, Value: values[attr](src),
			Start: Base.Add(-6 * 24 * time.Hour), End: Base, Limit: 1 + rng.IntN(60)}
		if rng.IntN(3) == 0 { // a narrower window with the source event on its edge
			q.Start = src.Meta.Time
			q.End = src.Meta.Time.Add(time.Duration(rng.IntN(48)) * time.Hour)
		}
		if rng.IntN(4) == 0 {
			q.Attr, q.Value = history.AttrEventName, "NoSuchEvent"
		}
		got, err := s.Lookup(ctx, q)
		if err != nil {
			t.Fatalf("lookup %+v: %v", q, err)
		}
		same(t, fmt.Sprintf("query %d %s=%q", i, q.Attr, q.Value), got, Reference(entries, q))
	}
	// Paging walks each result set exactly once, for a common and a rare attribute.
	for _, q := range []history.Query{
		{Account: "111111111111", Region: "us-east-1", Start: Base.Add(-6 * 24 * time.Hour), End: Base, Limit: 37},
		{Account: "111111111111", Region: "us-east-1", Attr: history.AttrEventName, Value: "RareCall", Start: Base.Add(-6 * 24 * time.Hour), End: Base, Limit: 2},
		{Account: "222222222222", Region: "eu-west-1", Attr: history.AttrUsername, Value: "root", Start: Base.Add(-6 * 24 * time.Hour), End: Base, Limit: 50},
	} {
		all := Reference(entries, history.Query{Account: q.Account, Region: q.Region, Attr: q.Attr, Value: q.Value, Start: q.Start, End: q.End, Limit: len(entries)})
		var walked []event.Entry
		for {
			page, err := s.Lookup(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			walked = append(walked, page...)
			if len(page) < q.Limit {
				break
			}
			last := page[len(page)-1]
			q.After = &history.Cursor{Time: last.Meta.Time, Seq: last.Seq}
		}
		same(t, fmt.Sprintf("walk %s=%q", q.Attr, q.Value), walked, all)
	}
}

func cursorAndBatches(t *testing.T, s history.Store) {
	ctx := context.Background()
	if c, err := s.Cursor(ctx); err != nil || c != 0 {
		t.Fatalf("empty store cursor %d %v", c, err)
	}
	entries := Entries(50, 1, 2)
	if err := s.Apply(ctx, entries[:20], 25); err != nil { // the cursor may run past the last entry (skipped data events)
		t.Fatal(err)
	}
	if c, _ := s.Cursor(ctx); c != 25 {
		t.Fatalf("cursor %d, want 25", c)
	}
	if err := s.Apply(ctx, nil, 30); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Cursor(ctx); c != 30 {
		t.Fatalf("cursor after empty batch %d, want 30", c)
	}
	// Re-delivered entries (at or below the cursor) are skipped, never duplicated.
	if err := s.Apply(ctx, entries[:20], 30); err != nil {
		t.Fatalf("re-delivery: %v", err)
	}
	// A cursor moving backwards, or an entry beyond `through`, is refused and changes nothing.
	if err := s.Apply(ctx, nil, 29); err == nil {
		t.Fatal("cursor moved backwards")
	}
	if err := s.Apply(ctx, entries[30:40], 35); err == nil {
		t.Fatal("entries beyond through were applied")
	}
	if c, _ := s.Cursor(ctx); c != 30 {
		t.Fatalf("refused applies moved the cursor to %d", c)
	}
	q := history.Query{Account: "111111111111", Region: "us-east-1", Start: Base.Add(-48 * time.Hour), End: Base, Limit: 100}
	got, err := s.Lookup(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "after refused apply", got, Reference(entries[:20], q))
}

func expire(t *testing.T, s history.Store) {
	ctx := context.Background()
	entries := Entries(400, 10, 3)
	apply(t, s, entries, 400)
	cut := Base.Add(-5 * 24 * time.Hour)
	if _, err := s.Expire(ctx, cut); err != nil {
		t.Fatal(err)
	}
	// Expiry is in bulk: events older than the cut may linger until their whole
	// partition expires (lookups clamp to the retention window), but nothing at
	// or after the cut may be lost.
	q := history.Query{Account: "111111111111", Region: "us-east-1", Start: cut, End: Base, Limit: 1000}
	got, err := s.Lookup(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "after expire", got, Reference(entries, q))
	if _, err := s.Expire(ctx, Base.Add(72*time.Hour)); err != nil { // past the end of any partition holding Base
		t.Fatal(err)
	}
	q.Start = Base.Add(-30 * 24 * time.Hour)
	if got, _ := s.Lookup(ctx, q); len(got) != 0 {
		t.Fatalf("%d events survive expiry of everything", len(got))
	}
}
