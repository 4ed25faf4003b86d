package lake

// Stores holds the event data store definitions of every account.
// (Skeleton: owned and filled in by the event data store work.)
type Stores struct{}
