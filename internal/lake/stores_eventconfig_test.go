package lake

import (
	"testing"

	"github.com/cairn-audit/cairn/internal/api"
)

func TestEventConfigRules(t *testing.T) {
	e := EventDataStore{ARN: "arn:aws:cloudtrail:us-east-1:1:eventdatastore/x", Status: StatusEnabled}
	if e.EventSize() != MaxEventSizeStandard || e.MaxEventBytes() != 256<<10 {
		t.Fatalf("default %s %d", e.EventSize(), e.MaxEventBytes())
	}
	sels := []ContextKeySelector{{Type: ContextTag, Equals: []string{"team"}}}
	code := func(err error) string {
		if err == nil {
			return ""
		}
		return api.AsError(err).Code
	}
	if got := code(CheckEventConfig(e, MaxEventSizeStandard, sels)); got != "InvalidParameterCombinationException" {
		t.Fatalf("selectors with Standard: %s", got)
	}
	if err := CheckEventConfig(e, MaxEventSizeLarge, sels); err != nil {
		t.Fatal(err)
	}
	e.SetEventConfig(MaxEventSizeLarge, sels)
	if e.MaxEventBytes() != 1<<20 {
		t.Fatal("Large is 1 MB")
	}
	c := e.Clone()
	c.ContextKeySelectors[0].Equals[0] = "other"
	if e.ContextKeySelectors[0].Equals[0] != "team" {
		t.Fatal("Clone shares Equals")
	}
	e.SetEventConfig(MaxEventSizeStandard, nil)
	if e.MaxEventSize != "" || e.ContextKeySelectors != nil {
		t.Fatalf("Standard is stored as the default: %+v", e)
	}
	e.Status = StatusPendingDeletion
	if code(CheckEventConfig(e, "", nil)) != "InactiveEventDataStoreException" {
		t.Fatal("pending deletion")
	}
}
