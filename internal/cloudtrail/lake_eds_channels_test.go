package cloudtrail

import (
	"fmt"
	"strings"
	"testing"
)

// With a Lake, a channel's EVENT_DATA_STORE destinations must name stores
// that can take its events (without one they are kept pending: see
// channels_test.go).
func TestChannelDestinationsResolveEventDataStores(t *testing.T) {
	e := newEDSEnv(t)
	audit := e.auditStore("us-east-1", "audit")
	mgmt := e.createEDS("us-east-1", "mgmt", nil)
	multi := e.createEDS("us-east-1", "multi", map[string]any{"AdvancedEventSelectors": activityAuditLogSelectors})
	gone := e.createEDS("us-east-1", "gone", map[string]any{"MultiRegionEnabled": false, "AdvancedEventSelectors": activityAuditLogSelectors, "TerminationProtectionEnabled": false})
	e.ok("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": gone}, nil)
	euAudit := e.auditStore("eu-west-1", "audit")

	dest := func(locs ...string) map[string]any {
		var ds []map[string]string
		for _, l := range locs {
			ds = append(ds, map[string]string{"Type": "EVENT_DATA_STORE", "Location": l})
		}
		return map[string]any{"Name": "app", "Source": "Custom", "Destinations": ds}
	}
	cases := []struct {
		name string
		body map[string]any
		code string
		msg  string
	}{
		{"unknown store", dest("0f3e1c5a-2222-4000-8000-00000000000f"), "EventDataStoreNotFoundException", ""},
		{"unknown store ARN", dest(edsARN), "EventDataStoreNotFoundException", ""},
		{"store of another region by ID", dest(idOfARN(euAudit)), "EventDataStoreNotFoundException", ""},
		{"store of another region by ARN", dest(euAudit), "EventDataStoreNotFoundException", ""},
		{"malformed", dest("eds/with/slash"), "EventDataStoreARNInvalidException", ""},
		{"management store", dest(mgmt), "InvalidEventDataStoreCategoryException", "ActivityAuditLog events only"},
		{"multi-region store", dest(multi), "InvalidEventDataStoreCategoryException", "multi-Region"},
		{"pending deletion", dest(gone), "InactiveEventDataStoreException", ""},
		{"same store twice", dest(audit, idOfARN(audit)), "InvalidParameterException", "more than once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if msg := e.fails("us-east-1", "CreateChannel", c.body, c.code); !strings.Contains(msg, c.msg) {
				t.Fatalf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	e.t = t
	if n := len(e.channels.All()); n != 0 {
		t.Fatalf("%d channels created by failed calls", n)
	}

	var out struct{ ChannelArn string }
	res := e.ok("us-east-1", "CreateChannel", dest(idOfARN(audit)), &out)
	if !strings.Contains(string(res.Body), fmt.Sprintf(`"Destinations":[{"Type":"EVENT_DATA_STORE","Location":%q}]`, idOfARN(audit))) {
		t.Fatalf("CreateChannel %s", res.Body)
	}
	ch, _ := e.channels.Get(out.ChannelArn)
	if ch.Destinations[0].Pending {
		t.Fatalf("a resolved destination is pending: %+v", ch.Destinations)
	}
	// UpdateChannel resolves its destinations the same way.
	e.fails("us-east-1", "UpdateChannel", map[string]any{"Channel": out.ChannelArn, "Destinations": dest(mgmt)["Destinations"]}, "InvalidEventDataStoreCategoryException")
	second := e.auditStore("us-east-1", "audit2")
	e.ok("us-east-1", "UpdateChannel", map[string]any{"Channel": out.ChannelArn, "Destinations": dest(audit, second)["Destinations"]}, nil)
	if ch, _ := e.channels.Get(out.ChannelArn); len(ch.Destinations) != 2 || ch.Destinations[1].Location != second || ch.Destinations[1].Pending {
		t.Fatalf("after update %+v", ch.Destinations)
	}
	e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": second}, "EventDataStoreTerminationProtectedException")
	e.ok("us-east-1", "UpdateEventDataStore", map[string]any{"EventDataStore": second, "TerminationProtectionEnabled": false}, nil)
	e.fails("us-east-1", "DeleteEventDataStore", map[string]any{"EventDataStore": second}, "ChannelExistsForEDSException")
}
