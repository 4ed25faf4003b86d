package recorder

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
)

// flaky is a stream whose appends fail while down is set.
type flaky struct {
	mu      sync.Mutex
	down    bool
	markers []event.Marker
}

func (f *flaky) Append(_ context.Context, p []byte) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return 0, errors.New("disk full")
	}
	var m event.Marker
	if err := m.UnmarshalBinary(p); err != nil {
		return 0, err
	}
	f.markers = append(f.markers, m)
	return uint64(len(f.markers)), nil
}

// A marker that cannot be appended is owed and appended, in order, once the
// stream takes appends again.
func TestSettleRetriesOwedMarkers(t *testing.T) {
	st := &flaky{down: true}
	r := New(st, nil)
	a := event.Marker{Seq: 7, Outcome: event.Committed}
	b := event.Marker{Seq: 9, Outcome: event.Aborted, Code: "InternalFailure", Message: "m"}
	if err := r.Settle(context.Background(), a); err == nil {
		t.Fatal("Settle on a failing stream reported success")
	}
	if err := r.Settle(context.Background(), b); err == nil {
		t.Fatal("Settle on a failing stream reported success")
	}
	if n := r.Owed(); n != 2 {
		t.Fatalf("owed %d, want 2", n)
	}
	st.mu.Lock()
	st.down = false
	st.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for r.Owed() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("owed markers never appended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.markers) != 2 || st.markers[0] != a || st.markers[1] != b {
		t.Fatalf("appended %+v, want %+v then %+v", st.markers, a, b)
	}
}
