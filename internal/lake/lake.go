package lake

// Lake is everything the CloudTrail API needs of the Lake.
type Lake struct {
	Engine  Engine   // events and SQL
	Stores  *Stores  // event data store definitions
	Queries *Queries // query lifecycle and results
	Imports *Imports // imports from trail buckets
}
