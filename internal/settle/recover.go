package settle

import (
	"github.com/cairn-audit/cairn/internal/event"
)

// Checker tells whether a recorded call took effect.
type Checker interface {
	// Applied reports whether the effect of the call recorded as e (e.Seq
	// set) was committed; known is false when the checker cannot tell.
	Applied(e *event.Entry) (applied, known bool)
}

// BySeq is a Checker that asks a store which stream seqs it applied
// (jsonstore.Store.Applied).
type BySeq func(seq uint64) (applied, known bool)

// Applied implements Checker.
func (f BySeq) Applied(e *event.Entry) (bool, bool) { return f(e.Seq) }

// Owner is a store whose commits recovery can check: Owns selects the
// pending calls whose effect lives in it.
type Owner struct {
	Name    string
	Owns    func(m *event.Meta) bool
	Checker Checker
}

// Resolve decides the marker of a pending entry left without one (the
// process died between recording and settling the call). The rule:
//
//   - an owning store that reports the seq applied: committed;
//   - an owning store that knows it was not applied: aborted, with
//     InterruptedMessage (the client never got an answer);
//   - no owner, or none can tell: committed. A record is only turned into a
//     failure when the effect provably did not happen.
//
// reason says which rule applied, for the log.
func Resolve(e *event.Entry, owners []Owner) (m event.Marker, reason string) {
	for _, o := range owners {
		if o.Owns == nil || !o.Owns(&e.Meta) {
			continue
		}
		applied, known := o.Checker.Applied(e)
		switch {
		case known && applied:
			return event.Marker{Seq: e.Seq, Outcome: event.Committed}, o.Name + " applied it"
		case known:
			return event.Marker{Seq: e.Seq, Outcome: event.Aborted, Code: AbortedCode, Message: InterruptedMessage}, o.Name + " did not apply it"
		}
		return event.Marker{Seq: e.Seq, Outcome: event.Committed}, o.Name + " cannot tell; kept"
	}
	return event.Marker{Seq: e.Seq, Outcome: event.Committed}, "no store can check it; kept"
}
