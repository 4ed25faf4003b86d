package lake

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// importRunner is one run of an import: discovery if not done yet, then
// the pipeline of a producer listing folders, Workers readers decoding
// files, and a committer storing rows in batches and recording progress.
type importRunner struct {
	im     *Imports
	st     *importState
	bucket string
	prefix string
	uri    string
	dest   string // destination store ARN
	store  string // its ID, Row.Store
	window importWindow
	cutoff time.Time // the destination's retention: older events are not imported

	// Guarded by im.mu.
	prefixes map[int]*prefixRun // runtime state of the folders being read, by index
	dirty    bool               // progress changed since the last save
}

// prefixRun is a folder being read: the files queued and not yet counted
// into its watermark, in key order, and whether listing it has finished.
type prefixRun struct {
	pending []string
	listed  bool
}

// fileJob is a log file to read: its key and its folder's index (-1 for a
// file retried from the failure list).
type fileJob struct {
	key    string
	prefix int
}

// newImportRunner resolves the import's destination and source.
func newImportRunner(im *Imports, st *importState) (*importRunner, error) {
	im.mu.Lock()
	rec := st.rec.Import
	im.mu.Unlock()
	r := &importRunner{im: im, st: st, uri: rec.Source.S3LocationURI, prefixes: map[int]*prefixRun{},
		window: importWindow{start: rec.StartEventTime, end: rec.EndEventTime, lag: im.opts.DeliveryLag}}
	var err error
	if r.bucket, r.prefix, err = ParseImportURI(r.uri); err != nil {
		return nil, &runError{errorType: ImportErrorInternal, location: r.uri, err: err}
	}
	if len(rec.Destinations) != 1 {
		return nil, &runError{errorType: ImportErrorInternal, location: r.uri, err: fmt.Errorf("import has %d destinations", len(rec.Destinations))}
	}
	r.dest = rec.Destinations[0]
	eds, ok := im.opts.Stores.Get(r.dest)
	if !ok || eds.Status == StatusPendingDeletion {
		return nil, &runError{errorType: ImportErrorDestination, location: r.dest, err: fmt.Errorf("event data store %s no longer exists", r.dest)}
	}
	r.store = eds.ID
	if eds.RetentionPeriod > 0 {
		r.cutoff = eds.Cutoff(im.now())
	}
	return r, nil
}

// run discovers the source's folders (once per import) and imports them.
func (r *importRunner) run(ctx context.Context) error {
	if err := r.discover(ctx); err != nil {
		return err
	}
	return r.pipeline(ctx)
}

func (r *importRunner) discover(ctx context.Context) error {
	r.im.mu.Lock()
	done := r.st.rec.Discovered
	r.im.mu.Unlock()
	if done {
		return nil
	}
	found, err := discoverPrefixes(ctx, r.im.opts.Buckets, r.bucket, r.prefix, r.window)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &runError{errorType: ImportErrorList, location: r.uri, err: err}
	}
	r.im.mu.Lock()
	rec := &r.st.rec
	rec.Prefixes = make([]prefixProgress, 0, len(found))
	for _, p := range found {
		rec.Prefixes = append(rec.Prefixes, prefixProgress{Path: p})
	}
	rec.Discovered = true
	if rec.Import.Status == ImportInitializing {
		rec.Import.Status = ImportInProgress
	}
	rec.Import.Updated = r.im.now().Truncate(time.Millisecond)
	r.im.notify()
	r.im.mu.Unlock()
	if err := r.im.save(r.st); err != nil {
		return &runError{errorType: ImportErrorInternal, location: r.uri, err: err}
	}
	return nil
}

// pipeline reads every file not done yet and stores its events.
func (r *importRunner) pipeline(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := r.im.opts.Workers
	jobs := make(chan fileJob, workers)
	chunks := make(chan fileChunk, workers)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		r.produce(ctx, jobs)
	})
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				r.read(ctx, j, chunks)
			}
		})
	}
	go func() {
		wg.Wait()
		close(chunks)
	}()
	err := r.commit(ctx, chunks)
	cancel()
	for range chunks { // let the producer and workers see ctx and exit
	}
	return err
}

// produce queues the files retried from the failure list, then the files
// of every folder not done, in order.
func (r *importRunner) produce(ctx context.Context, jobs chan<- fileJob) {
	r.im.mu.Lock()
	var retry []string
	for _, f := range r.st.rec.Failures {
		if f.Status == FailureRetry && f.Key != "" {
			retry = append(retry, f.Key)
		}
	}
	n := len(r.st.rec.Prefixes)
	r.im.mu.Unlock()
	for _, k := range retry {
		select {
		case jobs <- fileJob{key: k, prefix: -1}:
		case <-ctx.Done():
			return
		}
	}
	for i := range n {
		r.im.mu.Lock()
		p := r.st.rec.Prefixes[i]
		p.DoneKeys = slices.Clone(p.DoneKeys)
		r.im.mu.Unlock()
		if p.Done {
			continue
		}
		if err := r.listPrefix(ctx, i, p, jobs); err != nil {
			if ctx.Err() != nil {
				return
			}
			now := r.im.now()
			r.im.mu.Lock()
			r.st.rec.upsertFailure(failureRecord{ImportFailure: ImportFailure{Location: s3url(r.bucket, p.Path), Status: FailureFailed,
				ErrorType: ImportErrorList, ErrorMessage: err.Error(), LastUpdated: now}, Prefix: p.Path})
			r.dirty = true
			r.im.mu.Unlock()
		}
	}
}

// listPrefix queues the log files of folder i that are not done and may
// hold events of the window.
func (r *importRunner) listPrefix(ctx context.Context, i int, p prefixProgress, jobs chan<- fileJob) error {
	pr := &prefixRun{}
	r.im.mu.Lock()
	r.prefixes[i] = pr
	r.im.mu.Unlock()
	err := listLogFolder(ctx, r.im.opts.Buckets, r.bucket, p.Path, p.After, func(key string) error {
		if !r.window.fileMayHold(key) {
			return nil
		}
		if _, done := slices.BinarySearch(p.DoneKeys, key); done {
			return nil
		}
		r.im.mu.Lock()
		pr.pending = append(pr.pending, key)
		r.im.mu.Unlock()
		select {
		case jobs <- fileJob{key: key, prefix: i}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		return err
	}
	r.im.mu.Lock()
	pr.listed = true
	r.completePrefix(i)
	r.im.mu.Unlock()
	return nil
}

// fileDone counts a file (imported or failed) into its folder's watermark.
// Callers hold im.mu.
func (r *importRunner) fileDone(i int, key string) {
	p, pr := &r.st.rec.Prefixes[i], r.prefixes[i]
	if j, found := slices.BinarySearch(p.DoneKeys, key); !found {
		p.DoneKeys = slices.Insert(p.DoneKeys, j, key)
	}
	for pr != nil && len(pr.pending) > 0 {
		j, found := slices.BinarySearch(p.DoneKeys, pr.pending[0])
		if !found {
			break
		}
		p.After = pr.pending[0]
		p.DoneKeys = slices.Delete(p.DoneKeys, j, j+1)
		pr.pending = pr.pending[1:]
	}
	r.completePrefix(i)
}

// completePrefix marks folder i done once it is listed and every file
// queued from it is done. Callers hold im.mu.
func (r *importRunner) completePrefix(i int) {
	p, pr := &r.st.rec.Prefixes[i], r.prefixes[i]
	if pr == nil || !pr.listed || len(pr.pending) > 0 || p.Done {
		return
	}
	p.Done, p.After, p.DoneKeys = true, "", nil
	r.st.rec.resolveFailures(r.im.now(), func(f *failureRecord) bool { return f.Prefix == p.Path })
	r.dirty = true
}
