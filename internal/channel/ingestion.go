package channel

import (
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairn-audit/cairn/internal/jsonstore"
)

// Ingestion is a channel's ingestion status as GetChannel reports it. Zero
// times and empty strings mean "never".
type Ingestion struct {
	LatestSuccessTime    time.Time `json:"latestSuccessTime,omitzero"`
	LatestSuccessEventID string    `json:"latestSuccessEventId,omitempty"`
	LatestErrorCode      string    `json:"latestErrorCode,omitempty"`
	LatestAttemptTime    time.Time `json:"latestAttemptTime,omitzero"`
	LatestAttemptEventID string    `json:"latestAttemptEventId,omitempty"`
}

// The ingestion file: {"format":"cairn-channel-ingestion","version":1,"channels":{ARN: Ingestion}}.
const (
	ingestionFile    = "ingestion.json"
	ingestionFormat  = "cairn-channel-ingestion"
	ingestionVersion = 1
)

// ingestionBody is the ingestion file besides format and version.
type ingestionBody struct {
	Channels map[string]Ingestion `json:"channels"`
}

// ingestion is the in-memory status of every channel. It changes on every
// PutAuditEvents, so it is not written per change: the store persists it
// every Options.FlushInterval when it changed, and on Close. After a crash
// it may lag the events themselves (which are durable in the event stream)
// by up to one interval.
type ingestion struct {
	mu      sync.Mutex
	status  map[string]Ingestion
	version uint64 // bumped by every change
	flushed uint64 // version last persisted

	flushMu sync.Mutex // serialises writers of the file
}

// Ingestion returns the ingestion status of the channel with this ARN.
func (s *Store) Ingestion(arn string) Ingestion {
	s.ing.mu.Lock()
	defer s.ing.mu.Unlock()
	return s.ing.status[arn]
}

// UpdateIngestion changes the ingestion status of the channel with this ARN
// in memory; it is persisted with the next flush. Channels that do not exist
// (any more) are ignored.
func (s *Store) UpdateIngestion(arn string, update func(*Ingestion)) {
	s.ing.mu.Lock()
	defer s.ing.mu.Unlock()
	// Checked under the lock: a Commit publishes a deletion before it prunes
	// (under the lock), so a status is never left behind for a deleted channel.
	if _, ok := s.js.Load().channels[arn]; !ok {
		return
	}
	st := s.ing.status[arn]
	update(&st)
	s.ing.status[arn] = st
	s.ing.version++
}

// prune drops the status of channels st does not hold.
func (g *ingestion) prune(st *state) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for arn := range g.status {
		if _, ok := st.channels[arn]; !ok {
			delete(g.status, arn)
			g.version++
		}
	}
}

// Flush persists the ingestion status if it changed since the last flush.
func (s *Store) Flush() error {
	g := &s.ing
	g.flushMu.Lock()
	defer g.flushMu.Unlock()
	g.mu.Lock()
	if g.version == g.flushed {
		g.mu.Unlock()
		return nil
	}
	f := ingestionBody{Channels: maps.Clone(g.status)}
	version := g.version
	g.mu.Unlock()
	b, err := jsonstore.Encode(ingestionFormat, ingestionVersion, f)
	if err != nil {
		return fmt.Errorf("encode ingestion status: %w", err)
	}
	if err := s.write(filepath.Join(s.js.Dir(), ingestionFile), b); err != nil {
		return fmt.Errorf("persist ingestion status: %w", err)
	}
	g.mu.Lock()
	g.flushed = version
	g.mu.Unlock()
	return nil
}

// flushLoop persists the ingestion status every FlushInterval until Close.
func (s *Store) flushLoop() {
	defer close(s.flushDone)
	if s.opts.FlushInterval < 0 {
		return
	}
	t := time.NewTicker(s.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case <-t.C:
			if err := s.Flush(); err != nil {
				s.opts.Logger.Error("channel ingestion status not persisted; retrying", "err", err)
			}
		}
	}
}

// loadIngestion reads the ingestion file; a missing file is no status.
func loadIngestion(dir string) (map[string]Ingestion, error) {
	var f ingestionBody
	if _, err := jsonstore.ReadFile(dir, ingestionFile, ingestionFormat, ingestionVersion, &f); err != nil {
		return nil, fmt.Errorf("load ingestion status: %w", err)
	}
	if f.Channels == nil {
		f.Channels = map[string]Ingestion{}
	}
	return f.Channels, nil
}
