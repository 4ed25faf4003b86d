package lake

// Imports copies events from trail buckets into event data stores.
// (Skeleton: owned and filled in by the import work.)
type Imports struct{}
