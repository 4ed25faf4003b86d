package lakeproc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
)

// The wire protocol: gob values over one stream socket. The parent sends a
// config first, then requests; the child answers with a ready response
// (ID 0), then responses carrying each request's ID. A Run sends its columns
// and then batches of rows, waiting for an opAck after each batch (so at
// most one batch per query is in flight), and ends, like every request, with
// a Final response.

// op is a request's operation.
type op uint8

const (
	opCursors op = iota + 1
	opAppend
	opImport
	opExpire
	opDrop
	opSize
	opCheck
	opRun
	opCancel // stop request ID
	opAck    // request ID may send its next batch
	opClose  // close the Lake and exit
)

// config is the first message to the child.
type config struct {
	Dir            string
	MemoryLimit    string
	Threads        int
	MaxResultBytes int64
	QueryConns     int
	// AddressBudget is the address space the child may add to what it has
	// mapped when it starts (RLIMIT_AS = VmSize then + AddressBudget); 0 for
	// no limit.
	AddressBudget int64
	// LogLevel is the lowest level the child logs (to stderr); Silent for none.
	LogLevel slog.Level
	Silent   bool
}

type request struct {
	ID      uint64
	Op      op
	Rows    []lake.Row
	Cursors map[string]uint64
	Store   string
	Time    time.Time
	SQL     string
	Query   lake.Query
}

type response struct {
	ID      uint64
	Final   bool
	Err     *wireError
	Cursors map[string]uint64
	N       int
	Events  int64
	Bytes   int64
	Stores  []string
	Stats   lake.QueryStats
	Columns []string
	Rows    [][]lake.Value
}

// Bounds of a Run's row messages: what the parent holds per query.
const (
	batchRows  = 512
	batchBytes = 1 << 20
	// MaxRowBytes bounds one result row (the sum of its cells' lengths): a
	// larger row fails the query with lake.ErrQueryLimit.
	MaxRowBytes = 16 << 20
)

// Kinds of wireError: the sentinel errors the Engine's callers test.
const (
	errOther uint8 = iota
	errInvalid
	errLimit
	errCanceled
	errDeadline
	errClosed
)

type wireError struct {
	Kind uint8
	Msg  string
}

func toWire(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Msg: err.Error()}
	switch {
	case errors.Is(err, lake.ErrInvalidQuery):
		w.Kind = errInvalid
	case errors.Is(err, lake.ErrQueryLimit):
		w.Kind = errLimit
	case errors.Is(err, context.Canceled):
		w.Kind = errCanceled
	case errors.Is(err, context.DeadlineExceeded):
		w.Kind = errDeadline
	case errors.Is(err, lakedb.ErrClosed):
		w.Kind = errClosed
	}
	return w
}

// remoteError is an error from the child, matching its sentinel.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

func (w *wireError) err() error {
	if w == nil {
		return nil
	}
	var kind error
	switch w.Kind {
	case errInvalid:
		kind = lake.ErrInvalidQuery
	case errLimit:
		kind = lake.ErrQueryLimit
	case errCanceled:
		kind = context.Canceled
	case errDeadline:
		kind = context.DeadlineExceeded
	case errClosed:
		kind = lakedb.ErrClosed
	default:
		return errors.New(w.Msg)
	}
	return &remoteError{msg: w.Msg, kind: kind}
}

// errChildGone is the cause of calls that lost their child.
var errChildGone = errors.New("lake engine process ended")
