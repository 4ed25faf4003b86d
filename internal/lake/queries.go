package lake

// Queries runs Lake queries and keeps their status and results.
// (Skeleton: owned and filled in by the query work.)
type Queries struct{}
