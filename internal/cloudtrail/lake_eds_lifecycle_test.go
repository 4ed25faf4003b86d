package cloudtrail

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cairn-audit/cairn/internal/lake"
)

func TestDeleteAndRestoreEventDataStore(t *testing.T) {
	e := newEDSEnv(t)
	e.audit.Store(10)
	arn := e.createEDS("us-east-1", "store", nil)
	created := e.get(arn).Windows[0].From
	if msg := e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, "EventDataStoreTerminationProtectedException"); !strings.Contains(msg, "termination protection") {
		t.Fatal(msg)
	}
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "TerminationProtectionEnabled": false}, nil)
	e.audit.Store(15)
	deletedAt := testNow.Add(time.Hour)
	res := e.doAt(deletedAt, "us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": idOfARN(arn)})
	if res.ErrorCode != "" || string(res.Body) != "{}" || res.ResponseElements != nil || res.Resources[0].ARN != arn || res.ReadOnly {
		t.Fatalf("DeleteEventDataStore %s %+v", res.Body, res)
	}
	st := e.get(arn)
	if st.Status != lake.StatusPendingDeletion || st.StatusBeforeDelete != lake.StatusEnabled || !st.Deleted.Equal(deletedAt) || st.Ingesting() ||
		!reflect.DeepEqual(st.Windows, []lake.Window{{From: created, To: res.Seq}}) || !reflect.DeepEqual(st.AuditWindows, []lake.Window{{From: 11, To: 15}}) {
		t.Fatalf("after delete %+v", st)
	}
	// Still visible, but inactive.
	var got edsShape
	e.ok("us-east-1", "GetEventDataStore", map[string]any{"EventDataStore": arn}, &got)
	if got.Status != "PENDING_DELETION" {
		t.Fatalf("Get status %s", got.Status)
	}
	e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, "InactiveEventDataStoreException")
	e.fails("us-east-1", "StartEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, "InvalidEventDataStoreStatusException")
	e.fails("us-east-1", "StopEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, "InvalidEventDataStoreStatusException")

	// Restore within the period: the store ingests again from the restore on.
	e.audit.Store(20)
	res = e.doAt(deletedAt.Add(lake.PendingDeletionPeriod-time.Second), "us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": arn})
	if res.ErrorCode != "" || res.ResponseElements == nil || !strings.Contains(string(res.Body), `"Status":"ENABLED"`) || strings.Contains(string(res.Body), "FederationStatus") {
		t.Fatalf("RestoreEventDataStore %s %s", res.ErrorCode, res.Body)
	}
	st = e.get(arn)
	if st.Status != lake.StatusEnabled || !st.Deleted.IsZero() || st.StatusBeforeDelete != "" || !st.Ingesting() ||
		!reflect.DeepEqual(st.Windows[1:], []lake.Window{{From: res.Seq}}) || !reflect.DeepEqual(st.AuditWindows[1:], []lake.Window{{From: 21}}) {
		t.Fatalf("after restore %+v", st)
	}
	e.fails("us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": arn}, "InvalidEventDataStoreStatusException")

	// A stopped store is restored stopped; after 7 days it cannot be restored.
	e.ok("us-east-1", "StopEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, nil)
	e.doAt(deletedAt, "us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn})
	e.ok("us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": arn}, nil)
	if st := e.get(arn); st.Status != lake.StatusStoppedIngestion || st.Ingesting() || len(st.Windows) != 2 {
		t.Fatalf("restored stopped store %+v", st)
	}
	e.doAt(deletedAt, "us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn})
	if res := e.doAt(deletedAt.Add(lake.PendingDeletionPeriod), "us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": arn}); res.ErrorCode != "InvalidEventDataStoreStatusException" {
		t.Fatalf("late restore: %s", res.ErrorCode)
	}
	e.fails("us-east-1", "RestoreEventDataStore", map[string]any{"EventDataStore": "0f3e1c5a-2222-4000-8000-00000000000f"}, "EventDataStoreNotFoundException")
	e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": "x"}, "EventDataStoreARNInvalidException")
}

func TestDeleteEventDataStoreInUse(t *testing.T) {
	e := newEDSEnv(t)
	arn := e.auditStore("us-east-1", "audit")
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": arn, "TerminationProtectionEnabled": false}, nil)
	var ch struct{ ChannelArn string }
	e.ok("us-east-1", "CreateChannel", map[string]any{"Name": "app", "Source": "Custom",
		"Destinations": []map[string]string{{"Type": "EVENT_DATA_STORE", "Location": idOfARN(arn)}}}, &ch)
	if msg := e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, "ChannelExistsForEDSException"); !strings.Contains(msg, ch.ChannelArn) {
		t.Fatal(msg)
	}
	e.ok("us-east-1", "DeleteChannel", map[string]any{"Channel": ch.ChannelArn}, nil)
	e.importing[idOfARN(arn)] = true
	e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, "EventDataStoreHasOngoingImportException")
	delete(e.importing, idOfARN(arn))
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": arn}, nil)
}

func TestStartStopEventDataStoreIngestion(t *testing.T) {
	e := newEDSEnv(t)
	e.audit.Store(5)
	arn := e.createEDS("us-east-1", "store", nil)
	first := e.get(arn).Windows[0]
	e.fails("us-east-1", "StartEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, "InvalidEventDataStoreStatusException")
	e.audit.Store(9)
	res := e.ok("us-east-1", "StopEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, nil)
	if string(res.Body) != "{}" || res.ResponseElements != nil || res.Resources[0].ARN != arn || res.ReadOnly {
		t.Fatalf("Stop %s %+v", res.Body, res)
	}
	st := e.get(arn)
	if st.Status != lake.StatusStoppedIngestion || st.Ingesting() || !reflect.DeepEqual(st.Windows, []lake.Window{{From: first.From, To: res.Seq}}) ||
		!reflect.DeepEqual(st.AuditWindows, []lake.Window{{From: 6, To: 9}}) {
		t.Fatalf("after stop %+v", st)
	}
	e.fails("us-east-1", "StopEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, "InvalidEventDataStoreStatusException")
	res = e.ok("us-east-1", "StartEventDataStoreIngestion", map[string]any{"EventDataStore": idOfARN(arn)}, nil)
	st = e.get(arn)
	if st.Status != lake.StatusEnabled || !st.Ingesting() || !reflect.DeepEqual(st.Windows[1], lake.Window{From: res.Seq}) || !reflect.DeepEqual(st.AuditWindows[1], lake.Window{From: 10}) {
		t.Fatalf("after start %+v", st)
	}
	// Config item stores can be stopped; stores of external events cannot.
	cfg := e.createEDS("us-east-1", "config", map[string]any{"AdvancedEventSelectors": configItemSelectors})
	e.ok("us-east-1", "StopEventDataStoreIngestion", map[string]any{"EventDataStore": cfg}, nil)
	audit := e.auditStore("us-east-1", "audit")
	for _, op := range []string{"StopEventDataStoreIngestion", "StartEventDataStoreIngestion"} {
		if msg := e.fails("us-east-1", op, map[string]any{"EventDataStore": audit}, "InvalidEventDataStoreCategoryException"); !strings.Contains(msg, "ActivityAuditLog") {
			t.Fatal(msg)
		}
	}
	e.fails("eu-west-1", "StopEventDataStoreIngestion", map[string]any{"EventDataStore": arn}, "EventDataStoreNotFoundException")
	e.fails("us-east-1", "StopEventDataStoreIngestion", map[string]any{}, "EventDataStoreARNInvalidException")
}
