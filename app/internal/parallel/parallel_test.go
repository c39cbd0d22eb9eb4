package parallel_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/parallel"
)

// For calls fn once for every index, never on more goroutines than asked.
func TestFor(t *testing.T) {
	for _, tc := range []struct{ n, workers, want int }{{0, 4, 0}, {1, 4, 1}, {50, 4, 4}, {10, 0, 1}, {3, 8, 3}} {
		calls := make([]int32, tc.n)
		var running, peak atomic.Int32
		parallel.For(tc.n, tc.workers, func(i int) {
			r := running.Add(1)
			for {
				p := peak.Load()
				if r <= p || peak.CompareAndSwap(p, r) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			atomic.AddInt32(&calls[i], 1)
			running.Add(-1)
		})
		for i, c := range calls {
			if c != 1 {
				t.Fatalf("n=%d workers=%d: index %d called %d times", tc.n, tc.workers, i, c)
			}
		}
		if int(peak.Load()) > tc.want {
			t.Errorf("n=%d workers=%d: %d calls at once, want at most %d", tc.n, tc.workers, peak.Load(), tc.want)
		}
	}
}
