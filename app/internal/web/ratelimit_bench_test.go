package web

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkLimiter measures one allow call for a returning client and for
// a new client address on every call (an attacker rotating addresses, or
// a busy public page): the cost must not grow with the number of clients.
func BenchmarkLimiter(b *testing.B) {
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = "10." + strconv.Itoa(i>>16) + "." + strconv.Itoa(i>>8&255) + "." + strconv.Itoa(i&255)
	}
	for _, tc := range []struct {
		name    string
		clients int
	}{{"one client", 1}, {"1k clients", 1 << 10}, {"1M clients", 1 << 20}} {
		b.Run(tc.name, func(b *testing.B) {
			l := newLimiter(RateLimit{PerMinute: 1e9, Burst: 1e9}, time.Now, maxBuckets)
			i := 0
			for b.Loop() {
				l.allow(keys[i%tc.clients])
				i++
			}
		})
	}
}
