package cloudtrail

// edsOperations are the event data store operations.
var edsOperations = map[string]lakeHandler{}
