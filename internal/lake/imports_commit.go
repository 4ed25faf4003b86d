package lake

import (
	"context"
	"fmt"
	"time"
)

// fileChunk is rows read from one file; the file's last chunk has last set
// and, if the file failed, fail.
type fileChunk struct {
	job  fileJob
	rows []Row
	last bool
	fail *fileFailure
}

// fileFailure is why a file could not be (fully) imported.
type fileFailure struct {
	errorType, message string
}

// finishedFile is a file whose rows are all in the batch being built.
type finishedFile struct {
	job  fileJob
	fail *fileFailure
}

// commit collects chunks into batches of BatchSize rows, stores each batch
// and then records the files it finished, and saves progress at least
// every FlushInterval while anything changed.
func (r *importRunner) commit(ctx context.Context, chunks <-chan fileChunk) error {
	t := time.NewTicker(r.im.opts.FlushInterval)
	defer t.Stop()
	var rows []Row
	var files []finishedFile
	for {
		select {
		case c, ok := <-chunks:
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return r.flush(ctx, rows, files)
			}
			rows = append(rows, c.rows...)
			if c.last {
				files = append(files, finishedFile{job: c.job, fail: c.fail})
			}
			if len(rows) < r.im.opts.BatchSize {
				continue
			}
		case <-t.C:
			r.im.mu.Lock()
			dirty := r.dirty
			r.im.mu.Unlock()
			if len(rows) == 0 && len(files) == 0 && !dirty {
				continue
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := r.flush(ctx, rows, files); err != nil {
			return err
		}
		rows, files = nil, nil
	}
}

// flush stores rows in the destination, then counts the finished files
// and saves the import's progress.
func (r *importRunner) flush(ctx context.Context, rows []Row, files []finishedFile) error {
	stored := 0
	if len(rows) > 0 {
		n, err := r.im.opts.Engine.Import(ctx, r.store, rows)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &runError{errorType: ImportErrorDestination, location: r.dest, err: fmt.Errorf("store events into %s: %w", r.dest, err)}
		}
		stored = n
	}
	now := r.im.now()
	r.im.mu.Lock()
	rec := &r.st.rec
	rec.Import.Stats.EventsCompleted += int64(stored)
	for _, f := range files {
		r.finishFile(f, now)
	}
	rec.Import.Updated = now.Truncate(time.Millisecond)
	r.dirty = false
	r.im.notify()
	r.im.mu.Unlock()
	if err := r.im.save(r.st); err != nil {
		return &runError{errorType: ImportErrorInternal, location: r.uri, err: err}
	}
	return nil
}

// finishFile records a file as imported, or its failure. Callers hold im.mu.
func (r *importRunner) finishFile(f finishedFile, now time.Time) {
	rec := &r.st.rec
	if f.fail != nil {
		rec.upsertFailure(failureRecord{ImportFailure: ImportFailure{Location: s3url(r.bucket, f.job.key), Status: FailureFailed,
			ErrorType: f.fail.errorType, ErrorMessage: f.fail.message, LastUpdated: now}, Key: f.job.key})
	} else {
		rec.Import.Stats.FilesCompleted++
		rec.resolveFailures(now, func(fr *failureRecord) bool { return fr.Key == f.job.key })
	}
	if f.job.prefix >= 0 {
		r.fileDone(f.job.prefix, f.job.key)
	}
}
