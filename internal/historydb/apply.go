package historydb

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/fsutil"
	"github.com/marcboeker/go-duckdb"
)

// Apply tuning.
const (
	// filterSaveEvery: the filters of changed partitions are written in the
	// Apply transaction once this many rows have been applied since the last
	// save, bounding the catch-up scan after a crash.
	filterSaveEvery = 1 << 18
	// appendFlushRows bounds the rows the appender buffers in C memory.
	appendFlushRows = 1 << 14
)

// Apply atomically adds entries and sets the cursor to through: either all
// rows and the new cursor commit, or nothing changes. Entries with seq <= the
// current cursor are re-deliveries and are skipped; through must not be
// behind the cursor nor below any entry's seq. entries may be empty to just
// advance the cursor. Entries may fall in any partition, old or new.
func (h *History) Apply(ctx context.Context, entries []event.Entry, through uint64) error {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed.Load() {
		return ErrClosed
	}
	if err := h.recover(ctx); err != nil {
		return fmt.Errorf("store: apply through %d: %w", through, err)
	}
	cur := h.cursor.Load()
	if through < cur {
		return fmt.Errorf("store: apply through %d: behind cursor %d", through, cur)
	}
	groups := map[time.Time][]int{}
	n := 0
	for i := range entries {
		e := &entries[i]
		if e.Seq > through {
			return fmt.Errorf("store: apply through %d: entry seq %d is beyond it", through, e.Seq)
		}
		if e.Seq <= cur {
			continue
		}
		start := partitionStart(e.Meta.Time, h.width)
		groups[start] = append(groups[start], i)
		n++
	}
	if through == cur && n == 0 {
		return nil
	}
	starts := make([]time.Time, 0, len(groups))
	for s := range groups {
		starts = append(starts, s)
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })

	set := h.parts.Load()
	var created []*partition
	touched := make([]*partition, 0, len(starts))
	logEnds := make([]int64, 0, len(starts)) // each touched log's end after this Apply
	save := h.sinceSave+n >= filterSaveEvery
	err := h.inTx(ctx, func(tx *rawTx) error {
		for _, start := range starts {
			p := set.find(start)
			if p == nil {
				var err error
				if p, err = h.createPartition(tx, start, set); err != nil {
					return err
				}
				created = append(created, p)
			}
			touched = append(touched, p)
			end, err := h.appendRows(tx, p, entries, groups[start])
			if err != nil {
				return fmt.Errorf("partition %s: %w", p.name, err)
			}
			logEnds = append(logEnds, end)
			p.dirty = true
		}
		// Frames must be durable before the rows that point at them.
		for _, p := range touched {
			if err := p.log.sync(); err != nil {
				return err
			}
		}
		if len(created) > 0 {
			if err := fsutil.SyncDir(h.recordsDir); err != nil {
				return err
			}
			if err := tx.exec(eventsViewSQL(set.with(created...).parts, h.version)); err != nil {
				return err
			}
		}
		if save {
			if err := h.saveFiltersTx(tx, through, created...); err != nil {
				return err
			}
		}
		return tx.exec("UPDATE "+stateTable+" SET cursor = $1", through)
	})
	if err != nil {
		err = fmt.Errorf("store: apply through %d: %w", through, err)
		if h.re.Suspect() != nil {
			// Whether it committed is known after the reopen, which cuts
			// the logs to what committed rows reference (history_reopen.go)
			// and opens those of partitions that exist: close the logs of
			// the partitions this Apply created, which nothing else holds.
			for _, p := range created {
				if p.log != nil {
					err = errors.Join(err, p.log.close())
				}
			}
			return err
		}
		return errors.Join(err, h.undoLogs(touched, created))
	}
	for i, p := range touched {
		p.rows.Add(int64(len(groups[starts[i]])))
		p.log.size = logEnds[i]
	}
	if len(created) > 0 {
		h.parts.Store(set.with(created...))
	}
	h.cursor.Store(through)
	if save {
		h.markFiltersSaved(through)
	} else {
		h.sinceSave += n
	}
	return nil
}

// undoLogs cuts the frames an Apply that rolled back wrote and removes the
// logs of partitions it would have created. Leftovers (a cut or removal that
// failed) are harmless: no row points at them, the next Apply writes over
// them from the committed end, and Open cuts or removes them.
func (h *History) undoLogs(touched, created []*partition) error {
	var errs []error
	for _, p := range touched {
		if slices.Contains(created, p) {
			continue
		}
		errs = append(errs, p.log.truncate(p.log.size))
	}
	for _, p := range created {
		if p.log != nil {
			errs = append(errs, p.log.close(), os.Remove(p.log.path))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("undo record logs: %w", err)
	}
	return nil
}

// createPartition creates a partition's tables and catalog row in tx.
func (h *History) createPartition(tx *rawTx, start time.Time, set *partitionSet) (*partition, error) {
	// Size the filter like the newest existing partition, so a steady
	// stream fills one segment per partition.
	capacity := filterMinCapacity
	if len(set.parts) > 0 {
		capacity = set.parts[len(set.parts)-1].filter.keyCount() * filterCapacitySlack / 4
	}
	p := newPartition(start, h.width, newKeyFilter(capacity))
	for _, q := range []string{createEventsSQL(p.events, h.version), createResKeysSQL(p.resKeys)} {
		if err := tx.exec(q); err != nil {
			return nil, fmt.Errorf("create partition %s: %w", p.name, err)
		}
	}
	if err := tx.exec("INSERT INTO "+partitionsTable+" VALUES ($1, $2, $3, NULL)", p.name, p.start, p.end); err != nil {
		return nil, fmt.Errorf("create partition %s: %w", p.name, err)
	}
	l, err := openRecordLog(h.logPath(p), true, h.version >= 2)
	if err != nil {
		return nil, fmt.Errorf("create partition %s: %w", p.name, err)
	}
	p.log = l
	return p, nil
}

// appendRows writes entries[idx] as frames to p's record log and appends
// their rows to p's tables, and adds their keys to p's filter; it returns
// the log's end after the frames. Keys are added before commit: a
// rolled-back Apply only leaves harmless false positives behind.
func (h *History) appendRows(tx *rawTx, p *partition, entries []event.Entry, idx []int) (end int64, err error) {
	ev, err := tx.appender(p.events)
	if err != nil {
		return 0, err
	}
	var rk *duckdb.Appender
	defer func() {
		if cerr := ev.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("append to %s: %w", p.events, cerr)
		}
		if rk != nil {
			if cerr := rk.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("append to %s: %w", p.resKeys, cerr)
			}
		}
	}()
	keys := make([]int64, 0, 8*len(idx))
	var resKeys []int64
	frames := h.frameBuf[:0] // reused across Applies (wmu held)
	defer func() { h.frameBuf = frames[:0] }()
	off := p.log.size
	// pending rows wait for their block to be compressed (format 2), as
	// their rec_len is its length; in format 1 each row is its own frame.
	type pendingRow struct {
		e   *event.Entry
		m   *event.Meta
		idx int
	}
	var pending []pendingRow
	blk := &h.block
	blk.raw, blk.rows = blk.raw[:0], 0
	sinceFlush := 0
	emit := func(frameOff int64, recLen int) error {
		for _, r := range pending {
			e, m := r.e, r.m
			t := storedTime(m.Time)
			k := keysOf(m)
			recOff := frameOff
			if h.version >= 2 {
				recOff = blockRef(frameOff, r.idx)
			}
			res, err := resourcesValue(m.Resources)
			if err != nil {
				return fmt.Errorf("seq %d: %w", e.Seq, err)
			}
			var row []driver.Value
			if h.version >= 2 {
				row = []driver.Value{e.Seq, t, m.Account, m.Region, m.EventID, m.EventName, m.EventSource,
					nullable(m.Username), nullable(m.AccessKeyID), m.ReadOnly, m.Management,
					nullable(m.Category), nullable(m.ErrorCode), res,
					k.scope, k.eventID, k.eventName, k.eventSource, k.username, k.accessKeyID,
					recOff, int32(recLen)}
			} else {
				row = []driver.Value{e.Seq, t, m.Account, m.Region, m.EventID, m.EventName, m.EventSource,
					nullable(m.Username), nullable(m.AccessKeyID), m.ReadOnly, m.Management,
					nullable(m.Category), nullable(m.ErrorCode), res, validRecord(e.Record),
					k.scope, k.eventID, k.eventName, k.eventSource, k.username, k.accessKeyID,
					recOff, int32(recLen)}
			}
			if err := ev.AppendRow(row...); err != nil {
				return fmt.Errorf("append seq %d to %s: %w", e.Seq, p.events, err)
			}
			keys = append(keys, k.scope, k.eventID, k.eventName, k.eventSource, k.username, k.accessKeyID)
			resKeys = resourceKeys(resKeys[:0], m)
			if len(resKeys) > 0 && rk == nil {
				if rk, err = tx.appender(p.resKeys); err != nil {
					return err
				}
			}
			for _, rkey := range resKeys {
				if err := rk.AppendRow(e.Seq, t, rkey, recOff, int32(recLen)); err != nil {
					return fmt.Errorf("append seq %d to %s: %w", e.Seq, p.resKeys, err)
				}
			}
			keys = append(keys, resKeys...)
			sinceFlush++
		}
		pending = pending[:0]
		if sinceFlush < appendFlushRows {
			return nil
		}
		sinceFlush = 0
		if err := ev.Flush(); err != nil {
			return fmt.Errorf("flush %s: %w", p.events, err)
		}
		if rk != nil {
			if err := rk.Flush(); err != nil {
				return fmt.Errorf("flush %s: %w", p.resKeys, err)
			}
		}
		if err := p.log.writeAt(frames, off); err != nil {
			return err
		}
		off += int64(len(frames))
		frames = frames[:0]
		return nil
	}
	for _, i := range idx {
		e := &entries[i]
		m := sanitizeMeta(&e.Meta)
		full := &event.Entry{Meta: *m, Record: e.Record}
		if h.version < 2 {
			frameOff := off + int64(len(frames))
			var recLen int
			if frames, recLen, err = appendFrame(frames, full); err != nil {
				return 0, fmt.Errorf("encode seq %d: %w", e.Seq, err)
			}
			pending = append(pending, pendingRow{e: e, m: m})
			if err := emit(frameOff, recLen); err != nil {
				return 0, err
			}
			continue
		}
		bi, err := blk.add(full)
		if err != nil {
			return 0, fmt.Errorf("encode seq %d: %w", e.Seq, err)
		}
		pending = append(pending, pendingRow{e: e, m: m, idx: bi})
		if blk.full() {
			frameOff := off + int64(len(frames))
			var recLen int
			frames, recLen = blk.flush(frames)
			if err := emit(frameOff, recLen); err != nil {
				return 0, err
			}
		}
	}
	if blk.rows > 0 {
		frameOff := off + int64(len(frames))
		var recLen int
		frames, recLen = blk.flush(frames)
		if err := emit(frameOff, recLen); err != nil {
			return 0, err
		}
	}
	if err := p.log.writeAt(frames, off); err != nil {
		return 0, err
	}
	slices.Sort(keys)
	p.filter.add(slices.Compact(keys)...)
	return off + int64(len(frames)), nil
}

// storedTime is t as DuckDB's TIMESTAMP keeps it: UTC, microseconds.
func storedTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// sanitizeMeta returns m, or a copy with every string made valid UTF-8:
// DuckDB rejects invalid VARCHARs, and one bad event must not wedge the
// stream. Queries sanitize their values the same way.
func sanitizeMeta(m *event.Meta) *event.Meta {
	ok := utf8.ValidString(m.Account) && utf8.ValidString(m.Region) && utf8.ValidString(m.EventID) &&
		utf8.ValidString(m.EventName) && utf8.ValidString(m.EventSource) && utf8.ValidString(m.Username) &&
		utf8.ValidString(m.AccessKeyID) && utf8.ValidString(m.Category) && utf8.ValidString(m.ErrorCode)
	for _, r := range m.Resources {
		ok = ok && utf8.ValidString(r.Type) && utf8.ValidString(r.Name) && utf8.ValidString(r.ARN)
	}
	if ok {
		return m
	}
	c := *m
	for _, p := range []*string{&c.Account, &c.Region, &c.EventID, &c.EventName, &c.EventSource, &c.Username, &c.AccessKeyID, &c.Category, &c.ErrorCode} {
		*p = validUTF8(*p)
	}
	c.Resources = make([]event.ResourceRef, len(m.Resources))
	for i, r := range m.Resources {
		c.Resources[i] = event.ResourceRef{Type: validUTF8(r.Type), Name: validUTF8(r.Name), ARN: validUTF8(r.ARN)}
	}
	return &c
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func validRecord(b []byte) any {
	if utf8.Valid(b) {
		return b
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type resourceJSON struct {
	Type string `json:"type"`
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// resourcesValue is the resources_json column: a JSON array, NULL if none.
func resourcesValue(rs []event.ResourceRef) (any, error) {
	if len(rs) == 0 {
		return nil, nil
	}
	out := make([]resourceJSON, len(rs))
	for i, r := range rs {
		out[i] = resourceJSON(r)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode resources: %w", err)
	}
	return b, nil
}
