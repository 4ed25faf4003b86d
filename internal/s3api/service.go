// Package s3api serves an S3-compatible REST API (REST-XML protocol) over a
// bucket.Store, so that the aws CLI (aws s3 ..., aws s3api ...), boto3 and the
// SDKs can create buckets and read and write objects in Cairn's embedded
// object store, each call recorded as a CloudTrail event like S3 records it:
// bucket-level calls as management events, object-level calls as data events.
//
// Fail-closed: a write is staged in Handle and applied in Result.Commit,
// which the front door runs only once the call's event is durable. Object
// bodies go through bucket.Stager when the store implements it (the
// embedded store does: the object is fully written and fsync'd before the
// event is recorded and appears atomically at Commit). For a store without
// Stager the body is spooled to a temp file under Options.UploadDir and
// written to the store at Commit; the guarantee is weaker there: if that
// write fails after the event is recorded, the client gets a 500 but the
// event stays. Deletes and bucket creation and deletion are validated in
// Handle and applied at Commit.
//
// Access: the embedded store is one namespace whose buckets have owners; a
// caller may use only buckets its account owns (AccessDenied otherwise).
// There is no policy or ACL evaluation.
package s3api

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/api"
	"github.com/cairn-audit/cairn/internal/bucket"
)

// Wire constants.
const (
	signingName = "s3"
	eventSource = "s3.amazonaws.com"
	xmlns       = "http://s3.amazonaws.com/doc/2006-03-01/"
)

// Limits S3 applies.
const (
	// DefaultMaxObjectSize is the largest single PutObject or UploadPart body (5 GiB).
	DefaultMaxObjectSize = 5 << 30
	// DefaultMinPartSize is the smallest part but the last of a multipart upload (5 MiB).
	DefaultMinPartSize = 5 << 20
	maxKeyBytes        = 1024
	maxMetadataBytes   = 2 << 10
	maxXMLBody         = 4 << 20 // DeleteObjects (1000 keys), CompleteMultipartUpload (10000 parts)
	maxParts           = 10000
)

// DefaultVirtualHostSuffixes are the host names under which
// "<bucket>.<suffix>[:port]" addresses <bucket> (virtual-host style).
var DefaultVirtualHostSuffixes = []string{"localhost", "s3.localhost"}

// Options configure the service. Zero fields take the defaults.
type Options struct {
	// VirtualHostSuffixes: a request whose Host is "<bucket>.<suffix>"
	// (any port) addresses <bucket> virtual-host style; any other host
	// (an IP address, "localhost", a suffix itself) is path-style
	// ("/<bucket>/<key>"). Hosts of the form <bucket>.s3[.-]<...>.amazonaws.com
	// are always virtual-host style. Default DefaultVirtualHostSuffixes.
	VirtualHostSuffixes []string
	// UploadDir holds in-progress multipart uploads (and, for stores without
	// bucket.Stager, spooled bodies). Use a directory on the data disk, e.g.
	// <data>/s3-uploads. Default: <os.TempDir()>/cairn-s3-uploads.
	UploadDir string
	// MaxObjectSize bounds a PutObject or UploadPart body. Default DefaultMaxObjectSize.
	MaxObjectSize int64
	// MinPartSize is the smallest size of a multipart upload's parts but the
	// last (EntityTooSmall). Default DefaultMinPartSize.
	MinPartSize int64
	// Logger receives failures the client cannot be told about. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock for multipart upload times. Default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.VirtualHostSuffixes == nil {
		o.VirtualHostSuffixes = DefaultVirtualHostSuffixes
	}
	if o.UploadDir == "" {
		o.UploadDir = filepath.Join(os.TempDir(), "cairn-s3-uploads")
	}
	if o.MaxObjectSize <= 0 {
		o.MaxObjectSize = DefaultMaxObjectSize
	}
	if o.MinPartSize <= 0 {
		o.MinPartSize = DefaultMinPartSize
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Service is the S3 API over a bucket store.
type Service struct {
	store   bucket.Store
	opts    Options
	proto   Protocol
	uploads *uploadStore
	// uploadsLog is the multipart uploads' applied log (applied.go).
	uploadsLog uploadsLog
	// bucketMu serialises CreateBucket and DeleteBucket from validation in
	// Handle to Commit or Abort, so what Handle checked still holds at Commit.
	bucketMu sync.Mutex
}

var (
	_ api.Service      = (*Service)(nil)
	_ api.BodyStreamer = (*Service)(nil)
)

// New returns the S3 API over store.
func New(store bucket.Store, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{
		store:   store,
		opts:    opts,
		proto:   NewProtocol(opts.VirtualHostSuffixes),
		uploads: &uploadStore{dir: opts.UploadDir, now: opts.Now},
	}
}

func (s *Service) SigningName() string    { return signingName }
func (s *Service) EventSource() string    { return eventSource }
func (s *Service) Global() bool           { return false }
func (s *Service) Protocol() api.Protocol { return s.proto }

// StreamBody implements api.BodyStreamer: every S3 body is streamed (object
// bodies can be gigabytes; the small XML bodies are read by their handlers).
func (s *Service) StreamBody(*http.Request) bool { return true }

// Handle serves an authenticated call.
func (s *Service) Handle(ctx context.Context, c *api.Call) *api.Result {
	t := s.proto.target(c.Host, c.Path)
	op := lookupOperation(c.Method, t, c.Query, c.Header)
	rq := &request{c: c, op: op, bucket: t.bucket, key: t.key}
	var res *api.Result
	var err error
	switch {
	case op.serve == nil && op.name == "":
		err = errMethodNotAllowed(c.Method)
	case op.serve == nil:
		err = errNotImplemented(op.name)
	default:
		res, err = op.serve(s, ctx, rq)
	}
	if err != nil {
		res = s.errorResult(rq, err)
	}
	res.EventName = op.event
	res.ReadOnly = op.readOnly
	res.DataEvent = op.data
	res.RequestParameters = rq.requestParameters()
	res.Resources = rq.resources()
	return res
}
