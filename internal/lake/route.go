package lake

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cairn-audit/cairn/internal/event"
	"github.com/cairn-audit/cairn/internal/selector"
)

// routing is the compiled view of the store definitions the ingester
// matches events against.
type routing struct {
	version uint64
	stores  []routedStore
	byRef   map[string]*routedStore // ID and ARN -> store
}

type routedStore struct {
	def     EventDataStore
	matcher *selector.Matcher
}

func newRouting(version uint64, all []EventDataStore) (*routing, error) {
	r := &routing{version: version, byRef: map[string]*routedStore{}}
	var errs []error
	for _, d := range all {
		if len(d.Windows) == 0 && len(d.AuditWindows) == 0 {
			continue
		}
		m, err := selector.CompileFor(selector.Set{Advanced: d.AdvancedEventSelectors}, selector.ForEventDataStore)
		if err != nil {
			errs = append(errs, fmt.Errorf("store %s: %w", d.ID, err))
			continue
		}
		r.stores = append(r.stores, routedStore{def: d, matcher: m})
	}
	for i := range r.stores {
		s := &r.stores[i]
		r.byRef[s.def.ID] = s
		r.byRef[s.def.ARN] = s
	}
	return r, errors.Join(errs...)
}

// accepts reports whether store s takes event e: account, region and selectors.
func (s *routedStore) accepts(e *event.Entry) bool {
	if s.def.Account != e.Meta.Account {
		return false
	}
	if !s.def.MultiRegionEnabled && s.def.Region != e.Meta.Region {
		return false
	}
	ev := selector.FromMeta(&e.Meta)
	return s.matcher.Match(&ev)
}

func row(store string, e *event.Entry) Row {
	return Row{Store: store, Time: e.Meta.Time, EventID: e.Meta.EventID, Record: append([]byte(nil), e.Record...)}
}

// journalRows appends the rows of a main-journal entry.
func (r *routing) journalRows(rows []Row, e *event.Entry) []Row {
	for i := range r.stores {
		s := &r.stores[i]
		if InWindow(s.def.Windows, e.Seq) && s.accepts(e) {
			rows = append(rows, row(s.def.ID, e))
		}
	}
	return rows
}

// channelResourceType is how PutAuditEvents entries name their channel.
const channelResourceType = "AWS::CloudTrail::Channel"

// auditRows appends the rows of a PutAuditEvents entry: it goes to the
// stores its channel delivers to that accept it.
func (r *routing) auditRows(rows []Row, e *event.Entry, channels ChannelRoutes) []Row {
	for _, res := range e.Meta.Resources {
		if res.Type != channelResourceType {
			continue
		}
		owner, dests, ok := channels.Destinations(res.ARN)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, ref := range dests {
			s := r.byRef[strings.ToLower(ref)]
			if s == nil {
				s = r.byRef[ref]
			}
			if s == nil || seen[s.def.ID] || s.def.Account != owner {
				continue
			}
			seen[s.def.ID] = true
			if InWindow(s.def.AuditWindows, e.Seq) && s.accepts(e) {
				rows = append(rows, row(s.def.ID, e))
			}
		}
	}
	return rows
}
