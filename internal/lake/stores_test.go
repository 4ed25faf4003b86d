package lake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/selector"
)

var storesT0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func sampleStore(account, region, name string, created time.Time) EventDataStore {
	id := NewID()
	return EventDataStore{ID: id, ARN: ARN(region, account, id), Account: account, Region: region, Name: name,
		Status: StatusEnabled, AdvancedEventSelectors: selector.DefaultEventDataStore().Advanced,
		MultiRegionEnabled: true, TerminationProtectionEnabled: true, RetentionPeriod: DefaultRetentionDaysExtendable,
		BillingMode: BillingExtendable, Created: created, Updated: created}
}

func openStores(t *testing.T, dir string, opts StoresOptions) *Stores {
	t.Helper()
	s, err := OpenStores(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func begin(t *testing.T, s *Stores) *Tx {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func putStores(t *testing.T, s *Stores, es ...EventDataStore) {
	t.Helper()
	tx := begin(t, s)
	for _, e := range es {
		if err := tx.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestStoresGetListAndReopen(t *testing.T) {
	dir := t.TempDir()
	s := openStores(t, dir, StoresOptions{})
	a := sampleStore("111111111111", "us-east-1", "a", storesT0.Add(time.Second))
	b := sampleStore("111111111111", "eu-west-1", "b", storesT0)
	c := sampleStore("222222222222", "us-east-1", "c", storesT0)
	a.Tags, a.KmsKeyID = []Tag{{Key: "team", Value: "sec"}}, "alias/k"
	a.Windows, a.AuditWindows = []Window{{From: 3, To: 9}, {From: 12}}, []Window{{From: 1}}
	putStores(t, s, a, b, c)

	for _, ref := range []string{a.ID, a.ARN} {
		if got, ok := s.Get(ref); !ok || !reflect.DeepEqual(got, a) {
			t.Fatalf("Get(%s) = %+v, %v", ref, got, ok)
		}
	}
	for _, ref := range []string{ARN("eu-west-1", "111111111111", a.ID), ARN("us-east-1", "999999999999", a.ID), "arn:aws:cloudtrail:us-east-1:111111111111:channel/" + a.ID, NewID(), ""} {
		if _, ok := s.Get(ref); ok {
			t.Fatalf("Get(%s) found a store", ref)
		}
	}
	if l := s.List("111111111111"); len(l) != 2 || l[0].ID != b.ID || l[1].ID != a.ID {
		t.Fatalf("List: %+v", l)
	}
	if l := s.All(); len(l) != 3 || l[2].ID != a.ID {
		t.Fatalf("All: %+v", l)
	}
	// Copies: changing what Get returned does not change the store.
	got, _ := s.Get(a.ID)
	got.Tags[0].Value = "changed"
	got.AdvancedEventSelectors[0].FieldSelectors[0].Equals[0] = "Data"
	got.Windows[0].To = 100
	if again, _ := s.Get(a.ID); !reflect.DeepEqual(again, a) {
		t.Fatalf("a read copy aliases the store: %+v", again)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "stores.json"))
	if err != nil || !strings.Contains(string(raw), `"format": "cairn-eventdatastores"`) || !strings.Contains(string(raw), `"eventDataStores": [`) {
		t.Fatalf("stores.json: %v\n%s", err, raw)
	}
	s = openStores(t, dir, StoresOptions{})
	if got, ok := s.Get(a.ARN); !ok || !reflect.DeepEqual(got, a) {
		t.Fatalf("after reopen %+v\nwant %+v", got, a)
	}
	if len(s.All()) != 3 {
		t.Fatalf("after reopen: %d stores", len(s.All()))
	}
}

func TestStoresTxIsolationAbortAndValidation(t *testing.T) {
	s := openStores(t, t.TempDir(), StoresOptions{})
	a := sampleStore("111111111111", "us-east-1", "a", storesT0)
	tx := begin(t, s)
	if err := tx.Put(a); err != nil {
		t.Fatal(err)
	}
	if _, ok := tx.Get(a.ARN); !ok || len(tx.List("111111111111")) != 1 {
		t.Fatal("the Tx does not see its own Put")
	}
	if _, ok := s.Get(a.ID); ok {
		t.Fatal("readers see a staged Put")
	}
	tx.Abort()
	if len(s.All()) != 0 {
		t.Fatal("Abort kept the Put")
	}

	tx = begin(t, s)
	defer tx.Abort()
	bad := []func(*EventDataStore){
		func(e *EventDataStore) { e.ID = strings.ToUpper(e.ID) },
		func(e *EventDataStore) { e.ARN = ARN("eu-west-1", e.Account, e.ID) },
		func(e *EventDataStore) { e.Name = "" },
		func(e *EventDataStore) { e.Status = "RUNNING" },
	}
	for i, f := range bad {
		e := a.Clone()
		f(&e)
		if err := tx.Put(e); !errors.Is(err, ErrInvalid) {
			t.Fatalf("bad store %d: %v", i, err)
		}
	}
	if err := tx.Delete(a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of an unknown store: %v", err)
	}
	if err := tx.OpenWindows(a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("OpenWindows of an unknown store: %v", err)
	}
}

func TestStoresWindows(t *testing.T) {
	var audit atomic.Uint64
	audit.Store(40)
	s := openStores(t, t.TempDir(), StoresOptions{AuditDurable: audit.Load})
	a := sampleStore("111111111111", "us-east-1", "a", storesT0)

	// Create: windows from the create event and after the audit journal's end.
	tx := begin(t, s)
	if err := tx.Put(a); err != nil {
		t.Fatal(err)
	}
	if err := tx.OpenWindows(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); !errors.Is(err, ErrNeedSeq) {
		t.Fatalf("Commit with staged windows: %v", err)
	}
	if len(s.All()) != 0 {
		t.Fatal("a refused Commit published its changes")
	}
	tx = begin(t, s) // the refused Commit released the write lock
	tx.Put(a)
	tx.OpenWindows(a.ID)
	if err := tx.CommitAt(10); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(a.ID)
	if !reflect.DeepEqual(got.Windows, []Window{{From: 10}}) || !reflect.DeepEqual(got.AuditWindows, []Window{{From: 41}}) || !got.Ingesting() {
		t.Fatalf("after create: %+v %+v", got.Windows, got.AuditWindows)
	}
	if InWindow(got.Windows, 9) || !InWindow(got.Windows, 10) || !InWindow(got.Windows, 1<<40) || InWindow(got.AuditWindows, 40) {
		t.Fatal("InWindow of an open window")
	}

	// Opening again keeps the open windows.
	tx = begin(t, s)
	tx.OpenWindows(a.ID)
	if err := tx.CommitAt(11); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Get(a.ID); len(got.Windows) != 1 || got.Windows[0].From != 10 {
		t.Fatalf("reopen of an open window: %+v", got.Windows)
	}

	// Stop: windows end at the stop event and the audit journal's end; an
	// audit window that saw no event is dropped.
	audit.Store(45)
	tx = begin(t, s)
	tx.CloseWindows(a.ID)
	if err := tx.CommitAt(20); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(a.ID)
	if !reflect.DeepEqual(got.Windows, []Window{{From: 10, To: 20}}) || !reflect.DeepEqual(got.AuditWindows, []Window{{From: 41, To: 45}}) || got.Ingesting() {
		t.Fatalf("after stop: %+v %+v", got.Windows, got.AuditWindows)
	}
	if !InWindow(got.Windows, 20) || InWindow(got.Windows, 21) {
		t.Fatal("InWindow of a closed window")
	}
	tx = begin(t, s)
	tx.OpenWindows(a.ID)
	tx.CommitAt(30)
	tx = begin(t, s)
	tx.CloseWindows(a.ID)
	tx.CommitAt(31)
	got, _ = s.Get(a.ID)
	if !reflect.DeepEqual(got.Windows, []Window{{From: 10, To: 20}, {From: 30, To: 31}}) || !reflect.DeepEqual(got.AuditWindows, []Window{{From: 41, To: 45}}) {
		t.Fatalf("after start+stop without audit events: %+v %+v", got.Windows, got.AuditWindows)
	}

	// A pending-deletion store does not ingest even with an open window.
	tx = begin(t, s)
	tx.OpenWindows(a.ID)
	tx.CommitAt(40)
	got, _ = s.Get(a.ID)
	got.Status = StatusPendingDeletion
	if got.Ingesting() {
		t.Fatal("a store pending deletion ingests")
	}
}

func TestStoresMaxWindows(t *testing.T) {
	s := openStores(t, t.TempDir(), StoresOptions{MaxWindows: 2})
	a := sampleStore("111111111111", "us-east-1", "a", storesT0)
	putStores(t, s, a)
	for seq := uint64(1); seq <= 9; seq += 2 {
		tx := begin(t, s)
		tx.OpenWindows(a.ID)
		if err := tx.CommitAt(seq); err != nil {
			t.Fatal(err)
		}
		tx = begin(t, s)
		tx.CloseWindows(a.ID)
		if err := tx.CommitAt(seq + 1); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Get(a.ID); !reflect.DeepEqual(got.Windows, []Window{{From: 7, To: 8}, {From: 9, To: 10}}) {
		t.Fatalf("windows %+v", got.Windows)
	}
}

func TestStoresSnapshotAndChanged(t *testing.T) {
	s := openStores(t, t.TempDir(), StoresOptions{})
	ch := s.Changed()
	v0, all := s.Snapshot()
	if len(all) != 0 {
		t.Fatalf("fresh snapshot %+v", all)
	}
	putStores(t, s, sampleStore("111111111111", "us-east-1", "a", storesT0))
	select {
	case <-ch:
	default:
		t.Fatal("Changed not closed by a commit")
	}
	v1, all := s.Snapshot()
	if v1 <= v0 || len(all) != 1 || s.Version() != v1 {
		t.Fatalf("snapshot after commit: %d (was %d), %d stores", v1, v0, len(all))
	}
	ch = s.Changed()
	tx := begin(t, s) // no changes
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("Changed closed by an empty commit")
	default:
	}
}

func TestStoresPurge(t *testing.T) {
	dir := t.TempDir()
	s := openStores(t, dir, StoresOptions{})
	old := sampleStore("111111111111", "us-east-1", "old", storesT0)
	old.Status, old.Deleted, old.StatusBeforeDelete = StatusPendingDeletion, storesT0, StatusEnabled
	recent := sampleStore("111111111111", "us-east-1", "recent", storesT0)
	recent.Status, recent.Deleted = StatusPendingDeletion, storesT0.Add(24*time.Hour)
	live := sampleStore("111111111111", "us-east-1", "live", storesT0)
	putStores(t, s, old, recent, live)

	ids, err := s.Purge(context.Background(), storesT0.Add(PendingDeletionPeriod-time.Second))
	if err != nil || len(ids) != 0 || len(s.All()) != 3 {
		t.Fatalf("early purge: %v %v", ids, err)
	}
	ids, err = s.Purge(context.Background(), storesT0.Add(PendingDeletionPeriod))
	if err != nil || !reflect.DeepEqual(ids, []string{old.ID}) {
		t.Fatalf("purge: %v %v", ids, err)
	}
	if _, ok := s.Get(old.ID); ok || len(s.All()) != 2 {
		t.Fatal("purged store still there")
	}
	s.Close()
	s = openStores(t, dir, StoresOptions{})
	if _, ok := s.Get(old.ID); ok || len(s.All()) != 2 {
		t.Fatal("purge not persisted")
	}
	ids, _ = s.Purge(context.Background(), storesT0.Add(30*24*time.Hour))
	if !reflect.DeepEqual(ids, []string{recent.ID}) {
		t.Fatalf("second purge: %v", ids)
	}
	s.Close()
	if _, err := s.Purge(context.Background(), storesT0); !errors.Is(err, ErrClosed) {
		t.Fatalf("purge after Close: %v", err)
	}
}

func TestStoresCommitFailureChangesNothing(t *testing.T) {
	fail := errors.New("disk full")
	s := openStores(t, t.TempDir(), StoresOptions{writeFile: func(string, []byte, os.FileMode) error { return fail }})
	tx := begin(t, s)
	tx.Put(sampleStore("111111111111", "us-east-1", "a", storesT0))
	if err := tx.Commit(); !errors.Is(err, fail) {
		t.Fatalf("commit: %v", err)
	}
	if len(s.All()) != 0 {
		t.Fatal("a failed commit was published")
	}
	begin(t, s).Abort() // the write lock was released
}

func TestStoresOpenRefusesBadFiles(t *testing.T) {
	a := sampleStore("111111111111", "us-east-1", "a", storesT0)
	for name, content := range map[string]string{
		"duplicate": `{"format":"cairn-eventdatastores","version":1,"eventDataStores":[{"id":"` + a.ID + `","arn":"` + a.ARN + `","account":"111111111111","region":"us-east-1","name":"a","status":"ENABLED"},{"id":"` + a.ID + `","arn":"` + a.ARN + `","account":"111111111111","region":"us-east-1","name":"a","status":"ENABLED"}]}`,
		"bad arn":   `{"format":"cairn-eventdatastores","version":1,"eventDataStores":[{"id":"` + a.ID + `","arn":"arn:x","account":"111111111111","region":"us-east-1","name":"a","status":"ENABLED"}]}`,
		"format":    `{"format":"cairn-channels","version":1}`,
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "stores.json"), []byte(content), 0o600)
		if s, err := OpenStores(dir, StoresOptions{}); err == nil {
			s.Close()
			t.Fatalf("%s: opened", name)
		}
	}
}

func TestStoresHooksAndDefaults(t *testing.T) {
	s := openStores(t, t.TempDir(), StoresOptions{})
	if s.AuditDurable() != 0 || s.OngoingImport("x") || s.MaxPerRegion() != DefaultMaxStoresPerRegion {
		t.Fatal("defaults")
	}
	s.SetOngoingImport(func(id string) bool { return id == "busy" })
	if !s.OngoingImport("busy") || s.OngoingImport("idle") {
		t.Fatal("SetOngoingImport")
	}
	s2 := openStores(t, t.TempDir(), StoresOptions{OngoingImport: func(string) bool { return true }, AuditDurable: func() uint64 { return 7 }, MaxPerRegion: 3})
	if !s2.OngoingImport("any") || s2.AuditDurable() != 7 || s2.MaxPerRegion() != 3 {
		t.Fatal("options")
	}
}

func TestCategories(t *testing.T) {
	e := EventDataStore{AdvancedEventSelectors: []selector.AdvancedEventSelector{
		{FieldSelectors: []selector.FieldSelector{{Field: "eventCategory", Equals: []string{"Data"}}, {Field: "resources.type", Equals: []string{"AWS::S3::Object"}}}},
		{FieldSelectors: []selector.FieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}},
		{FieldSelectors: []selector.FieldSelector{{Field: "eventCategory", Equals: []string{"Data"}}}},
	}}
	if got := e.Categories(); !reflect.DeepEqual(got, []string{"Data", "Management"}) {
		t.Fatalf("Categories %v", got)
	}
}
