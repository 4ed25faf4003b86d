package lake

import (
	"testing"
)

// Applied of each Lake store answers false for a seq whose commit never ran
// and true once it ran, across a reopen.
func checkApplied(t *testing.T, what string, applied func(uint64) (bool, bool), seq uint64, want bool) {
	t.Helper()
	if a, k := applied(seq); a != want || !k {
		t.Fatalf("%s Applied(%d) = %v, %v; want %v, true", what, seq, a, k, want)
	}
}

func TestStoresCommitAtAnswersApplied(t *testing.T) {
	dir := t.TempDir()
	s := openStores(t, dir, StoresOptions{})
	tx := begin(t, s)
	if err := tx.Put(sampleStore("111111111111", "us-east-1", "never", storesT0)); err != nil {
		t.Fatal(err)
	}
	tx.Abort() // seq 10 never committed
	tx = begin(t, s)
	if err := tx.Put(sampleStore("111111111111", "us-east-1", "done", storesT0)); err != nil {
		t.Fatal(err)
	}
	if err := tx.CommitAt(11); err != nil {
		t.Fatal(err)
	}
	checkApplied(t, "stores", s.Applied, 10, false)
	checkApplied(t, "stores", s.Applied, 11, true)
	s.Close()
	s2 := openStores(t, dir, StoresOptions{})
	checkApplied(t, "stores", s2.Applied, 10, false)
	checkApplied(t, "stores", s2.Applied, 11, true)
}

func TestQueriesCommitAtAnswersApplied(t *testing.T) {
	e := newQueriesEnv(t, rowsRun(1))
	sub := Submission{Account: qAcct, Region: "us-east-1", SQL: "SELECT 1", Stores: map[string]Scope{qStore: {}}}
	never, err := e.q.Stage(sub)
	if err != nil {
		t.Fatal(err)
	}
	never.Abort() // StartQuery seq 20 never committed
	st, err := e.q.Stage(sub)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CommitAt(21); err != nil {
		t.Fatal(err)
	}
	st2, _ := e.q.Stage(sub)
	if err := st2.CommitAt(22); err != nil {
		t.Fatal(err)
	}
	if _, err := e.q.CancelAt(qAcct, st2.ID(), 23); err != nil {
		t.Fatal(err)
	}
	// CancelQuery of a query that stopped meanwhile still succeeds: its seq is kept.
	if _, err := e.q.CancelAt(qAcct, st2.ID(), 24); err == nil {
		t.Fatal("second cancel: want ErrQueryInactive")
	}
	for _, q := range []*Queries{e.q} {
		checkApplied(t, "queries", q.Applied, 20, false)
		checkApplied(t, "queries", q.Applied, 21, true)
		checkApplied(t, "queries", q.Applied, 23, true)
	}
	e.reopen()
	checkApplied(t, "queries", e.q.Applied, 20, false)
	checkApplied(t, "queries", e.q.Applied, 21, true)
	checkApplied(t, "queries", e.q.Applied, 22, true)
	checkApplied(t, "queries", e.q.Applied, 23, true)
	checkApplied(t, "queries", e.q.Applied, 24, true)
	checkApplied(t, "queries", e.q.Applied, 25, false)
}

func TestImportsCommitAtAnswersApplied(t *testing.T) {
	e := newImportEnv(t)
	in := NewImport{Account: impAcct, Region: impRegion, Destinations: []string{e.eds.ARN},
		Source: ImportSource{S3LocationURI: "s3://" + impBucket + "/none", S3BucketRegion: impRegion, S3BucketAccessRoleARN: "arn:aws:iam::111111111111:role/import"}}
	never, err := e.im.Start(in)
	if err != nil {
		t.Fatal(err)
	}
	never.Abort() // StartImport seq 30 never committed
	ch, err := e.im.Start(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.CommitAt(31); err != nil {
		t.Fatal(err)
	}
	id := ch.Import.ID
	stopped := false
	if stop, err := e.im.Stop(impAcct, impRegion, id); err == nil {
		if err := stop.CommitAt(32); err != nil {
			t.Fatal(err)
		}
		stopped = true // stopped, or finished meanwhile: the seq is kept either way
	} // else it finished already: StopImport is refused, nothing to record
	if stopped {
		checkApplied(t, "imports", e.im.Applied, 32, true)
	}
	checkApplied(t, "imports", e.im.Applied, 30, false)
	checkApplied(t, "imports", e.im.Applied, 31, true)
	e.reopen()
	checkApplied(t, "imports", e.im.Applied, 30, false)
	checkApplied(t, "imports", e.im.Applied, 31, true)
	checkApplied(t, "imports", e.im.Applied, 33, false)
}
