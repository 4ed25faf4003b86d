package synth

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// Samples is what historygen tells lookupbench: the data's shape and
// values to query. It is written as DIR/history-bench.json.
//
// Load reads it back.
type Samples struct {
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Events  int       `json:"events"`
	First   time.Time `json:"first"`
	Last    time.Time `json:"last"`
	// Common and Rare map a lookup attribute to values, with their event
	// counts in Region.
	Common map[string][]ValueCount `json:"common"`
	Rare   map[string][]ValueCount `json:"rare"`
}

// ValueCount is a sample value and how many events in the region have it.
type ValueCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

const (
	sampleEventIDs   = 100
	sampleCreatedRes = 20
)

// Tracker counts attribute values in the sample region as batches stream by.
type Tracker struct {
	region   string
	rng      *rand.Rand
	counts   map[string]map[string]int // attribute -> value -> count
	seen     int
	eventIDs []string // reservoir sample over the whole history
	created  []string // ARNs of resources named once (Create* events)
	first    time.Time
	last     time.Time
	n        int
}

// NewTracker tracks values in region.
func NewTracker(region string, seed uint64) *Tracker {
	return &Tracker{region: region, rng: rand.New(rand.NewPCG(seed, 7)), counts: map[string]map[string]int{}}
}

func (t *Tracker) inc(attr, value string) {
	m := t.counts[attr]
	if m == nil {
		m = map[string]int{}
		t.counts[attr] = m
	}
	m[value]++
}

// Observe counts entries.
func (t *Tracker) Observe(entries []event.Entry) {
	for i := range entries {
		m := &entries[i].Meta
		if t.n == 0 || m.Time.Before(t.first) {
			t.first = m.Time
		}
		if m.Time.After(t.last) {
			t.last = m.Time
		}
		t.n++
		if m.Region != t.region {
			continue
		}
		t.seen++
		if len(t.eventIDs) < sampleEventIDs {
			t.eventIDs = append(t.eventIDs, m.EventID)
		} else if j := t.rng.IntN(t.seen); j < sampleEventIDs {
			t.eventIDs[j] = m.EventID
		}
		t.inc("EventName", m.EventName)
		t.inc("EventSource", m.EventSource)
		t.inc("Username", m.Username)
		t.inc("AccessKeyId", m.AccessKeyID)
		t.inc("ReadOnly", map[bool]string{true: "true", false: "false"}[m.ReadOnly])
		for _, r := range m.Resources {
			t.inc("ResourceType", r.Type)
			if strings.Contains(r.Name, "new-") {
				if len(t.created) < sampleCreatedRes && t.rng.IntN(1000) == 0 {
					t.created = append(t.created, r.ARN)
				}
				continue
			}
			t.inc("ResourceName", r.ARN)
		}
	}
}

// Samples returns what was observed, with sample values.
func (t *Tracker) Samples(account string) Samples {
	s := Samples{Account: account, Region: t.region, Events: t.n, First: t.first, Last: t.last,
		Common: map[string][]ValueCount{}, Rare: map[string][]ValueCount{}}
	for attr, m := range t.counts {
		var vcs []ValueCount
		for v, c := range m {
			vcs = append(vcs, ValueCount{v, c})
		}
		slices.SortFunc(vcs, func(a, b ValueCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
		})
		if attr == "ReadOnly" {
			s.Common[attr] = vcs
			continue
		}
		s.Common[attr] = vcs[:min(3, len(vcs))]
		// Rare: the least frequent values, at most 1 in 100,000 events.
		var rare []ValueCount
		for i := len(vcs) - 1; i >= 0 && len(rare) < 10; i-- {
			if vcs[i].Count*100_000 <= t.seen || len(rare) < 2 {
				rare = append(rare, vcs[i])
			}
		}
		s.Rare[attr] = rare
	}
	for _, id := range t.eventIDs {
		s.Rare["EventId"] = append(s.Rare["EventId"], ValueCount{id, 1})
	}
	for _, arn := range t.created {
		s.Rare["ResourceName"] = append(s.Rare["ResourceName"], ValueCount{arn, 1})
	}
	return s
}

// SamplesFile is where historygen writes the samples, relative to its -dir.
const SamplesFile = "history-bench.json"

// Load reads a samples file.
func Load(path string) (*Samples, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	var s Samples
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &s, nil
}
