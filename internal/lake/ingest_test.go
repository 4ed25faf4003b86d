package lake

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
	"github.com/cairn-audit/cairn/internal/selector"
	"github.com/cairn-audit/cairn/internal/stream"
)

// ingestEngine is an Engine double that keeps appended rows and cursors.
type ingestEngine struct {
	Engine // methods the ingester does not call panic
	mu     sync.Mutex
	rows   []Row
	cur    map[string]uint64
}

func (e *ingestEngine) Cursors(context.Context) (map[string]uint64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]uint64{}
	for k, v := range e.cur {
		out[k] = v
	}
	return out, nil
}

func (e *ingestEngine) Append(_ context.Context, rows []Row, cursors map[string]uint64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rows = append(e.rows, rows...)
	if e.cur == nil {
		e.cur = map[string]uint64{}
	}
	for k, v := range cursors {
		e.cur[k] = v
	}
	return nil
}

func (e *ingestEngine) ids(store string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, r := range e.rows {
		if r.Store == store {
			out = append(out, r.EventID)
		}
	}
	return out
}

// ingestCatalog is a Catalog double.
type ingestCatalog struct {
	mu      sync.Mutex
	version uint64
	all     []EventDataStore
}

func (c *ingestCatalog) Snapshot() (uint64, []EventDataStore) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version, append([]EventDataStore(nil), c.all...)
}

func (c *ingestCatalog) Version() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.version
}

func (c *ingestCatalog) set(all ...EventDataStore) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version++
	c.all = all
}

type routesFunc func(string) (string, []string, bool)

func (f routesFunc) Destinations(arn string) (string, []string, bool) { return f(arn) }

const (
	testAccount = "111122223333"
	otherAcct   = "444455556666"
)

func appendEvent(t *testing.T, j *journal.Journal, m event.Meta) uint64 {
	t.Helper()
	if m.Time.IsZero() {
		m.Time = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	}
	if m.Category == "" {
		m.Category = "Management"
		m.Management = true
	}
	e := event.Entry{Meta: m, Record: []byte(`{"eventID":"` + m.EventID + `"}`)}
	b, err := e.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	seq, err := j.Append(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func openJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(t.TempDir(), journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func testStore(id string, from uint64) EventDataStore {
	return EventDataStore{ID: id, ARN: "arn:aws:cloudtrail:us-east-1:" + testAccount + ":eventdatastore/" + id,
		Account: testAccount, Region: "us-east-1", MultiRegionEnabled: true, Status: StatusEnabled,
		Windows: []Window{{From: from}}}
}

func TestIngesterRoutesByWindowAccountRegionAndSelectors(t *testing.T) {
	ctx := context.Background()
	j := openJournal(t)
	eng := &ingestEngine{}
	cat := &ingestCatalog{}
	appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "before"})
	from := appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "m1"})
	appendEvent(t, j, event.Meta{Account: otherAcct, Region: "us-east-1", EventID: "other-account"})
	appendEvent(t, j, event.Meta{Account: testAccount, Region: "eu-west-1", EventID: "m2-eu"})
	appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "data", Category: "Data"})

	all := testStore("all", from)
	single := testStore("single", from)
	single.MultiRegionEnabled = false
	data := testStore("data", from)
	data.AdvancedEventSelectors = []selector.AdvancedEventSelector{{FieldSelectors: []selector.FieldSelector{
		{Field: "eventCategory", Equals: []string{"Data"}}, {Field: "resources.type", Equals: []string{"AWS::S3::Object"}}}}}
	stopped := testStore("stopped", from)
	stopped.Windows = []Window{{From: 1, To: from}}
	cat.set(all, single, data, stopped)

	in, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j)})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Step(ctx); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, eng.ids("all"), "m1", "m2-eu")
	checkIDs(t, eng.ids("single"), "m1")
	checkIDs(t, eng.ids("data")) // Data events without an S3 object resource
	checkIDs(t, eng.ids("stopped"), "before", "m1")
	if got := in.Applied(); got != j.Durable() {
		t.Fatalf("Applied = %d, want %d", got, j.Durable())
	}

	// A new ingester resumes from the engine's cursor: nothing twice.
	in2, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j)})
	if err != nil {
		t.Fatal(err)
	}
	appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "m3"})
	if err := in2.Step(ctx); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, eng.ids("all"), "m1", "m2-eu", "m3")
}

// A control call's event is durable before its change to the store
// definitions is committed. The ingester reads only up to the settled
// position, so it does not read past the call (and miss the events after it
// for the store it creates) until the commit ran and its marker is durable.
// The test holds the commit itself: the pending entry stays unsettled while
// the ingester runs a step, then the change is published and settled.
func TestIngesterReadsControlCallsOnlyOnceSettled(t *testing.T) {
	ctx := context.Background()
	j := openJournal(t)
	eng := &ingestEngine{}
	cat := &ingestCatalog{}
	create := appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "create",
		EventSource: "cloudtrail.amazonaws.com", EventName: "CreateEventDataStore", Pending: true})
	appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "after"})
	src := openStream(t, j)
	in, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: src})
	if err != nil {
		t.Fatal(err)
	}
	// The commit is held: a step must not move past the call.
	if err := in.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if in.Applied() >= create {
		t.Fatalf("ingester moved to %d, past the unsettled control call at %d", in.Applied(), create)
	}
	// Release: the change commits, then its marker is recorded.
	cat.set(testStore("new", create))
	appendMarker(t, j, event.Marker{Seq: create, Outcome: event.Committed})
	if err := in.Step(ctx); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, eng.ids("new"), "create", "after")
	if pos := src.Consumers().Positions()[ConsumerName]; pos != in.Applied() || pos < create+2 {
		t.Fatalf("lake cursor in the stream %d, applied %d", pos, in.Applied())
	}
}

func appendMarker(t *testing.T, j *journal.Journal, m event.Marker) uint64 {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	seq, err := j.Append(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// openStream is the settled stream of j, as the ingester reads it in Cairn.
func openStream(t *testing.T, j *journal.Journal) *stream.Journal {
	t.Helper()
	s, err := stream.Open(j)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIngesterRoutesAuditEventsByChannel(t *testing.T) {
	ctx := context.Background()
	j, audit := openJournal(t), openJournal(t)
	eng := &ingestEngine{}
	cat := &ingestCatalog{}
	st := testStore("audit", 1)
	st.AdvancedEventSelectors = []selector.AdvancedEventSelector{{FieldSelectors: []selector.FieldSelector{
		{Field: "eventCategory", Equals: []string{"ActivityAuditLog"}}}}}
	st.Windows, st.AuditWindows = nil, []Window{{From: 2}}
	cat.set(st, testStore("mgmt", 1))
	chARN := "arn:aws:cloudtrail:us-east-1:" + testAccount + ":channel/c1"
	routes := routesFunc(func(arn string) (string, []string, bool) {
		if arn != chARN {
			return "", nil, false
		}
		return testAccount, []string{st.ARN}, true
	})
	res := []event.ResourceRef{{Type: channelResourceType, ARN: chARN}}
	for _, id := range []string{"a0", "a1", "a2"} {
		appendEvent(t, audit, event.Meta{Account: testAccount, Region: "us-east-1", EventID: id, Category: "ActivityAuditLog", Resources: res})
	}
	appendEvent(t, audit, event.Meta{Account: testAccount, Region: "us-east-1", EventID: "unrouted", Category: "ActivityAuditLog",
		Resources: []event.ResourceRef{{Type: channelResourceType, ARN: chARN + "x"}}})
	in, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j), Audit: openStream(t, audit), Channels: routes})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Step(ctx); err != nil {
		t.Fatal(err)
	}
	checkIDs(t, eng.ids("audit"), "a1", "a2")
	checkIDs(t, eng.ids("mgmt"))
	if c, _ := eng.Cursors(ctx); c[CursorAudit] != 4 {
		t.Fatalf("audit cursor = %d, want 4", c[CursorAudit])
	}
}

func TestIngesterRunFollowsStreams(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := openJournal(t)
	eng := &ingestEngine{}
	cat := &ingestCatalog{}
	cat.set(testStore("s", 1))
	in, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j), MinInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	for i := range 50 {
		appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: string(rune('A' + i%26))})
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(eng.ids("s")) < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("ingested %d of 50", len(eng.ids("s")))
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func checkIDs(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
