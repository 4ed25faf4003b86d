// Package delivery writes each trail's events to its bucket as CloudTrail log
// files. Every trail has a worker that follows the durable event stream from
// its own durable cursor, batches the events its selectors match, and writes
// one gzip JSON file per region per batch in the AWS key layout.
//
// Delivery is at-least-once at the storage layer and exactly-once in effect:
// a batch is cut, spooled to local disk and recorded as pending (with the
// object keys it will use) before any upload; after a crash or a storage
// outage the same files are uploaded again under the same keys, so a retried
// batch overwrites itself instead of producing a second copy. The cursor moves
// past a batch only once all its files are stored. See docs/DELIVERY.md.
package delivery

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/cairn-audit/cairn/internal/anchor"
	"github.com/cairn-audit/cairn/internal/outbound"
)

// Defaults for Options.
const (
	// DefaultInterval is how often a trail cuts a batch, as AWS ("about every 5 minutes").
	DefaultInterval = 5 * time.Minute
	// MinInterval is the shortest interval the command line accepts (tests
	// may use shorter ones).
	MinInterval = time.Second
	// DefaultMaxBatchBytes bounds the uncompressed record bytes of one batch
	// (all regions); AWS caps a log file at 50 MB compressed.
	DefaultMaxBatchBytes = 64 << 20
	// DefaultMaxBatchEvents bounds the events of one batch.
	DefaultMaxBatchEvents = 200_000
	// DefaultRetryMin and DefaultRetryMax bound the backoff after a failed upload.
	DefaultRetryMin = time.Second
	DefaultRetryMax = time.Minute
	// DefaultNotifyTimeout bounds one SNS webhook call.
	DefaultNotifyTimeout = 10 * time.Second
	// readChunk is how many stream entries one journal read hands over.
	readChunk = 4096
)

// Options configure an Engine.
type Options struct {
	Dir            string        // state and spool directory; required
	Interval       time.Duration // batch interval; default DefaultInterval
	MaxBatchBytes  int           // default DefaultMaxBatchBytes
	MaxBatchEvents int           // default DefaultMaxBatchEvents
	RetryMin       time.Duration // default DefaultRetryMin
	RetryMax       time.Duration // default DefaultRetryMax
	// SNSTopics maps an SNS topic name to the webhook URL its notifications
	// are POSTed to (SNS HTTP notification format). Trails naming a topic not
	// in the map are not notified.
	SNSTopics     map[string]string
	NotifyTimeout time.Duration // default DefaultNotifyTimeout
	// DigestInterval is how often trails with log file validation write a
	// digest per region; default DefaultDigestInterval.
	DigestInterval time.Duration
	// Signer signs digests; without one, trails write no digests.
	Signer Signer
	// Anchor, if set, receives each digest's hash and signature after the
	// digest is stored and before its chain advances (see digests.go).
	Anchor anchor.Sink
	// Outbound sets the deadlines of notification requests (connect, TLS,
	// response headers, progress); their overall deadline is NotifyTimeout.
	// Zero fields take outbound's defaults.
	Outbound   outbound.Options
	HTTPClient *http.Client // for notifications; default an outbound client with Outbound
	Now        func() time.Time
	Logger     *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if o.MaxBatchEvents <= 0 {
		o.MaxBatchEvents = DefaultMaxBatchEvents
	}
	if o.RetryMin <= 0 {
		o.RetryMin = DefaultRetryMin
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(DefaultRetryMax, o.RetryMin)
	}
	if o.DigestInterval <= 0 {
		o.DigestInterval = DefaultDigestInterval
	}
	if o.NotifyTimeout <= 0 {
		o.NotifyTimeout = DefaultNotifyTimeout
	}
	if o.HTTPClient == nil {
		oo := o.Outbound
		oo.Name, oo.Timeout = "notification", o.NotifyTimeout
		oo.Proxy = http.ProxyFromEnvironment
		o.HTTPClient = outbound.NewClient(oo)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
