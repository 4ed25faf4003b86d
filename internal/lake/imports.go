package lake

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/bucket"
)

// Defaults for ImportsOptions.
const (
	// DefaultImportWorkers is how many log files one import reads at once.
	DefaultImportWorkers = 8
	// DefaultImportBatch is how many rows go into one Engine.Import call.
	DefaultImportBatch = 10_000
	// DefaultImportFlushInterval bounds how long read rows wait for a full
	// batch, and so how stale the statistics and saved progress get.
	DefaultImportFlushInterval = 2 * time.Second
	// DefaultImportDeliveryLag is how long after an event its log file may
	// have been delivered: with an EndEventTime, files delivered up to this
	// long after it are still read (their events are then filtered by
	// eventTime).
	DefaultImportDeliveryLag = time.Hour
)

// Import statuses (the API's ImportStatus).
const (
	ImportInitializing = "INITIALIZING" // listing the source's prefixes
	ImportInProgress   = "IN_PROGRESS"
	ImportFailed       = "FAILED" // finished with failures, or could not go on
	ImportStopped      = "STOPPED"
	ImportCompleted    = "COMPLETED"
)

// Import failure statuses (the API's ImportFailureStatus).
const (
	FailureFailed    = "FAILED"
	FailureRetry     = "RETRY" // a restarted import is trying the entry again
	FailureSucceeded = "SUCCEEDED"
)

// Import failure types (ImportFailureListItem.ErrorType).
const (
	ImportErrorRead         = "ObjectReadError"    // the object could not be read
	ImportErrorDecompress   = "DecompressionError" // not gzip, or a corrupt gzip stream
	ImportErrorParse        = "ParseError"         // not a {"Records":[...]} JSON log file
	ImportErrorInvalidEvent = "InvalidEventError"  // records without eventID or eventTime (skipped)
	ImportErrorList         = "ListError"          // a prefix of the source could not be listed
	ImportErrorDestination  = "DestinationError"   // the destination store is gone or refused events
	ImportErrorInternal     = "InternalError"      // progress could not be saved
)

// Errors of Imports; returned errors wrap them.
var (
	ErrImportNotFound          = errors.New("lake: no such import")
	ErrAccountHasOngoingImport = errors.New("lake: the account has an import in progress")
	ErrImportNotRestartable    = errors.New("lake: only a stopped or failed import can be restarted")
	ErrImportNotStoppable      = errors.New("lake: the import has already finished")
	ErrInvalidImport           = errors.New("lake: invalid import")
	ErrImportsClosed           = errors.New("lake: imports closed")
)

// ImportSource is where an import reads trail log files (the API's
// S3ImportSource).
type ImportSource struct {
	S3LocationURI         string `json:"s3LocationUri"` // s3://bucket[/prefix]
	S3BucketRegion        string `json:"s3BucketRegion"`
	S3BucketAccessRoleARN string `json:"s3BucketAccessRoleArn"`
}

// ImportStatistics are an import's counters (the API's ImportStatistics).
type ImportStatistics struct {
	PrefixesFound     int64 `json:"prefixesFound"`     // region/day folders to read
	PrefixesCompleted int64 `json:"prefixesCompleted"` // folders whose every file was tried
	FilesCompleted    int64 `json:"filesCompleted"`    // log files imported without failure
	EventsCompleted   int64 `json:"eventsCompleted"`   // events stored (not those already in the store)
	FailedEntries     int64 `json:"failedEntries"`     // failures not (yet) resolved by a retry
}

// Import is one import as the API shows it.
type Import struct {
	ID           string       `json:"id"` // lower-case UUID
	Account      string       `json:"account"`
	Region       string       `json:"region"`       // where it was started (its destination's region)
	Destinations []string     `json:"destinations"` // event data store ARNs (exactly one)
	Source       ImportSource `json:"source"`
	// StartEventTime and EndEventTime bound the imported events' eventTime
	// (inclusive); zero for unbounded.
	StartEventTime time.Time        `json:"startEventTime,omitzero"`
	EndEventTime   time.Time        `json:"endEventTime,omitzero"`
	Status         string           `json:"status"`
	Created        time.Time        `json:"created"`
	Updated        time.Time        `json:"updated"`
	Stats          ImportStatistics `json:"stats"`
}

// ImportFailure is one thing an import could not do (the API's
// ImportFailureListItem).
type ImportFailure struct {
	Location     string    `json:"location"` // s3://bucket/key of the file, folder or source
	Status       string    `json:"status"`
	ErrorType    string    `json:"errorType"`
	ErrorMessage string    `json:"errorMessage"`
	LastUpdated  time.Time `json:"lastUpdated"`
}

// ImportsOptions configure Imports.
type ImportsOptions struct {
	Dir     string       // one progress file per import; required
	Engine  Engine       // receives the events (Engine.Import); required
	Stores  StoreLookup  // resolves destinations when an import runs (*Stores); required
	Buckets bucket.Store // where S3LocationUri buckets live; required
	Now     func() time.Time
	Logger  *slog.Logger

	Workers       int           // files read at once per import; default DefaultImportWorkers
	BatchSize     int           // rows per Engine.Import; default DefaultImportBatch
	FlushInterval time.Duration // default DefaultImportFlushInterval
	DeliveryLag   time.Duration // default DefaultImportDeliveryLag
}

func (o ImportsOptions) withDefaults() ImportsOptions {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Workers <= 0 {
		o.Workers = DefaultImportWorkers
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultImportBatch
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultImportFlushInterval
	}
	if o.DeliveryLag <= 0 {
		o.DeliveryLag = DefaultImportDeliveryLag
	}
	return o
}

// Imports copies events from trail log files in buckets into event data
// stores. Each import's definition and progress live in <Dir>/<id>.json,
// replaced atomically as it advances, so an import running when the process
// stops resumes where it was at the next Run (files read again are harmless:
// Engine.Import skips events the store already holds).
type Imports struct {
	opts ImportsOptions

	mu       sync.Mutex
	imports  map[string]*importState // by ID
	reserved map[string]*reservation // staged starts and restarts, by account
	changed  chan struct{}           // closed and replaced when an import changes
	wake     chan struct{}           // capacity 1: Run has imports to launch
	stop     chan struct{}           // closed by Close
	closed   bool
	running  bool // Run is active
	runs     sync.WaitGroup

	// write persists a file atomically (guarded by mu); replaced in tests
	// to inject failures.
	write func(path string, data []byte) error
}

// importState is one import: its record (guarded by Imports.mu) and the
// goroutine running it. saveMu orders writes of its file.
type importState struct {
	rec    importRecord
	run    *importRun // non-nil while a goroutine runs the import
	saveMu sync.Mutex
}

type importRun struct{ cancel func() }

// reservation holds an account's ongoing-import slot for a staged start or
// restart until it commits or aborts.
type reservation struct {
	id           string
	destinations []string
}

// NewImports opens the import records in opts.Dir (creating it). Imports
// that were INITIALIZING or IN_PROGRESS resume when Run starts.
func NewImports(opts ImportsOptions) (*Imports, error) {
	if opts.Dir == "" || opts.Engine == nil || opts.Stores == nil || opts.Buckets == nil {
		return nil, errors.New("lake: ImportsOptions.Dir, Engine, Stores and Buckets are required")
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(opts.Dir, importDirPerm); err != nil {
		return nil, fmt.Errorf("create import dir: %w", err)
	}
	im := &Imports{
		opts: opts, imports: map[string]*importState{}, reserved: map[string]*reservation{},
		changed: make(chan struct{}), wake: make(chan struct{}, 1), stop: make(chan struct{}),
		write: writeImportFile,
	}
	if err := im.load(); err != nil {
		return nil, err
	}
	return im, nil
}

// Close stops Run (waiting for the running imports to save their progress;
// they resume at the next Run) and refuses further changes.
func (im *Imports) Close() error {
	im.mu.Lock()
	if im.closed {
		im.mu.Unlock()
		return nil
	}
	im.closed = true
	close(im.stop)
	im.mu.Unlock()
	im.runs.Wait()
	return nil
}

// notify wakes waiters for import changes. Callers hold im.mu.
func (im *Imports) notify() {
	close(im.changed)
	im.changed = make(chan struct{})
}

// kick asks Run to launch imports that are due.
func (im *Imports) kick() {
	select {
	case im.wake <- struct{}{}:
	default:
	}
}

func (im *Imports) now() time.Time { return im.opts.Now().UTC() }

// active reports whether an import in status is (to be) running.
func active(status string) bool {
	return status == ImportInitializing || status == ImportInProgress
}

// storeIDOf is the store ID of an event data store ARN (or ID).
func storeIDOf(ref string) string {
	return ref[strings.LastIndexByte(ref, '/')+1:]
}
