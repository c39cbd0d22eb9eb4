package web

import (
	"hash/maphash"
	"math"
	"net/netip"
	"strings"
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

// maxBuckets is the number of clients a limiter tracks at once: a fixed
// table of that many slots (24 bytes each, some 1.2 MB), allocated once.
const maxBuckets = 50_000

// limiterShards splits a limiter's table so that concurrent requests
// rarely wait for each other's lock.
const limiterShards = 64

// limiterProbe is how many neighbouring slots a key may occupy: a new key
// takes a free slot among them, else one that has refilled (it carries no
// information), else the one idle longest. Every operation touches at most
// limiterProbe slots, so its cost does not grow with the number of client
// addresses, however many an attacker rotates through.
const limiterProbe = 4

// limiter is an in-memory token bucket per key in a fixed-size table.
// Losing a bucket to eviction at worst gives that client a fresh burst.
// The clock is injected so tests can prove the refill.
type limiter struct {
	rate   float64 // tokens per second
	burst  float64
	now    func() time.Time
	seed   maphash.Seed
	shards []limiterShard
}

type limiterShard struct {
	mu    sync.Mutex
	slots []bucket
	_     [40]byte // keeps neighbouring shards' locks off one cache line
}

// bucket is one client's tokens; key 0 marks a free slot.
type bucket struct {
	key    uint64
	tokens float64
	last   int64 // unix nanoseconds of the last refill
}

// newLimiter makes a limiter of about maxKeys buckets.
func newLimiter(l RateLimit, now func() time.Time, maxKeys int) *limiter {
	n := max(1, min(limiterShards, maxKeys/limiterProbe))
	per := max(limiterProbe, (maxKeys+n-1)/n)
	lim := &limiter{rate: l.PerMinute / 60, burst: float64(l.Burst), now: now, seed: maphash.MakeSeed(),
		shards: make([]limiterShard, n)}
	for i := range lim.shards {
		lim.shards[i].slots = make([]bucket, per)
	}
	return lim
}

// fullAfter is how long an empty bucket takes to fill up again.
func (l *limiter) fullAfter() time.Duration {
	return time.Duration(l.burst / l.rate * float64(time.Second))
}

// allow takes a token from key's bucket. When there is none it returns
// false and how long until there is one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	h := maphash.String(l.seed, key) | 1 // never 0, the free mark
	sh := &l.shards[h%uint64(len(l.shards))]
	now := l.now().UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.find(h, now, int64(l.fullAfter()))
	if b.key != h {
		*b = bucket{key: h, tokens: l.burst, last: now}
	}
	if elapsed := float64(now-b.last) / 1e9; elapsed > 0 {
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

// find returns key's slot among its neighbours, or the slot a new bucket
// for it should take: a free one, else one idle long enough to be full
// again, else the one idle longest.
func (sh *limiterShard) find(key uint64, now, refill int64) *bucket {
	n := uint64(len(sh.slots))
	start := (key / limiterShards) % n
	var victim *bucket
	for i := uint64(0); i < limiterProbe; i++ {
		b := &sh.slots[(start+i)%n]
		switch {
		case b.key == key:
			return b
		case b.key == 0 || now-b.last >= refill:
			if victim == nil || victim.key != 0 {
				victim = b
			}
		case victim == nil || (victim.key != 0 && now-victim.last < refill && b.last < victim.last):
			victim = b
		}
	}
	return victim
}

// size is the number of buckets that still hold information (neither free
// nor refilled), for tests.
func (l *limiter) size() int {
	now, refill := l.now().UnixNano(), int64(l.fullAfter())
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		for _, b := range sh.slots {
			if b.key != 0 && now-b.last < refill {
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// capacity is the number of slots of the table, for tests.
func (l *limiter) capacity() int { return len(l.shards) * len(l.shards[0].slots) }

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
		if ok, wait := l.allow(clientAddress(c)); !ok {
			s.fail(c, &rateLimitedError{Retry: wait})
		}
	}
}

// clientAddress is the client as every per-address limit counts it: its
// IPv4 address, or the /64 network of its IPv6 address. A subscriber (a
// phone, a home, a server) is usually given a whole /64, so counting single
// IPv6 addresses would give one client 2^64 buckets for the limits on
// logins, PIN tries, paper matches and uploads.
func clientAddress(c *gin.Context) string {
	ip := c.ClientIP()
	if !strings.Contains(ip, ":") {
		return ip // IPv4 (or ""), as it is: the public pages' common case
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
