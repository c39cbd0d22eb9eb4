package verify

import (
	"context"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
)

// The public check reads a letter from the database on a scan only when
// this replica has not read it since the last change anywhere to what the
// public sees of signed letters. Such changes (a revocation, a
// replacement, a revoked certificate) count up the store's public
// generation in their own transaction; Watch reads it every pollEvery and
// forgets every cached letter when it moved. A cached letter is used only
// while the last read of the generation started less than maxStale ago, so
// a change committed at time t shows on every replica from t+maxStale at
// the latest, also when the database is slow or Watch is not running (then
// every scan reads the database, as before).
//
// Why a whole-cache flush: the changes are rare (a few revocations a day in
// a kabupaten), while scans are many; a flush costs one database read per
// letter scanned again afterwards.
const (
	pollEvery = 200 * time.Millisecond
	maxStale  = 800 * time.Millisecond
)

// Bounds of the letter cache: maxCachedLetters in letterShards maps, each
// evicting an arbitrary entry when full. A cached letter takes well under a
// kilobyte (BenchmarkLetterCacheMemory), so the cache stays within some
// 25 MB whatever the traffic; only letters that exist are cached, so
// unknown codes cannot fill it.
const (
	letterShards     = 32
	maxCachedLetters = 32 << 10
)

// letterFacts is what a lookup reads from the database, cached: the row,
// the module's title and the replacing letter's code. The status is decided
// from it on every lookup (a letter expires with the clock).
type letterFacts struct {
	l           *store.PublicLetter
	title       string
	replacement string
}

// watchState is what the last read of the generation found.
type watchState struct {
	gen int64
	// epoch counts the changes of gen this process has seen; an entry is
	// valid only in the epoch it was read in (a restore can set gen back,
	// an epoch never goes back).
	epoch uint64
	// polled is when that read started (the monotonic clock).
	polled time.Time
}

type cachedLetter struct {
	facts letterFacts
	epoch uint64
}

type letterShard struct {
	mu sync.Mutex
	m  map[string]cachedLetter
}

// letterCache is the cache of letters by code; the zero value is empty and
// never fresh until Watch has read the generation.
type letterCache struct {
	state    atomic.Pointer[watchState]
	watching atomic.Bool
	seed     maphash.Seed
	shards   [letterShards]letterShard
}

func newLetterCache() *letterCache {
	return &letterCache{seed: maphash.MakeSeed()}
}

// current returns the state to tag a read with, nil when the cache may not
// be used: Watch has not read the generation within maxStale.
func (c *letterCache) current() *watchState {
	st := c.state.Load()
	if st == nil || time.Since(st.polled) >= maxStale {
		return nil
	}
	return st
}

func (c *letterCache) shard(code string) *letterShard {
	return &c.shards[maphash.String(c.seed, code)%letterShards]
}

// get returns the cached facts of code when they were read in the current
// epoch and the generation was read within maxStale.
func (c *letterCache) get(code string) (letterFacts, bool) {
	st := c.current()
	if st == nil {
		return letterFacts{}, false
	}
	sh := c.shard(code)
	sh.mu.Lock()
	e, ok := sh.m[code]
	sh.mu.Unlock()
	if !ok || e.epoch != st.epoch {
		return letterFacts{}, false
	}
	return e.facts, true
}

// put caches facts read from the database after st was current (st from
// current before the read; nil caches nothing).
func (c *letterCache) put(code string, st *watchState, f letterFacts) {
	if st == nil {
		return
	}
	sh := c.shard(code)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m == nil {
		sh.m = make(map[string]cachedLetter)
	}
	if _, ok := sh.m[code]; !ok && len(sh.m) >= maxCachedLetters/letterShards {
		for k := range sh.m { // an arbitrary one: map order is random
			delete(sh.m, k)
			break
		}
	}
	sh.m[code] = cachedLetter{facts: f, epoch: st.epoch}
}

// observe records a read of the generation that started at polled.
func (c *letterCache) observe(gen int64, polled time.Time) {
	prev := c.state.Load()
	next := &watchState{gen: gen, polled: polled}
	if prev != nil {
		next.epoch = prev.epoch
		if gen != prev.gen {
			next.epoch++
		}
	}
	// The new epoch is published before the old entries go, so none of
	// them is served once the flush starts.
	c.state.Store(next)
	if prev != nil && next.epoch != prev.epoch {
		for i := range c.shards {
			sh := &c.shards[i]
			sh.mu.Lock()
			clear(sh.m)
			sh.mu.Unlock()
		}
	}
}

// size is the number of cached letters.
func (c *letterCache) size() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// Watch reads the store's public generation every pollEvery until ctx
// ends, which lets Lookup serve letters it has read before (see the top
// of letter_cache.go). A failed read is logged (once until one succeeds
// again) and the cache goes unused until a read succeeds. It runs once per
// Service: a second call returns at once.
func (s *Service) Watch(ctx context.Context, log *slog.Logger) {
	if !s.letters.watching.CompareAndSwap(false, true) {
		return
	}
	defer s.letters.watching.Store(false)
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	failing := false
	for {
		start := time.Now()
		qctx, cancel := context.WithTimeout(ctx, maxStale)
		gen, err := s.store.PublicGeneration(qctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if !failing && log != nil {
				log.Warn("reading the public generation failed; scans read the database", "err", err)
			}
			failing = true
		default:
			if failing && log != nil {
				log.Info("reading the public generation works again")
			}
			failing = false
			s.letters.observe(gen, start)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
