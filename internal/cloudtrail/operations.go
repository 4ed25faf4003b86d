package cloudtrail

import "strings"

// operations is every operation of the CloudTrail 2013-11-01 API model.
// Those without a handler answer UnsupportedOperationException.
var operations = strings.Fields(`AddTags CancelQuery CreateChannel CreateDashboard CreateEventDataStore
CreateTrail DeleteChannel DeleteDashboard DeleteEventDataStore DeleteResourcePolicy DeleteTrail
DeregisterOrganizationDelegatedAdmin DescribeQuery DescribeTrails DisableFederation EnableFederation
GenerateQuery GetChannel GetDashboard GetEventConfiguration GetEventDataStore GetEventSelectors GetImport
GetInsightSelectors GetQueryResults GetResourcePolicy GetTrail GetTrailStatus ListChannels ListDashboards
ListEventDataStores ListImportFailures ListImports ListInsightsData ListInsightsMetricData ListPublicKeys
ListQueries ListTags ListTrails LookupEvents PutEventConfiguration PutEventSelectors PutInsightSelectors
PutResourcePolicy RegisterOrganizationDelegatedAdmin RemoveTags RestoreEventDataStore SearchSampleQueries
StartDashboardRefresh StartEventDataStoreIngestion StartImport StartLogging StartQuery
StopEventDataStoreIngestion StopImport StopLogging UpdateChannel UpdateDashboard UpdateEventDataStore
UpdateTrail`)

var knownOperations = func() map[string]bool {
	m := make(map[string]bool, len(operations))
	for _, op := range operations {
		m[op] = true
	}
	return m
}()

// readOnlyOperation reports whether CloudTrail records op as a read-only call.
func readOnlyOperation(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Search"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}
