package lake

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// rowsPerIndexEntry is how many rows one index entry covers: reading a page
// seeks to the entry at or before its first row and skips fewer than this
// many rows.
const rowsPerIndexEntry = 1000

// resultFile is the ResultWriter a running query streams into: rows go to
// rows.jsonl, one JSON array of cells (strings, or null) per line, and the
// byte offset of every rowsPerIndexEntry-th row to rows.idx.
type resultFile struct {
	data, index       *os.File
	dataBuf, indexBuf *bufio.Writer
	off               int64 // bytes written to data
	columns           []string
	rows              int64
	err               error // the first write error; every later call returns it
}

func createResultFile(dir string) (*resultFile, error) {
	data, err := os.OpenFile(filepath.Join(dir, queryRowsName), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, queryFilePerm)
	if err != nil {
		return nil, fmt.Errorf("create result file: %w", err)
	}
	index, err := os.OpenFile(filepath.Join(dir, queryIndexName), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, queryFilePerm)
	if err != nil {
		data.Close()
		return nil, fmt.Errorf("create result index: %w", err)
	}
	return &resultFile{data: data, index: index, dataBuf: bufio.NewWriterSize(data, 64<<10), indexBuf: bufio.NewWriter(index)}, nil
}

// Columns implements ResultWriter.
func (w *resultFile) Columns(names []string) error {
	w.columns = append([]string(nil), names...)
	return nil
}

// Row implements ResultWriter.
func (w *resultFile) Row(values []Value) error {
	if w.err != nil {
		return w.err
	}
	if w.rows%rowsPerIndexEntry == 0 {
		if _, err := w.indexBuf.Write(binary.LittleEndian.AppendUint64(nil, uint64(w.off))); err != nil {
			w.err = fmt.Errorf("write result index: %w", err)
			return w.err
		}
	}
	line, err := encodeRow(values)
	if err != nil {
		w.err = err
		return err
	}
	if _, err := w.dataBuf.Write(line); err != nil {
		w.err = fmt.Errorf("write result row: %w", err)
		return w.err
	}
	w.off += int64(len(line))
	w.rows++
	return nil
}

// finish flushes, syncs and closes both files.
func (w *resultFile) finish() error {
	errs := []error{w.dataBuf.Flush(), w.indexBuf.Flush(), w.data.Sync(), w.index.Sync(), w.data.Close(), w.index.Close()}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("save results: %w", err)
	}
	return nil
}

// encodeRow is one line of rows.jsonl.
func encodeRow(values []Value) ([]byte, error) {
	cells := make([]*string, len(values))
	for i := range values {
		if !values[i].Null {
			cells[i] = &values[i].S
		}
	}
	b, err := json.Marshal(cells)
	if err != nil {
		return nil, fmt.Errorf("encode result row: %w", err)
	}
	return append(b, '\n'), nil
}

func decodeRow(line []byte) ([]Value, error) {
	var cells []*string
	if err := json.Unmarshal(line, &cells); err != nil {
		return nil, fmt.Errorf("decode result row: %w", err)
	}
	out := make([]Value, len(cells))
	for i, c := range cells {
		if c == nil {
			out[i].Null = true
		} else {
			out[i].S = *c
		}
	}
	return out, nil
}

// resultReader reads the rows of a stopped query from row `from` on.
type resultReader struct {
	f  *os.File
	br *bufio.Reader
}

// openResults opens dir's result file positioned at row from (< the rows stored).
func openResults(dir string, from int64) (*resultReader, error) {
	var off int64
	if entry := from / rowsPerIndexEntry; entry > 0 {
		idx, err := os.Open(filepath.Join(dir, queryIndexName))
		if err != nil {
			return nil, fmt.Errorf("open result index: %w", err)
		}
		var b [8]byte
		_, err = idx.ReadAt(b[:], entry*8)
		idx.Close()
		if err != nil {
			return nil, fmt.Errorf("read result index entry %d: %w", entry, err)
		}
		off = int64(binary.LittleEndian.Uint64(b[:]))
	}
	f, err := os.Open(filepath.Join(dir, queryRowsName))
	if err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek results: %w", err)
	}
	r := &resultReader{f: f, br: bufio.NewReaderSize(f, 64<<10)}
	for skip := from % rowsPerIndexEntry; skip > 0; skip-- {
		if err := r.skip(); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

func (r *resultReader) skip() error {
	for {
		_, err := r.br.ReadSlice('\n')
		if err == nil {
			return nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("read results: %w", err)
		}
	}
}

// next reads the next row.
func (r *resultReader) next() ([]Value, error) {
	line, err := r.br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return decodeRow(line)
}

func (r *resultReader) Close() error { return r.f.Close() }

// readRows reads up to limit rows of dir's results from row from on; total
// is how many rows are stored.
func readRows(dir string, from, total int64, limit int) ([][]Value, error) {
	n := min(int64(limit), total-from)
	if n <= 0 {
		return nil, nil
	}
	r, err := openResults(dir, from)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([][]Value, 0, n)
	for range n {
		row, err := r.next()
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}
