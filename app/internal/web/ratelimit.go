package web

import (
	"math"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// RateLimit is one token bucket per client: Burst requests at once, refilled
// at PerMinute requests a minute.
type RateLimit struct {
	PerMinute float64
	Burst     int
}

// RateLimits are the limits of the public, unauthenticated verification
// routes, counted per client IP (as Gin's ClientIP sees it, so behind a
// trusted proxy the forwarded address counts).
type RateLimits struct {
	// Verify covers GET /v/<code>, /api/v1/verify/<code> and /pki/*.
	Verify RateLimit
	// Upload covers the PDF upload check, which reads and hashes up to
	// 20 MB and verifies a signature.
	Upload RateLimit
	// Disabled turns every limit off. It exists for the wrk benchmark
	// (scripts/bench-verify.sh), which sends tens of thousands of requests
	// a second from one address; production never sets it.
	Disabled bool
}

// DefaultRateLimits are the limits of a Server whose Deps name none:
// 60 page views a minute with bursts of 30, and 10 uploads a minute with
// bursts of 5.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Verify: RateLimit{PerMinute: 60, Burst: 30},
		Upload: RateLimit{PerMinute: 10, Burst: 5},
	}
}

// maxBuckets bounds the memory of a limiter: at about 100 bytes a bucket,
// 50,000 clients cost some 5 MB.
const maxBuckets = 50_000

// limiter is an in-memory token bucket per key. Buckets that have been idle
// long enough to be full again carry no information and are swept out; when
// the table is still full, an arbitrary bucket is dropped, which at worst
// gives that client a fresh burst. The clock is injected so tests can prove
// the refill.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time
	max   int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(l RateLimit, now func() time.Time, maxKeys int) *limiter {
	return &limiter{
		rate: l.PerMinute / 60, burst: float64(l.Burst), now: now, max: maxKeys,
		buckets: make(map[string]*bucket),
	}
}

// fullAfter is how long an empty bucket takes to fill up again.
func (l *limiter) fullAfter() time.Duration {
	return time.Duration(l.burst / l.rate * float64(time.Second))
}

// allow takes a token from key's bucket. When there is none it returns
// false and how long until there is one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		l.makeRoom(now)
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// makeRoom sweeps idle buckets once per refill period, or at once when the
// table is full, and drops one bucket when sweeping freed nothing.
func (l *limiter) makeRoom(now time.Time) {
	full := len(l.buckets) >= l.max
	if !full && now.Sub(l.lastSweep) < l.fullAfter() {
		return
	}
	l.lastSweep = now
	idle := l.fullAfter()
	for k, b := range l.buckets {
		if now.Sub(b.last) >= idle {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.max {
		return
	}
	for k := range l.buckets { // map order is random: an arbitrary victim
		delete(l.buckets, k)
		break
	}
}

// size is the number of buckets held, for tests.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// rateLimitedError is a request refused by a rate limit; Retry is how long
// the client should wait.
type rateLimitedError struct{ Retry time.Duration }

func (e *rateLimitedError) Error() string { return "rate limited" }

// retryAfterSeconds is Retry rounded up to whole seconds, at least 1.
func (e *rateLimitedError) retryAfterSeconds() int {
	return max(1, int(math.Ceil(e.Retry.Seconds())))
}

// rateLimit is the middleware of a limited route group: a client without a
// token left gets 429 with Retry-After, as the Indonesian error page or a
// JSON error under /api/. A nil limiter lets everything through.
func (s *Server) rateLimit(l *limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if l == nil {
			return
		}
		if ok, wait := l.allow(c.ClientIP()); !ok {
			s.fail(c, &rateLimitedError{Retry: wait})
		}
	}
}
