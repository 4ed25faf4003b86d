package server

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/event"
)

// A call with a staged effect is recorded pending and settled by a marker
// before it is answered: committed when the commit worked, aborted (with
// what the client was told) when it failed. Calls without an effect get no
// marker.
func TestStagedCallIsSettledBeforeItIsAnswered(t *testing.T) {
	var failing atomic.Bool
	srv, st, ids := setupWith(t, func(s api.Service) api.Service { return failingCommit{s, &failing} })
	if status, body := do(t, signedForm(t, srv, "iam", "Action=CreateUser&Version=2010-05-08&UserName=alice")); status != 200 {
		t.Fatalf("CreateUser: %d %s", status, body)
	}
	if status, body := do(t, signedForm(t, srv, "sts", "Action=GetCallerIdentity&Version=2011-06-15")); status != 200 {
		t.Fatalf("GetCallerIdentity: %d %s", status, body)
	}
	st.mu.Lock()
	if len(st.entries) != 2 || !st.entries[0].Meta.Pending || st.entries[1].Meta.Pending {
		t.Fatalf("entries %+v: want CreateUser pending, GetCallerIdentity not", st.entries)
	}
	if len(st.markers) != 1 || st.markers[0] != (event.Marker{Seq: 1, Outcome: event.Committed}) {
		t.Fatalf("markers %+v, want one committed marker of seq 1", st.markers)
	}
	st.mu.Unlock()

	// A commit that fails: the call answers 500 and its marker says so.
	failing.Store(true)
	status, body := do(t, signedForm(t, srv, "iam", "Action=CreateUser&Version=2010-05-08&UserName=bob"))
	if status != 500 || !strings.Contains(body, "<Code>InternalFailure</Code>") {
		t.Fatalf("CreateUser with a failing commit: %d %s", status, body)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	last := st.markers[len(st.markers)-1]
	if len(st.markers) != 2 || last.Outcome != event.Aborted || last.Code != "InternalFailure" || last.Message == "" || last.Seq != 4 {
		t.Fatalf("markers %+v, want the last aborting seq 4", st.markers)
	}
	if _, ok := ids.User(account, "bob"); ok {
		t.Fatal("bob exists")
	}
}

// failingCommit makes the commits of its service fail while failing is set.
type failingCommit struct {
	api.Service
	failing *atomic.Bool
}

func (f failingCommit) Handle(ctx context.Context, c *api.Call) *api.Result {
	res := f.Service.Handle(ctx, c)
	if res.Commit != nil && f.failing.Load() {
		res.Commit = func() error {
			res.Abort()
			return errors.New("disk full")
		}
	}
	return res
}
