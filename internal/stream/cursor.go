package stream

import "sync"

// Cursor is one consumer's durable position in a stream: the last seq the
// consumer has made durable on its side (it will never need to read it
// again). Retention keeps every entry above the lowest cursor.
type Cursor struct {
	name string
	reg  *Registry

	mu  sync.Mutex
	pos uint64
}

// Name is the consumer's name.
func (c *Cursor) Name() string { return c.name }

// Commit reports that everything at or below pos is durable on the
// consumer's side. A consumer that lost state may commit a lower position
// (it re-reads from there while the stream still holds it).
func (c *Cursor) Commit(pos uint64) {
	c.mu.Lock()
	c.pos = pos
	c.mu.Unlock()
}

// Position is the last committed position.
func (c *Cursor) Position() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pos
}

// Close unregisters the consumer: retention no longer waits for it.
func (c *Cursor) Close() { c.reg.remove(c) }

// Registry holds the named consumers of one stream.
type Registry struct {
	mu      sync.Mutex
	cursors map[string]*Cursor
}

// Consumer returns the named cursor, registering it at pos the first time.
func (r *Registry) Consumer(name string, pos uint64) *Cursor {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cursors[name]; ok {
		return c
	}
	if r.cursors == nil {
		r.cursors = map[string]*Cursor{}
	}
	c := &Cursor{name: name, reg: r, pos: pos}
	r.cursors[name] = c
	return c
}

func (r *Registry) remove(c *Cursor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cursors[c.name] == c {
		delete(r.cursors, c.name)
	}
}

// Low returns the lowest committed cursor; ok is false with no consumer.
func (r *Registry) Low() (low uint64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.cursors {
		p := c.Position()
		if !ok || p < low {
			low, ok = p, true
		}
	}
	return low, ok
}

// Positions returns every consumer's position by name (for logs and tests).
func (r *Registry) Positions() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]uint64, len(r.cursors))
	for n, c := range r.cursors {
		out[n] = c.Position()
	}
	return out
}
