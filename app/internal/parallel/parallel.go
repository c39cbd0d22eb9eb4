// Package parallel runs independent pieces of work on several goroutines.
package parallel

import "sync"

// For calls fn(i) for every i in [0, n) on at most workers goroutines
// (at least one) and returns once every call has returned. The calls for
// different i run concurrently, so fn writes only to the i-th element of
// whatever it fills in.
func For(n, workers int, fn func(i int)) {
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	wg.Wait()
}
