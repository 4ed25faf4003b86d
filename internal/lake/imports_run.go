package lake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Run runs the imports that are initializing or in progress, and those
// started or restarted later, until ctx ends or Close is called. Imports
// still running then save their progress and stay IN_PROGRESS, to resume at
// the next Run.
func (im *Imports) Run(ctx context.Context) error {
	im.mu.Lock()
	if im.closed {
		im.mu.Unlock()
		return ErrImportsClosed
	}
	if im.running {
		im.mu.Unlock()
		return errors.New("lake: Imports.Run is already running")
	}
	im.running = true
	im.runs.Add(1)
	im.mu.Unlock()
	defer im.runs.Done()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for done := false; !done; {
		im.launch(ctx, &wg)
		select {
		case <-ctx.Done():
			done = true
		case <-im.stop:
			done = true
		case <-im.wake:
		}
	}
	cancel()
	wg.Wait()
	im.mu.Lock()
	im.running = false
	im.mu.Unlock()
	return nil
}

// launch starts a goroutine for every active import that has none, oldest first.
func (im *Imports) launch(ctx context.Context, wg *sync.WaitGroup) {
	im.mu.Lock()
	defer im.mu.Unlock()
	var due []*importState
	for _, st := range im.imports {
		if active(st.rec.Import.Status) && st.run == nil {
			due = append(due, st)
		}
	}
	slices.SortFunc(due, func(a, b *importState) int { return a.rec.Import.Created.Compare(b.rec.Import.Created) })
	for _, st := range due {
		rctx, cancel := context.WithCancel(ctx)
		st.run = &importRun{cancel: cancel}
		wg.Go(func() {
			defer cancel()
			im.runImport(rctx, st)
			im.mu.Lock()
			st.run = nil
			im.notify()
			im.mu.Unlock()
			im.kick() // it may have been restarted while it wound down
		})
	}
}

// runError is a failure of a whole run (not of one file): the import
// becomes FAILED with a failure entry at location.
type runError struct {
	errorType, location string
	err                 error
}

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// runImport runs one import until it finishes, fails, is stopped or ctx ends.
func (im *Imports) runImport(ctx context.Context, st *importState) {
	im.mu.Lock()
	id := st.rec.Import.ID
	im.mu.Unlock()
	log := im.opts.Logger.With("import", id)
	log.Info("import running")
	r, err := newImportRunner(im, st)
	if err == nil {
		err = r.run(ctx)
	}
	im.finish(ctx, st, err)
	if err := im.save(st); err != nil {
		// Nobody waits for this goroutine: the progress it could not save
		// is redone from the last saved state at the next start.
		log.Error("saving import progress failed", "err", err)
	}
	im.mu.Lock()
	v := st.rec.view()
	im.mu.Unlock()
	log.Info("import paused or finished", "status", v.Status, "files", v.Stats.FilesCompleted,
		"events", v.Stats.EventsCompleted, "failures", v.Stats.FailedEntries)
}

// finish sets the import's status after a run: unchanged if it was stopped
// or ctx ended (it resumes later), FAILED on err or when failures remain,
// else COMPLETED.
func (im *Imports) finish(ctx context.Context, st *importState, err error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	rec := &st.rec
	if ctx.Err() != nil || !active(rec.Import.Status) {
		return
	}
	now := im.now()
	rec.Import.Updated = now.Truncate(time.Millisecond)
	defer im.notify()
	if err != nil {
		var re *runError
		if !errors.As(err, &re) {
			re = &runError{errorType: ImportErrorInternal, location: rec.Import.Source.S3LocationURI, err: err}
		}
		im.opts.Logger.Error("import failed", "import", rec.Import.ID, "err", err)
		rec.upsertFailure(failureRecord{ImportFailure: ImportFailure{Location: re.location, Status: FailureFailed,
			ErrorType: re.errorType, ErrorMessage: re.Error(), LastUpdated: now}})
		rec.Import.Status = ImportFailed
		return
	}
	rec.Import.Status = ImportCompleted
	for i := range rec.Failures {
		f := &rec.Failures[i]
		if f.Status == FailureRetry {
			// Every file and folder was tried again: what is left is the
			// run-level entry of an earlier run, and this run went through.
			f.Status, f.LastUpdated = FailureSucceeded, now
			if f.Key != "" || f.Prefix != "" {
				f.Status = FailureFailed
			}
		}
		if f.Status == FailureFailed {
			rec.Import.Status = ImportFailed
		}
	}
}

// upsertFailure records f, replacing the entry of the same location.
func (r *importRecord) upsertFailure(f failureRecord) {
	for i := range r.Failures {
		if r.Failures[i].Location == f.Location {
			r.Failures[i].ImportFailure = f.ImportFailure
			return
		}
	}
	r.Failures = append(r.Failures, f)
}

// resolveFailures marks the entries match selects, being retried, as SUCCEEDED.
func (r *importRecord) resolveFailures(now time.Time, match func(*failureRecord) bool) {
	for i := range r.Failures {
		if f := &r.Failures[i]; f.Status == FailureRetry && match(f) {
			f.Status, f.LastUpdated = FailureSucceeded, now
		}
	}
}

func s3url(bucketName, key string) string { return fmt.Sprintf("s3://%s/%s", bucketName, key) }
