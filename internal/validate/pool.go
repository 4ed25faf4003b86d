package validate

import "sync"

// pool runs tasks on a fixed number of workers. Its queue is unbounded, so a
// task may queue more tasks without deadlock; Wait returns once every task
// queued so far (and every task those queued) has run.
type pool struct {
	mu      sync.Mutex
	work    *sync.Cond // a task was queued or the pool closed
	idle    *sync.Cond // pending dropped to 0
	queue   []func()
	pending int // queued or running
	closed  bool
}

func newPool(workers int) *pool {
	p := &pool{}
	p.work = sync.NewCond(&p.mu)
	p.idle = sync.NewCond(&p.mu)
	for range workers {
		go p.worker()
	}
	return p
}

func (p *pool) Go(f func()) {
	p.mu.Lock()
	p.queue = append(p.queue, f)
	p.pending++
	p.mu.Unlock()
	p.work.Signal()
}

func (p *pool) worker() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for len(p.queue) == 0 && !p.closed {
			p.work.Wait()
		}
		if len(p.queue) == 0 {
			return
		}
		f := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		f()
		p.mu.Lock()
		if p.pending--; p.pending == 0 {
			p.idle.Broadcast()
		}
	}
}

// Wait blocks until no task is queued or running.
func (p *pool) Wait() {
	p.mu.Lock()
	for p.pending > 0 {
		p.idle.Wait()
	}
	p.mu.Unlock()
}

// Close stops the workers once the queue is empty.
func (p *pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.work.Broadcast()
}
