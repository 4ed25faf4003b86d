package cloudtrail

// queryOperations are the query operations and SearchSampleQueries.
var queryOperations = map[string]lakeHandler{}
