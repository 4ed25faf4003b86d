package lake

import (
	"context"
	"fmt"
	"testing"

	"github.com/cairn-audit/cairn/internal/event"
)

// backfillEngine is an ingestEngine that also imports, skipping known IDs.
type backfillEngine struct{ ingestEngine }

func (e *backfillEngine) Import(_ context.Context, store string, rows []Row) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	have := map[string]bool{}
	for _, r := range e.rows {
		if r.Store == store {
			have[r.EventID] = true
		}
	}
	n := 0
	for _, r := range rows {
		if !have[r.EventID] {
			have[r.EventID] = true
			e.rows = append(e.rows, r)
			n++
		}
	}
	return n, nil
}

// Backfill stores the journal's events a store is missing, up to the
// engine's cursor, and nothing else.
func TestBackfillRederivesMissingRows(t *testing.T) {
	ctx := context.Background()
	j := openJournal(t)
	for i := range 12 {
		appendEvent(t, j, event.Meta{Account: testAccount, Region: "us-east-1", EventID: fmt.Sprintf("e%d", i)})
	}
	cat := &ingestCatalog{}
	cat.set(testStore("s", 1))
	eng := &backfillEngine{}
	in, err := NewIngester(ctx, IngesterOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j)})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Step(ctx); err != nil {
		t.Fatal(err)
	}
	// Two rows lost (quarantined), and two events past the cursor.
	eng.mu.Lock()
	eng.rows = append(eng.rows[:3:3], eng.rows[5:10]...)
	eng.cur[CursorJournal] = 10
	eng.mu.Unlock()
	res, err := Backfill(ctx, BackfillOptions{Engine: eng, Catalog: cat, Journal: openStream(t, j), BatchRows: 3,
		Want: func(r Row) bool { return r.EventID != "e4" }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 10 || res.Rows != 9 || res.Stored != 1 {
		t.Fatalf("Backfill = %+v", res)
	}
	checkIDs(t, eng.ids("s"), "e0", "e1", "e2", "e5", "e6", "e7", "e8", "e9", "e3")
}
