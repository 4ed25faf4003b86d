package e2e

import (
	"strings"
	"testing"
)

type cliEventConfig struct {
	TrailARN, EventDataStoreArn, MaxEventSize string
	ContextKeySelectors                       []struct {
		Type   string
		Equals []string
	}
	AggregationConfigurations []struct {
		EventCategory string
		Templates     []string
	}
}

// TestEventConfigurationCLI drives Get/PutEventConfiguration with awscli v1
// (Debian's v2 2.9 predates them): MaxEventSize and context key selectors
// on an event data store, aggregation on a trail, the main errors, and the
// effect of MaxEventSize on PutAuditEvents into a channel's store (Standard
// refuses an eventData over 256 KB with FieldTooLong, Large accepts it).
// Everything survives a restart.
func TestEventConfigurationCLI(t *testing.T) {
	var v1 *awsCLI
	for _, c := range awsCLIs(t) {
		if !c.v2 {
			v1 = &c
		}
	}
	if v1 == nil {
		t.Skip("awscli v1 not installed")
	}
	s := startTrailServer(t)
	ct := ctCLI{t, *v1, s}
	var eds cliEDS
	ct.ok(&eds, "create-event-data-store", "--name", "events")
	var cfg cliEventConfig
	ct.ok(&cfg, "get-event-configuration", "--event-data-store", eds.EventDataStoreArn)
	if cfg.EventDataStoreArn != eds.EventDataStoreArn || cfg.MaxEventSize != "Standard" || len(cfg.ContextKeySelectors) != 0 {
		t.Fatalf("default %+v", cfg)
	}
	sels := `[{"Type":"RequestContext","Equals":["aws:SourceIp"]},{"Type":"TagContext","Equals":["team","env"]}]`
	ct.fails("InvalidParameterCombinationException", "put-event-configuration", "--event-data-store", eds.EventDataStoreArn, "--context-key-selectors", sels)
	ct.fails("InvalidParameterException", "put-event-configuration", "--event-data-store", eds.EventDataStoreArn, "--max-event-size", "Huge")
	ct.fails("InvalidParameterCombinationException", "put-event-configuration", "--event-data-store", eds.EventDataStoreArn, "--trail-name", "main")
	ct.ok(&cfg, "put-event-configuration", "--event-data-store", eds.EventDataStoreArn, "--max-event-size", "Large", "--context-key-selectors", sels)
	if cfg.MaxEventSize != "Large" || len(cfg.ContextKeySelectors) != 2 || cfg.ContextKeySelectors[1].Equals[1] != "env" {
		t.Fatalf("put %+v", cfg)
	}

	// A trail's aggregation settings.
	ct.ok(nil, "create-trail", "--name", "main", "--s3-bucket-name", trailBucket)
	ct.fails("TrailNotFoundException", "get-event-configuration", "--trail-name", "nope")
	ct.fails("InvalidParameterCombinationException", "put-event-configuration", "--trail-name", "main", "--max-event-size", "Large")
	ct.ok(&cfg, "put-event-configuration", "--trail-name", "main", "--aggregation-configurations", `[{"EventCategory":"Data","Templates":["API_ACTIVITY","USER_ACTIONS"]}]`)
	if !strings.HasSuffix(cfg.TrailARN, ":trail/main") || len(cfg.AggregationConfigurations) != 1 || len(cfg.AggregationConfigurations[0].Templates) != 2 {
		t.Fatalf("trail put %+v", cfg)
	}

	// MaxEventSize decides how large an audit event the store takes.
	var audit cliEDS
	ct.ok(&audit, "create-event-data-store", "--name", "audit", "--no-multi-region-enabled",
		"--advanced-event-selectors", `[{"Name":"audit","FieldSelectors":[{"Field":"eventCategory","Equals":["ActivityAuditLog"]}]}]`)
	ct.fails("InvalidEventDataStoreCategoryException", "put-event-configuration", "--event-data-store", audit.EventDataStoreArn, "--max-event-size", "Large", "--context-key-selectors", sels)
	var ch cliChannel
	ct.ok(&ch, "create-channel", "--name", "app", "--source", "Custom", "--destinations", "Type=EVENT_DATA_STORE,Location="+audit.EventDataStoreArn)
	d := auditEventData("uid-big")
	d = strings.Replace(d, `"details":{"team":"a"}`, `"details":{"blob":"`+strings.Repeat("x", 300<<10)+`"}`, 1)
	data := cliData{t, *v1, s}
	out := data.put(ch.ChannelArn, []map[string]string{{"id": "big", "eventData": d}})
	if len(out.Failed) != 1 || out.Failed[0].ErrorCode != "FieldTooLong" || !strings.Contains(out.Failed[0].ErrorMessage, "MaxEventSize Standard") {
		t.Fatalf("Standard store, 300 KB event: %+v", out)
	}
	ct.ok(nil, "put-event-configuration", "--event-data-store", audit.EventDataStoreArn, "--max-event-size", "Large")
	if out := data.put(ch.ChannelArn, []map[string]string{{"id": "big", "eventData": d}}); len(out.Successful) != 1 || len(out.Failed) != 0 {
		t.Fatalf("Large store, 300 KB event: %+v", out)
	}

	// Persisted with the store and the trail.
	s.stop()
	s2 := startServerIn(t, s.data)
	ct2 := ctCLI{t, *v1, s2}
	ct2.ok(&cfg, "get-event-configuration", "--event-data-store", eds.EventDataStoreArn)
	if cfg.MaxEventSize != "Large" || len(cfg.ContextKeySelectors) != 2 {
		t.Fatalf("after restart %+v", cfg)
	}
	cfg = cliEventConfig{}
	ct2.ok(&cfg, "get-event-configuration", "--trail-name", "main")
	if len(cfg.AggregationConfigurations) != 1 || cfg.AggregationConfigurations[0].EventCategory != "Data" {
		t.Fatalf("trail after restart %+v", cfg)
	}
	var lookup cliLookup
	ct2.ok(&lookup, "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=PutEventConfiguration")
	if len(lookup.Events) < 3 {
		t.Fatalf("PutEventConfiguration in Event history: %d events", len(lookup.Events))
	}
}
