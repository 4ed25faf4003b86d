package cloudtrail

import (
	"context"
	"strings"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/cloudtrail/cterr"
)

// handler serves one operation: it decodes the call, asks the state
// package, and encodes the result (result.go).
type handler func(s *Service, ctx context.Context, c *api.Call) (*api.Result, error)

// part is what serves an operation; an operation whose part the service
// was built without answers UnsupportedOperationException.
type part uint8

const (
	unsupported  part = iota // no handler in Cairn: UnsupportedOperationException
	partHistory              // Event history and ListPublicKeys: always served
	partTrails               // Options.Trails
	partTags                 // Options.Trails, or the channel/event data store the ARN names
	partChannels             // Options.Channels
	partLake                 // Options.Lake (the handler checks the parts of the Lake it uses)
	partEither               // a trail or an event data store, by the input (event configuration)
)

// operation is one row of the operation table.
type operation struct {
	part  part
	serve handler
}

// operationTable is every operation of the CloudTrail 2013-11-01 model,
// each once (TestOperationTableMatchesModel checks it against the generated
// botocore model). A name not in it is UnknownOperationException.
var operationTable = map[string]operation{
	// Event history and digests.
	"LookupEvents":   {partHistory, (*Service).lookupEvents},
	"ListPublicKeys": {partHistory, (*Service).listPublicKeys},

	// Trails.
	"CreateTrail":         {partTrails, (*Service).createTrail},
	"UpdateTrail":         {partTrails, (*Service).updateTrail},
	"DeleteTrail":         {partTrails, (*Service).deleteTrail},
	"GetTrail":            {partTrails, (*Service).getTrail},
	"DescribeTrails":      {partTrails, (*Service).describeTrails},
	"ListTrails":          {partTrails, (*Service).listTrails},
	"StartLogging":        {partTrails, (*Service).startLogging},
	"StopLogging":         {partTrails, (*Service).stopLogging},
	"GetTrailStatus":      {partTrails, (*Service).getTrailStatus},
	"PutEventSelectors":   {partTrails, (*Service).putEventSelectors},
	"GetEventSelectors":   {partTrails, (*Service).getEventSelectors},
	"PutInsightSelectors": {partTrails, (*Service).putInsightSelectors},
	"GetInsightSelectors": {partTrails, (*Service).getInsightSelectors},

	// Tags: on trails, channels and event data stores.
	"AddTags":    {partTags, (*Service).addTags},
	"RemoveTags": {partTags, (*Service).removeTags},
	"ListTags":   {partTags, (*Service).listTags},

	// Event configuration: a trail or an event data store.
	"GetEventConfiguration": {partEither, (*Service).getEventConfiguration},
	"PutEventConfiguration": {partEither, (*Service).putEventConfiguration},

	// Channels and their resource policies.
	"CreateChannel":        {partChannels, (*Service).createChannel},
	"GetChannel":           {partChannels, (*Service).getChannel},
	"ListChannels":         {partChannels, (*Service).listChannels},
	"UpdateChannel":        {partChannels, (*Service).updateChannel},
	"DeleteChannel":        {partChannels, (*Service).deleteChannel},
	"PutResourcePolicy":    {partChannels, (*Service).putResourcePolicy},
	"GetResourcePolicy":    {partChannels, (*Service).getResourcePolicy},
	"DeleteResourcePolicy": {partChannels, (*Service).deleteResourcePolicy},

	// Lake: event data stores.
	"CreateEventDataStore":         {partLake, withStores((*Service).createEventDataStore)},
	"GetEventDataStore":            {partLake, withStores((*Service).getEventDataStore)},
	"ListEventDataStores":          {partLake, withStores((*Service).listEventDataStores)},
	"UpdateEventDataStore":         {partLake, withStores((*Service).updateEventDataStore)},
	"DeleteEventDataStore":         {partLake, withStores((*Service).deleteEventDataStore)},
	"RestoreEventDataStore":        {partLake, withStores((*Service).restoreEventDataStore)},
	"StartEventDataStoreIngestion": {partLake, withStores((*Service).startEventDataStoreIngestion)},
	"StopEventDataStoreIngestion":  {partLake, withStores((*Service).stopEventDataStoreIngestion)},

	// Lake: queries.
	"StartQuery":          {partLake, withQueries((*Service).startQuery)},
	"DescribeQuery":       {partLake, withQueries((*Service).describeQuery)},
	"GetQueryResults":     {partLake, withQueries((*Service).getQueryResults)},
	"CancelQuery":         {partLake, withQueries((*Service).cancelQuery)},
	"ListQueries":         {partLake, withQueries((*Service).listQueries)},
	"SearchSampleQueries": {partLake, (*Service).searchSampleQueries},

	// Lake: imports.
	"StartImport":        {partLake, withImports((*Service).startImport)},
	"StopImport":         {partLake, withImports((*Service).stopImport)},
	"GetImport":          {partLake, withImports((*Service).getImport)},
	"ListImports":        {partLake, withImports((*Service).listImports)},
	"ListImportFailures": {partLake, withImports((*Service).listImportFailures)},

	// Not served: UnsupportedOperationException.
	"CreateDashboard":                      {},
	"DeleteDashboard":                      {},
	"GetDashboard":                         {},
	"ListDashboards":                       {},
	"UpdateDashboard":                      {},
	"StartDashboardRefresh":                {},
	"EnableFederation":                     {},
	"DisableFederation":                    {},
	"GenerateQuery":                        {},
	"ListInsightsData":                     {},
	"ListInsightsMetricData":               {},
	"RegisterOrganizationDelegatedAdmin":   {},
	"DeregisterOrganizationDelegatedAdmin": {},
}

// serve runs op's handler, or answers UnsupportedOperationException when
// Cairn has none or the service was built without the part serving it.
func (s *Service) serve(ctx context.Context, c *api.Call, op string, o operation) (*api.Result, error) {
	switch o.part {
	case partHistory, partEither:
		return o.serve(s, ctx, c)
	case partTrails:
		return s.serveTrailOperation(ctx, c, op, o.serve)
	case partTags:
		return s.serveTagOperation(ctx, c, op, o.serve)
	case partChannels:
		return s.serveChannelOperation(ctx, c, op, o.serve)
	case partLake:
		return s.serveLakeOperation(ctx, c, op, o.serve)
	}
	return nil, errUnsupported(op)
}

func errUnsupported(op string) error {
	return cterr.UnsupportedOperation.New("Cairn does not support %s yet.", op)
}

// serveTagOperation serves AddTags, RemoveTags and ListTags: on event data
// stores or channels when the call names their ARNs, else on trails.
func (s *Service) serveTagOperation(ctx context.Context, c *api.Call, op string, onTrails handler) (*api.Result, error) {
	switch {
	case s.opts.Lake != nil && s.opts.Lake.Stores != nil && namesTagged(c.Body, isEventDataStoreARN):
		return s.serveTags(ctx, c, op, s.changeEDSTags)
	case s.opts.Channels != nil && namesTagged(c.Body, isChannelARN):
		return s.serveTags(ctx, c, op, s.changeChannelTags)
	}
	return s.serveTrailOperation(ctx, c, op, onTrails)
}

// readOnlyOperation reports whether CloudTrail records op as a read-only call.
func readOnlyOperation(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Search"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}
