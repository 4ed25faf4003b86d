package lake

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// readBufferSize is the read buffer in front of a log file's gzip stream.
const readBufferSize = 64 << 10

// errReadStopped ends a read whose consumer stopped it.
var errReadStopped = errors.New("read stopped")

// Errors of ReadLogFile, by what is wrong with the file; returned errors wrap one.
var (
	ErrLogNotGzip       = errors.New("not a gzip file, or corrupt gzip data")
	ErrLogNotCloudTrail = errors.New(`not a CloudTrail log file ({"Records":[...]})`)
)

// ReadLogFile decodes a gzip'd trail log file, {"Records":[...]}, from r
// into rows of store (each record verbatim), passing them to emit in
// batches of at most batch rows; an emit error stops the read and is
// returned. Records without an eventID or a valid eventTime are skipped and
// counted. Errors of r are returned as they are; a file that is not gzip or
// not a log file wraps ErrLogNotGzip or ErrLogNotCloudTrail.
func ReadLogFile(r io.Reader, store string, batch int, emit func([]Row) error) (skipped int, err error) {
	var emitErr error
	d := &logDecoder{store: store, batch: max(batch, 1), keep: func(time.Time) bool { return true },
		emit: func(rows []Row) bool { emitErr = emit(rows); return emitErr == nil }}
	ferr := decodeLog(r, d)
	switch {
	case emitErr != nil:
		return d.invalid, emitErr
	case ferr != nil:
		return d.invalid, ferr.err
	}
	if len(d.rows) > 0 {
		if err := emit(d.rows); err != nil {
			return d.invalid, err
		}
	}
	return d.invalid, nil
}

// read reads one log file and sends its rows to out, in chunks of at most
// BatchSize, the last one marked (with the failure, if any). Nothing more
// is sent once ctx ends.
func (r *importRunner) read(ctx context.Context, job fileJob, out chan<- fileChunk) {
	send := func(c fileChunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	d := &logDecoder{store: r.store, batch: r.im.opts.BatchSize,
		keep: func(t time.Time) bool { return r.window.hasEvent(t) && !t.Before(r.cutoff) },
		emit: func(rows []Row) bool { return send(fileChunk{job: job, rows: rows}) }}
	fail := r.readFile(ctx, job.key, d)
	if ctx.Err() != nil {
		return
	}
	send(fileChunk{job: job, rows: d.rows, last: true, fail: fail})
}

// readFile reads the object key through d. A file that cannot be read or
// decoded, or has records without eventID or eventTime, returns a failure;
// the rows decoded before it are kept.
func (r *importRunner) readFile(ctx context.Context, key string, d *logDecoder) *fileFailure {
	loc := s3url(r.bucket, key)
	body, _, err := r.im.opts.Buckets.Get(ctx, r.bucket, key, nil)
	if err != nil {
		return &fileFailure{ImportErrorRead, fmt.Sprintf("read %s: %v", loc, err)}
	}
	defer body.Close()
	if ferr := decodeLog(body, d); ferr != nil {
		if errors.Is(ferr.err, errReadStopped) {
			return nil
		}
		return &fileFailure{ferr.errorType, fmt.Sprintf("%s: %v", loc, ferr.err)}
	}
	if d.invalid > 0 {
		return &fileFailure{ImportErrorInvalidEvent, fmt.Sprintf("%s: %d of %d records have no eventID or no valid eventTime and were skipped", loc, d.invalid, d.total)}
	}
	return nil
}

// errorReader remembers the first error other than io.EOF its reader returned.
type errorReader struct {
	r   io.Reader
	err error
}

func (e *errorReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// logFileError is why a log file could not be decoded (to the end), with
// its import failure type.
type logFileError struct {
	errorType string
	err       error
}

// decodeLog streams a gzip'd log file from body through d and checks the
// gzip trailer (its checksum) at the end.
func decodeLog(body io.Reader, d *logDecoder) *logFileError {
	raw := &errorReader{r: body}
	zr, err := gzip.NewReader(bufio.NewReaderSize(raw, readBufferSize))
	if err != nil {
		if raw.err != nil {
			return &logFileError{ImportErrorRead, raw.err}
		}
		return &logFileError{ImportErrorDecompress, fmt.Errorf("%w: %v", ErrLogNotGzip, err)}
	}
	unzipped := &errorReader{r: zr}
	d.dec = json.NewDecoder(unzipped)
	err = d.decode()
	if err == nil {
		_, err = io.Copy(io.Discard, unzipped) // reach the gzip trailer: its checksum is checked there
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errReadStopped):
		return &logFileError{"", err}
	case raw.err != nil:
		return &logFileError{ImportErrorRead, raw.err}
	case unzipped.err != nil:
		return &logFileError{ImportErrorDecompress, fmt.Errorf("%w after %d records: %v", ErrLogNotGzip, d.total, unzipped.err)}
	}
	return &logFileError{ImportErrorParse, fmt.Errorf("%w: after %d records: %v", ErrLogNotCloudTrail, d.total, err)}
}

// logDecoder decodes one log file's records into rows of store: those whose
// eventTime keep accepts. Full batches go to emit (false stops the read);
// rows holds the rest.
type logDecoder struct {
	store          string
	batch          int
	keep           func(time.Time) bool
	emit           func([]Row) bool
	dec            *json.Decoder
	rows           []Row
	total, invalid int
}

// decode reads {"Records":[record, ...]} (other members are skipped).
func (d *logDecoder) decode() error {
	if err := d.delim('{'); err != nil {
		return err
	}
	found := false
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		if tok != "Records" {
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		found = true
		if err := d.records(); err != nil {
			return err
		}
	}
	if err := d.delim('}'); err != nil {
		return err
	}
	if !found {
		return errors.New("no Records member")
	}
	return nil
}

func (d *logDecoder) records() error {
	if err := d.delim('['); err != nil {
		return fmt.Errorf("the Records member: %w", err)
	}
	for d.dec.More() {
		var raw json.RawMessage
		if err := d.dec.Decode(&raw); err != nil {
			return err
		}
		d.total++
		d.add(raw)
		if len(d.rows) >= d.batch {
			if !d.emit(d.rows) {
				return errReadStopped
			}
			d.rows = nil
		}
	}
	return d.delim(']')
}

// add turns a record into a row if keep accepts its eventTime.
func (d *logDecoder) add(raw json.RawMessage) {
	var m struct {
		EventID   string `json:"eventID"`
		EventTime string `json:"eventTime"`
	}
	if json.Unmarshal(raw, &m) != nil || m.EventID == "" {
		d.invalid++
		return
	}
	t, err := time.Parse(time.RFC3339, m.EventTime)
	if err != nil {
		d.invalid++
		return
	}
	if t = t.UTC(); d.keep(t) {
		d.rows = append(d.rows, Row{Store: d.store, Time: t, EventID: m.EventID, Record: raw})
	}
}

func (d *logDecoder) delim(want json.Delim) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("found %v where %v belongs", tok, want)
	}
	return nil
}
