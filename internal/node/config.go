package node

import (
	"time"

	s3store "github.com/cairn-audit/cairn/internal/bucket/s3"
	"github.com/cairn-audit/cairn/internal/cloudtrail"
	"github.com/cairn-audit/cairn/internal/delivery"
	"github.com/cairn-audit/cairn/internal/digest"
	"github.com/cairn-audit/cairn/internal/gateway"
	"github.com/cairn-audit/cairn/internal/lake"
	"github.com/cairn-audit/cairn/internal/lakedb"
	"github.com/cairn-audit/cairn/internal/lakeproc"
	"github.com/cairn-audit/cairn/internal/outbound"
)

// Defaults of a node's address, data dir and region.
const (
	DefaultListen = "127.0.0.1:4590"
	DefaultData   = "./cairn-data"
	DefaultRegion = "us-east-1"
)

// JournalTrimEvery is how often journal segments every consumer has passed
// are deleted.
const JournalTrimEvery = time.Minute

// Config is a node's settings, every one resolved (see Resolve). The field
// comments name each default (DefaultConfig) and the serve flag setting it.
type Config struct {
	Listen  string // address to listen on; DefaultListen (--listen)
	DataDir string // the data dir (docs/DATA-DIR.md); DefaultData (--data)
	Region  string // region of the export lines, also accepted in SigV4 scopes; DefaultRegion (--region)
	// Regions are region names accepted in SigV4 scopes besides the AWS
	// partitions' and Region, comma-separated; "" (--regions). Resolve
	// parses them into ExtraRegions.
	Regions      string
	ExtraRegions []string // set by Resolve

	Retention       time.Duration // event history retention; cloudtrail.DefaultRetention, 90 days (--retention)
	LookupRateLimit float64       // LookupEvents per second per account and region; 0 = unlimited (--lookup-rate-limit)
	TLSCert, TLSKey string        // PEM files: serve HTTPS; both or neither; "" (--tls-cert, --tls-key)
	DebugListen     string        // address serving Go pprof profiles; "" = off (--debug-listen)

	DeliveryInterval time.Duration     // trail log file delivery; delivery.DefaultInterval, at least delivery.MinInterval (--delivery-interval)
	DigestInterval   time.Duration     // digest files; delivery.DefaultDigestInterval, at least delivery.MinDigestInterval (--digest-interval)
	SNSTopics        map[string]string // SNS topic name to the URL notifications are POSTed to; none (--sns-topic)
	NotifyTimeout    time.Duration     // one SNS notification POST; delivery.DefaultNotifyTimeout (--sns-timeout)

	Digests DigestConfig
	S3      S3Config
	Lake    LakeConfig

	// Upstreams are the recording gateway's routes: service signing name
	// ("*": every service Cairn does not serve) to URL; none (--upstream).
	Upstreams map[string]string
	// UpstreamDeadlines bound the calls to Upstreams; gateway.DefaultDialTimeout,
	// gateway.DefaultResponseHeaderTimeout, outbound.DefaultStallTimeout
	// (--upstream-connect-timeout, -response-header-timeout, -stall-timeout).
	UpstreamDeadlines Deadlines
	// UpstreamPassthrough forwards, unverified, gateway calls signed with
	// unknown access keys; false (--upstream-passthrough-unknown-keys).
	UpstreamPassthrough bool

	// Account, AccessKeyID and SecretAccessKey bootstrap the root account
	// on a new data dir; "" = generated ($CAIRN_ACCOUNT_ID,
	// $CAIRN_ACCESS_KEY_ID, $CAIRN_SECRET_ACCESS_KEY).
	Account, AccessKeyID, SecretAccessKey string
}

// Deadlines are the deadlines of one kind of outbound call (internal/outbound).
type Deadlines struct {
	Connect time.Duration // TCP and TLS connect
	Header  time.Duration // request sent to response headers
	Stall   time.Duration // longest wait for progress on a body
}

// DigestConfig protects digest history: the signing keys and the anchor.
type DigestConfig struct {
	KeyRotation time.Duration // how long a signing key signs; digest.DefaultRotation, 30 days (--key-rotation)
	// KEKFile holds the key-encryption key of the signing keys (outside the
	// data dir); "" = $CAIRN_KEY_ENCRYPTION_KEY, else none (--key-encryption-key-file).
	KEKFile string
	KEK     []byte // set by Resolve: the key-encryption key, nil without one
	KEKFrom string // set by Resolve: where KEK came from (the file or "$CAIRN_KEY_ENCRYPTION_KEY")
	// Anchor is the write-once anchor URL (s3://... or file:///...); "" = none (--anchor).
	Anchor string
	// AnchorAccessKeyID and AnchorSecretAccessKey sign for an s3:// anchor;
	// "" = $CAIRN_ANCHOR_ACCESS_KEY_ID/$CAIRN_ANCHOR_SECRET_ACCESS_KEY, else
	// S3's keys as given (never the root keys).
	AnchorAccessKeyID, AnchorSecretAccessKey string
}

// S3Config chooses where trail buckets live: the embedded store under the
// data dir (Endpoint "", also served over Cairn's S3 API) or an external
// S3-compatible endpoint.
type S3Config struct {
	Endpoint string // external endpoint; "" = embedded; with Upstreams["s3"] Resolve sets it (--s3-endpoint)
	Region   string // signing region; "us-east-1" (--s3-region)
	// AccessKeyID and SecretAccessKey sign for Endpoint; ""
	// = $CAIRN_S3_ACCESS_KEY_ID/$CAIRN_S3_SECRET_ACCESS_KEY (--s3-access-key-id, --s3-secret-access-key).
	AccessKeyID, SecretAccessKey string
	// RootKeys signs for Endpoint with the account's root keys when no
	// keys are given: set by Resolve when S3 goes upstream (an upstream
	// sharing Cairn's keys).
	RootKeys         bool
	PathStyle        bool          // path-style URLs (false: virtual-host style); true (--s3-path-style)
	Deadlines        Deadlines     // outbound.Default*Timeout (--s3-connect-timeout, ...)
	OperationTimeout time.Duration // one operation with its retries; s3store.DefaultOperationTimeout (--s3-operation-timeout)
}

// Embedded reports whether buckets live in the embedded store.
func (c S3Config) Embedded() bool { return c.Endpoint == "" }

// LakeConfig bounds the Lake.
type LakeConfig struct {
	MemoryLimit string // DuckDB memory_limit of the engine; lakedb.DefaultMemoryLimit (--lake-memory-limit)
	// MemoryMargin is the engine process's address space beyond
	// MemoryLimit, e.g. "512MiB"; lakeproc.DefaultMargin (--lake-memory-margin).
	// Resolve parses it into Margin.
	MemoryMargin string
	Margin       int64         // set by Resolve
	QueryTimeout time.Duration // lake.DefaultQueryTimeout (--query-timeout)
	QueryWorkers int           // queries run at once; lake.DefaultQueryWorkers (--query-workers)
}

// DefaultConfig is the configuration of a plain `cairn serve`.
func DefaultConfig() Config {
	return Config{
		Listen: DefaultListen, DataDir: DefaultData, Region: DefaultRegion,
		Retention:        cloudtrail.DefaultRetention,
		DeliveryInterval: delivery.DefaultInterval, DigestInterval: delivery.DefaultDigestInterval,
		NotifyTimeout: delivery.DefaultNotifyTimeout, SNSTopics: map[string]string{},
		Digests: DigestConfig{KeyRotation: digest.DefaultRotation},
		S3: S3Config{Region: "us-east-1", PathStyle: true, OperationTimeout: s3store.DefaultOperationTimeout,
			Deadlines: Deadlines{outbound.DefaultDialTimeout, outbound.DefaultResponseHeaderTimeout, outbound.DefaultStallTimeout}},
		Lake: LakeConfig{MemoryLimit: lakedb.DefaultMemoryLimit, MemoryMargin: formatMiB(lakeproc.DefaultMargin),
			QueryTimeout: lake.DefaultQueryTimeout, QueryWorkers: lake.DefaultQueryWorkers},
		Upstreams:         map[string]string{},
		UpstreamDeadlines: Deadlines{gateway.DefaultDialTimeout, gateway.DefaultResponseHeaderTimeout, outbound.DefaultStallTimeout},
	}
}
