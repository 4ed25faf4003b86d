package settle

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/journal"
)

func openJournal(t *testing.T) *journal.Journal {
	t.Helper()
	j, err := journal.Open(t.TempDir(), journal.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func appendEntry(t *testing.T, j *journal.Journal, name string, pending bool) uint64 {
	t.Helper()
	rec := `{"eventVersion":"1.11","eventName":"` + name + `","requestParameters":{"userName":"u"},"responseElements":{"user":{"arn":"x"}},"eventID":"id-` + name + `","eventType":"AwsApiCall"}`
	e := event.Entry{Meta: event.Meta{EventName: name, EventID: "id-" + name, Management: true, Pending: pending}, Record: []byte(rec)}
	b, _ := e.MarshalBinary()
	seq, err := j.Append(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func appendMarker(t *testing.T, j *journal.Journal, m event.Marker) {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

type seen struct {
	seq  uint64
	meta event.Meta
	rec  map[string]json.RawMessage
}

func readAll(t *testing.T, v *View, from uint64) ([]seen, uint64) {
	t.Helper()
	var out []seen
	next, err := v.Read(from, 0, 0, func(seq uint64, payload []byte) error {
		var e event.Entry
		if err := e.UnmarshalBinary(payload); err != nil {
			return err
		}
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(e.Record, &rec); err != nil {
			return err
		}
		out = append(out, seen{seq, e.Meta, rec})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, next
}

func TestViewHoldsPendingAndRewritesAborted(t *testing.T) {
	j := openJournal(t)
	v, err := Open(j)
	if err != nil {
		t.Fatal(err)
	}
	a := appendEntry(t, j, "GetUser", false)
	p := appendEntry(t, j, "CreateUser", true)
	c := appendEntry(t, j, "CreateUser2", true)
	b := appendEntry(t, j, "ListUsers", false)
	if got := v.Durable(); got != a {
		t.Fatalf("settled = %d with %d pending, want %d", got, p, a)
	}
	got, next := readAll(t, v, 1)
	if len(got) != 1 || got[0].seq != a || next != p {
		t.Fatalf("read before settling = %+v next %d, want only %d, next %d", got, next, a, p)
	}
	appendMarker(t, j, event.Marker{Seq: c, Outcome: event.Committed})
	if got := v.Durable(); got != a {
		t.Fatalf("settled = %d, still want %d: %d has no marker", got, a, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan uint64, 1)
	go func() { pos, _ := v.WaitDurable(ctx, a); done <- pos }()
	appendMarker(t, j, event.Marker{Seq: p, Outcome: event.Aborted, Code: AbortedCode, Message: CommitFailedMessage})
	if pos := <-done; pos != j.Durable() {
		t.Fatalf("WaitDurable = %d, want %d", pos, j.Durable())
	}
	got, next = readAll(t, v, 1)
	if next != j.Durable()+1 {
		t.Fatalf("next = %d, want %d (markers skipped)", next, j.Durable()+1)
	}
	if len(got) != 4 || got[0].seq != a || got[1].seq != p || got[2].seq != c || got[3].seq != b {
		t.Fatalf("read %+v, want seqs %d %d %d %d", got, a, p, c, b)
	}
	ab := got[1]
	if ab.meta.ErrorCode != AbortedCode || string(ab.rec["errorCode"]) != `"InternalFailure"` ||
		string(ab.rec["errorMessage"]) != `"`+CommitFailedMessage+`"` || string(ab.rec["responseElements"]) != "null" ||
		string(ab.rec["requestParameters"]) != `{"userName":"u"}` {
		t.Fatalf("aborted call shown as %+v %s", ab.meta, ab.rec)
	}
	if cm := got[2]; cm.meta.ErrorCode != "" || string(cm.rec["responseElements"]) == "null" {
		t.Fatalf("committed call rewritten: %+v", cm)
	}
	if open, err := v.Unsettled(); err != nil || len(open) != 0 {
		t.Fatalf("unsettled = %v, %v", open, err)
	}
}

func TestReopenFindsUnsettledAndResolves(t *testing.T) {
	j := openJournal(t)
	appendEntry(t, j, "ListUsers", false)
	p := appendEntry(t, j, "CreateUser", true)
	q := appendEntry(t, j, "PutEventSelectors", true)
	v, err := Open(j)
	if err != nil {
		t.Fatal(err)
	}
	open, err := v.Unsettled()
	if err != nil || len(open) != 2 || open[0].Seq != p || open[1].Seq != q {
		t.Fatalf("unsettled = %+v, %v; want %d and %d", open, err, p, q)
	}
	owners := []Owner{{Name: "users", Checker: checker{applied: map[uint64]bool{}}, Owns: func(m *event.Meta) bool { return m.EventName == "CreateUser" }}}
	m, _ := Resolve(&open[0], owners)
	if m.Outcome != event.Aborted || m.Message != InterruptedMessage {
		t.Fatalf("not applied and known: %+v, want aborted", m)
	}
	owners[0].Checker = checker{applied: map[uint64]bool{p: true}}
	if m, _ := Resolve(&open[0], owners); m.Outcome != event.Committed {
		t.Fatalf("applied: %+v, want committed", m)
	}
	if m, _ := Resolve(&open[1], owners); m.Outcome != event.Committed {
		t.Fatalf("no owner: %+v, want committed (kept)", m)
	}
	owners[0].Checker = checker{unknown: true}
	if m, _ := Resolve(&open[0], owners); m.Outcome != event.Committed {
		t.Fatalf("unknown: %+v, want committed (kept)", m)
	}
}

type checker struct {
	applied map[uint64]bool
	unknown bool
}

func (c checker) Applied(e *event.Entry) (bool, bool) { return c.applied[e.Seq], !c.unknown }

func TestOldEntriesAreNotPending(t *testing.T) {
	e := event.Entry{Meta: event.Meta{EventName: "X", ReadOnly: true, Management: true, Global: true}, Record: []byte(`{}`)}
	b, _ := e.MarshalBinary()
	if k := event.KindOf(b); k != event.KindEntry {
		t.Fatalf("kind %v", k)
	}
	e.Meta.Pending = true
	b, _ = e.MarshalBinary()
	var d event.Entry
	if err := d.UnmarshalBinary(b); err != nil || !d.Meta.Pending || event.KindOf(b) != event.KindPending {
		t.Fatalf("pending round trip: %+v %v", d.Meta, err)
	}
	m := event.Marker{Seq: 7, Outcome: event.Aborted, Code: "InternalError", Message: "m"}
	mb, _ := m.MarshalBinary()
	if event.KindOf(mb) != event.KindMarker || d.UnmarshalBinary(mb) != event.ErrMarker {
		t.Fatal("marker not told apart from entries")
	}
}

func TestCatchUpWaitsForCallsInFlight(t *testing.T) {
	j := openJournal(t)
	v, err := Open(j)
	if err != nil {
		t.Fatal(err)
	}
	p := appendEntry(t, j, "CreateUser", true)
	a := appendEntry(t, j, "GetUser", false) // answered while p still commits
	if got := v.CatchUp(10 * time.Millisecond); got != p-1 {
		t.Fatalf("CatchUp with %d unsettled = %d, want %d", p, got, p-1)
	}
	go func() {
		time.Sleep(20 * time.Millisecond) // p's commit takes a while
		b, _ := (&event.Marker{Seq: p, Outcome: event.Committed}).MarshalBinary()
		j.Append(context.Background(), b)
	}()
	if got := v.CatchUp(time.Minute); got < a {
		t.Fatalf("CatchUp = %d, want >= %d once %d settled", got, a, p)
	}
}
