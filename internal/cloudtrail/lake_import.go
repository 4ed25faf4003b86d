package cloudtrail

// importOperations are the import operations.
var importOperations = map[string]lakeHandler{}
