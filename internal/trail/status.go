package trail

import "time"

// Status is what delivery reports about a trail, for GetTrailStatus. Zero
// times mean "never"; error strings are empty when the last attempt worked.
type Status struct {
	LatestDeliveryTime             time.Time // last successful log file delivery
	LatestDeliveryAttemptTime      time.Time
	LatestDeliveryAttemptSucceeded time.Time
	LatestDeliveryError            string // S3 error code of the last failed delivery

	LatestNotificationTime             time.Time // last successful SNS notification
	LatestNotificationAttemptTime      time.Time
	LatestNotificationAttemptSucceeded time.Time
	LatestNotificationError            string

	LatestDigestDeliveryTime  time.Time
	LatestDigestDeliveryError string
}

// StatusSource reports delivery status by trail ID (Trail.ID). The delivery
// engine implements it; a trail it does not know has the zero Status.
type StatusSource interface {
	Status(trailID string) Status
}
