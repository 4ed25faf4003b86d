package cloudtrail

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/lake"
)

// edsEnv is a channelEnv whose service also has a Lake with event data
// store definitions (no engine, queries or imports).
type edsEnv struct {
	*channelEnv
	stores    *lake.Stores
	dir       string         // the stores' directory
	audit     *atomic.Uint64 // the audit journal's durable seq
	importing map[string]bool
}

func newEDSEnv(t *testing.T, tweak ...func(*lake.StoresOptions)) *edsEnv {
	t.Helper()
	e := &edsEnv{audit: new(atomic.Uint64), importing: map[string]bool{}}
	opts := lake.StoresOptions{AuditDurable: e.audit.Load, OngoingImport: func(id string) bool { return e.importing[id] }}
	for _, f := range tweak {
		f(&opts)
	}
	e.dir = t.TempDir()
	st, err := lake.OpenStores(e.dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.stores = st
	e.channelEnv = newChannelEnv(t, func(o *Options) { o.Lake = &lake.Lake{Stores: st} })
	return e
}

// createEDS creates a store and returns its ARN.
func (e *edsEnv) createEDS(region, name string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"Name": name}
	for k, v := range extra {
		body[k] = v
	}
	var out struct{ EventDataStoreArn string }
	e.ok(region, "CreateEventDataStore", body, &out)
	return out.EventDataStoreArn
}

// auditStore creates a store that can be a channel destination:
// ActivityAuditLog events only, single-region.
func (e *edsEnv) auditStore(region, name string) string {
	e.t.Helper()
	return e.createEDS(region, name, map[string]any{"MultiRegionEnabled": false, "AdvancedEventSelectors": activityAuditLogSelectors})
}

// get returns the stored definition.
func (e *edsEnv) get(ref string) lake.EventDataStore {
	e.t.Helper()
	st, ok := e.stores.Get(ref)
	if !ok {
		e.t.Fatalf("no event data store %s", ref)
	}
	return st
}

// doAt serves a call made at `at` as the front door does (see doAs).
func (e *edsEnv) doAt(at time.Time, region, op string, body any) *api.Result {
	e.t.Helper()
	call := trailCall(acct, region, op, body)
	call.Time = at
	res := e.s.Handle(context.Background(), call)
	e.seq++
	res.Seq = e.seq
	if res.Commit != nil {
		if err := res.Commit(); err != nil {
			e.t.Fatalf("%s: Commit: %v", op, err)
		}
	}
	return res
}

func idOfARN(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

var (
	activityAuditLogSelectors = []map[string]any{{"Name": "external", "FieldSelectors": []map[string]any{{"Field": "eventCategory", "Equals": []string{"ActivityAuditLog"}}}}}
	configItemSelectors       = []map[string]any{{"FieldSelectors": []map[string]any{{"Field": "eventCategory", "Equals": []string{"ConfigurationItem"}}}}}
	dataSelectors             = []map[string]any{{"Name": "s3", "FieldSelectors": []map[string]any{
		{"Field": "eventCategory", "Equals": []string{"Data"}}, {"Field": "resources.type", "Equals": []string{"AWS::S3::Object"}}}}}
)
