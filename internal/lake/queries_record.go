package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cairn-audit/cairn/internal/fsutil"
)

// Files of a query's directory (Dir/<query ID>/).
const (
	queryRecordName = "query.json" // QueryInfo, replaced atomically
	queryRowsName   = "rows.jsonl" // one JSON array of cells per row
	queryIndexName  = "rows.idx"   // little-endian uint64 offsets of every rowsPerIndexEntry-th row

	queryDirPerm  = 0o700
	queryFilePerm = 0o600
)

// queryIDShape is a query ID: a lower-case UUID.
var queryIDShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// QueryInfo is a query's record: what DescribeQuery, ListQueries and
// GetQueryResults report.
type QueryInfo struct {
	ID      string     `json:"id"`
	Account string     `json:"account"`
	Region  string     `json:"region"`
	SQL     string     `json:"sql"`
	Stores  []string   `json:"stores"` // IDs of the stores the statement reads
	Status  string     `json:"status"`
	Error   string     `json:"error,omitempty"` // why it FAILED (or TIMED_OUT)
	Created time.Time  `json:"created"`
	Started time.Time  `json:"started,omitzero"` // when it began RUNNING
	Ended   time.Time  `json:"ended,omitzero"`   // when it reached its final status
	Stats   QueryStats `json:"stats"`            // the engine's, set when it stops
	Columns []string   `json:"columns,omitempty"`
	Rows    int64      `json:"rows"` // result rows stored, readable once it stops

	DeliveryURI    string `json:"deliveryUri,omitempty"`
	DeliveryStatus string `json:"deliveryStatus,omitempty"`

	// Seqs are the stream seqs of the calls that changed the query
	// (StartQuery, CancelQuery), written with the change (Queries.Applied).
	Seqs []uint64 `json:"seqs,omitempty"`
}

// Terminal reports whether the query has stopped for good.
func (i QueryInfo) Terminal() bool {
	switch i.Status {
	case QueryQueued, QueryRunning:
		return false
	}
	return true
}

// HasResults reports whether the query's rows can be read: those of a
// FINISHED query, and the partial results of a TIMED_OUT one.
func (i QueryInfo) HasResults() bool {
	return i.Status == QueryFinished || i.Status == QueryTimedOut
}

// ExecutionTime is how long the query has run (so far, at now).
func (i QueryInfo) ExecutionTime(now time.Time) time.Duration {
	if i.Started.IsZero() {
		return 0
	}
	end := i.Ended
	if end.IsZero() {
		end = now
	}
	return max(end.Sub(i.Started), 0)
}

// ReadsStore reports whether the query reads the store with this ID.
func (i QueryInfo) ReadsStore(id string) bool {
	for _, s := range i.Stores {
		if s == id {
			return true
		}
	}
	return false
}

func (i QueryInfo) clone() QueryInfo {
	i.Stores = append([]string(nil), i.Stores...)
	i.Columns = append([]string(nil), i.Columns...)
	i.Seqs = append([]uint64(nil), i.Seqs...)
	return i
}

func (q *Queries) queryDir(id string) string { return filepath.Join(q.opts.Dir, id) }

// persist writes the query's current record atomically.
func (q *Queries) persist(qr *query) error {
	qr.persistMu.Lock()
	defer qr.persistMu.Unlock()
	q.mu.Lock()
	info := qr.info.clone()
	q.mu.Unlock()
	data, err := json.Marshal(info)
	if err != nil {
		return fmt.Errorf("encode query %s: %w", info.ID, err)
	}
	if err := fsutil.WriteFileAtomic(filepath.Join(q.queryDir(info.ID), queryRecordName), data, queryFilePerm); err != nil {
		return fmt.Errorf("save query %s: %w", info.ID, err)
	}
	return nil
}

// update changes the query's record under the lock and persists it.
func (q *Queries) update(qr *query, change func(*QueryInfo)) error {
	q.mu.Lock()
	change(&qr.info)
	q.mu.Unlock()
	return q.persist(qr)
}

// load reads every query record under Dir. Queries a restart interrupted
// become FAILED; FINISHED ones whose delivery was interrupted are noted for
// redelivery; directories without a record (a crash while submitting) are
// removed.
func (q *Queries) load() error {
	ents, err := os.ReadDir(q.opts.Dir)
	if err != nil {
		return fmt.Errorf("list query dir: %w", err)
	}
	now := q.now()
	for _, ent := range ents {
		name := ent.Name()
		if !ent.IsDir() || !queryIDShape.MatchString(name) {
			if !strings.HasPrefix(name, ".") {
				q.opts.Logger.Warn("ignoring a foreign entry in the Lake query directory", "name", name)
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(q.queryDir(name), queryRecordName))
		if errors.Is(err, os.ErrNotExist) {
			if err := os.RemoveAll(q.queryDir(name)); err != nil {
				return fmt.Errorf("remove incomplete query %s: %w", name, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read query %s: %w", name, err)
		}
		var info QueryInfo
		if err := json.Unmarshal(data, &info); err != nil {
			return fmt.Errorf("decode query %s: %w", name, err)
		}
		if info.ID != name {
			return fmt.Errorf("query record in %s names query %q", name, info.ID)
		}
		qr := &query{info: info}
		q.queries[name] = qr
		switch {
		case !info.Terminal():
			qr.info.Status, qr.info.Error, qr.info.Ended = QueryFailed, restartMessage, now
			if qr.info.DeliveryStatus == DeliveryPending {
				qr.info.DeliveryStatus = DeliveryFailed
			}
			if err := q.persist(qr); err != nil {
				return err
			}
		case info.Status == QueryFinished && info.DeliveryStatus == DeliveryPending:
			q.redeliver = append(q.redeliver, name)
		}
	}
	return nil
}
