package historydb

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// A common value stays common when one partition (a server's newest,
// holding only its own LookupEvents records) lacks it: the lookup probes
// time windows, not whole partitions whose every match would go through
// top-N.
func TestOnePartitionWithoutTheValueDoesNotMakeItRare(t *testing.T) {
	h := openTest(t, t.TempDir(), time.Hour)
	defer h.Close()
	all := genEntries(rand.New(rand.NewPCG(61, 62)), 1, 4000, t0, 4*time.Hour)
	mustApply(t, h, all, 4000)
	own := event.Entry{Seq: 4001, Meta: all[0].Meta, Record: all[0].Record}
	own.Meta.Time, own.Meta.EventName, own.Meta.EventID = t0.Add(5*time.Hour), "LookupEvents", "own-1"
	mustApply(t, h, []event.Entry{own}, 4001)

	var probes []time.Duration
	probeObserver = func(_ int, lo, hi time.Time) { probes = append(probes, hi.Sub(lo)) }
	defer func() { probeObserver = nil }()
	q := Query{Account: all[0].Meta.Account, Region: all[0].Meta.Region, Attr: AttrEventName, Value: "ListUsers", Limit: 5}
	sameEntries(t, "ListUsers", mustLookup(t, h, q), oracle(all, q))
	if len(probes) == 0 || probes[0] >= time.Hour-time.Second {
		t.Fatalf("probes %v: the first covers a whole partition", probes)
	}
}
