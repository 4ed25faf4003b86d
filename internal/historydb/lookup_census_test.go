package historydb

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// A mid-frequency value (a few rows in every partition) is found with one
// probe: the census of the partitions says how far back the page reaches.
// Density-sized windows needed 4+ probes here, each scanning whole
// partitions.
func TestMidFrequencyValueTakesOneProbe(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	all := genEntries(rand.New(rand.NewPCG(71, 72)), 1, 12000, t0, 12*time.Hour)
	scope := all[0].Meta
	for i := 0; i < len(all); i += 200 { // 5 per partition, 60 in all
		m := &all[i].Meta
		m.Account, m.Region, m.EventName = scope.Account, scope.Region, "MidName"
		all[i].Record = recordJSON(m)
	}
	mustApply(t, h, all, 12000)

	var probes int
	probeObserver = func(int, time.Time, time.Time) { probes++ }
	defer func() { probeObserver = nil }()
	q := Query{Account: scope.Account, Region: scope.Region, Attr: AttrEventName, Value: "MidName", Limit: 50}
	sameEntries(t, "MidName", mustLookup(t, h, q), oracle(all, q))
	if probes != 1 {
		t.Fatalf("%d probes for a page of a mid-frequency value, want 1", probes)
	}
	// The next page, from a cursor inside a partition.
	page := mustLookup(t, h, q)
	q.After = &Cursor{Time: page[len(page)-1].Meta.Time, Seq: page[len(page)-1].Seq}
	sameEntries(t, "MidName page 2", mustLookup(t, h, q), oracle(all, q))
}

// A census taken before rows arrived only sizes probes: rows applied later
// (too few to rebuild it) are still found, in partitions whose census did
// not hold the key.
func TestStaleCensusStillFindsNewRows(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	all := genEntries(rand.New(rand.NewPCG(73, 74)), 1, 6000, t0, 6*time.Hour)
	mustApply(t, h, all, 6000)
	scope := all[0].Meta
	for _, name := range []string{"ListUsers", "GetUser", "CreateUser"} { // census every partition
		q := Query{Account: scope.Account, Region: scope.Region, Attr: AttrEventName, Value: name, Limit: 1000}
		sameEntries(t, name, mustLookup(t, h, q), oracle(all, q))
	}
	q := Query{Account: scope.Account, Region: scope.Region, Attr: AttrEventName, Value: "ListUsers", Limit: 1000}
	var late []event.Entry
	for i, at := range []time.Duration{90 * time.Minute, 3*time.Hour + time.Minute, 5*time.Hour + 30*time.Minute} {
		e := all[i]
		e.Seq = 6001 + uint64(i)
		e.Meta.Account, e.Meta.Region, e.Meta.EventName = scope.Account, scope.Region, "LateName"
		e.Meta.EventID = "late-" + string(rune('a'+i))
		e.Meta.Time = t0.Add(at)
		e.Record = recordJSON(&e.Meta)
		late = append(late, e)
	}
	mustApply(t, h, late, 6003)
	all = append(all, late...)
	q.Value = "LateName"
	sameEntries(t, "LateName", mustLookup(t, h, q), oracle(all, q))
	q.Value = "ListUsers"
	sameEntries(t, "ListUsers after", mustLookup(t, h, q), oracle(all, q))
}
