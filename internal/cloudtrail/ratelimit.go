package cloudtrail

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per key (account/region), refilled at rate per
// second with a burst of one second's worth, as CloudTrail's per-account quotas.
type rateLimiter struct {
	rate float64
	mu   sync.Mutex
	b    map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond float64) *rateLimiter {
	return &rateLimiter{rate: perSecond, b: make(map[string]*bucket)}
}

func (l *rateLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	burst := max(l.rate, 1)
	b, ok := l.b[key]
	if !ok {
		b = &bucket{tokens: burst, last: now}
		l.b[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
