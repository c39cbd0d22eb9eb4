package verify

import (
	"context"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
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
// evicting an arbitrary entry when full. A cached letter takes some 760
// bytes with its share of the map (BenchmarkLetterCacheMemory), so the
// cache stays within 25 MB whatever the traffic; only letters that exist
// are cached, so unknown codes cannot fill it.
const (
	letterShards     = 32
	maxCachedLetters = 32 << 10
)

// letterFacts is what a lookup reads from the database, packed for the
// cache: its strings in one string and its times as Unix nanoseconds, so
// that the garbage collector marks one object for a cached letter (its
// text; the key is an array) instead of some fifteen. With 20,000 letters
// cached as *store.PublicLetter, marking them made each collection's mark
// phase 37 instead of 5 ms, and under a flood of scans that doubled the
// page's p99 latency. The status is decided from it on every lookup (a
// letter expires with the clock).
type letterFacts struct {
	id, villageID int64
	signerID      int64 // the signing official, 0 for none
	times         [nFactTimes]int64
	hasTime       [nFactTimes]bool
	hasCert       bool // the certificate's texts and times are set
	text          string
	ends          [nFactTexts]uint32 // end of each text in text
}

// The texts of letterFacts.
const (
	factStatus = iota
	factModule
	factSubject // masked (MaskName)
	factNumber
	factPDF
	factTitle
	factReplacement // the replacing letter's code, "" when none is signed
	factRevokeCode
	factCertSerial
	factCertFingerprint
	nFactTexts
)

// The times of letterFacts.
const (
	factIssued = iota
	factSigned
	factValidUntil
	factRevoked
	factCertNotBefore
	factCertNotAfter
	factCertRevoked
	nFactTimes
)

// packFacts packs the row l of a signed letter (Number, IssuedAt and
// SignedAt set), its module's title and its replacement's code.
func packFacts(l *store.PublicLetter, title, replacement string) letterFacts {
	f := letterFacts{id: l.ID, villageID: l.VillageID}
	if l.SignerOfficialID != nil {
		f.signerID = *l.SignerOfficialID
	}
	f.hasCert = l.CertSerial != nil && l.CertFingerprint != nil && l.CertNotBefore != nil && l.CertNotAfter != nil
	texts := [nFactTexts]string{factStatus: string(l.Status), factModule: l.Module, factSubject: MaskName(l.SubjectName),
		factNumber: *l.Number, factPDF: l.PDFSHA256, factTitle: title, factReplacement: replacement,
		factRevokeCode: string(l.RevokeCode)}
	if f.hasCert {
		texts[factCertSerial], texts[factCertFingerprint] = *l.CertSerial, *l.CertFingerprint
	}
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	var b strings.Builder
	b.Grow(size)
	for i, t := range texts {
		b.WriteString(t)
		f.ends[i] = uint32(b.Len())
	}
	f.text = b.String()
	for i, t := range [nFactTimes]*time.Time{factIssued: l.IssuedAt, factSigned: l.SignedAt, factValidUntil: l.ValidUntil,
		factRevoked: l.RevokedAt, factCertNotBefore: l.CertNotBefore, factCertNotAfter: l.CertNotAfter,
		factCertRevoked: l.CertRevokedAt} {
		if t != nil {
			f.times[i], f.hasTime[i] = t.UnixNano(), true
		}
	}
	return f
}

// str is text i (a substring: no copy).
func (f *letterFacts) str(i int) string {
	start := uint32(0)
	if i > 0 {
		start = f.ends[i-1]
	}
	return f.text[start:f.ends[i]]
}

// at is time i, the zero time when it is not set.
func (f *letterFacts) at(i int) time.Time {
	if !f.hasTime[i] {
		return time.Time{}
	}
	return time.Unix(0, f.times[i]).UTC()
}

// opt is time i, nil when it is not set.
func (f *letterFacts) opt(i int) *time.Time {
	if !f.hasTime[i] {
		return nil
	}
	t := f.at(i)
	return &t
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
	// told is when this process's own change set gen (forget), zero if
	// the last read set it.
	told time.Time
	// fence is a time by which every change that gen counts had
	// committed: when the read of gen returned, or when forget was told.
	// A lookup may read the database as it was at any moment after it
	// (store.PublicLetterSeenSince): it is cached in this epoch, so it
	// must see every change the epoch was started for.
	fence time.Time
}

type cachedLetter struct {
	facts letterFacts
	epoch uint64
}

// letterKey is a verification code as a map key without a pointer (codes
// are 26 characters, surat.ValidVerifyCode).
type letterKey [surat.VerifyCodeLen]byte

// keyOf is code's key; ok is false for a code of another length, which is
// never cached.
func keyOf(code string) (k letterKey, ok bool) {
	if len(code) != len(k) {
		return k, false
	}
	copy(k[:], code)
	return k, true
}

type letterShard struct {
	mu sync.Mutex
	m  map[letterKey]cachedLetter
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

func (c *letterCache) shard(k letterKey) *letterShard {
	return &c.shards[maphash.Bytes(c.seed, k[:])%letterShards]
}

// get returns the cached facts of code when they were read in the current
// epoch and the generation was read within maxStale.
func (c *letterCache) get(code string) (letterFacts, bool) {
	st := c.current()
	k, valid := keyOf(code)
	if st == nil || !valid {
		return letterFacts{}, false
	}
	sh := c.shard(k)
	sh.mu.Lock()
	e, ok := sh.m[k]
	sh.mu.Unlock()
	if !ok || e.epoch != st.epoch {
		return letterFacts{}, false
	}
	return e.facts, true
}

// put caches facts read from the database after st was current (st from
// current before the read; nil caches nothing).
func (c *letterCache) put(code string, st *watchState, f letterFacts) {
	k, valid := keyOf(code)
	if st == nil || !valid {
		return
	}
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m == nil {
		sh.m = make(map[letterKey]cachedLetter)
	}
	if _, ok := sh.m[k]; !ok && len(sh.m) >= maxCachedLetters/letterShards {
		for old := range sh.m { // an arbitrary one: map order is random
			delete(sh.m, old)
			break
		}
	}
	sh.m[k] = cachedLetter{facts: f, epoch: st.epoch}
}

// observe records a read of the generation that started at polled and
// returned at returned.
func (c *letterCache) observe(gen int64, polled, returned time.Time) {
	c.advance(func(prev *watchState) *watchState {
		if prev != nil && polled.Before(prev.told) && gen < prev.gen {
			// The read started before this process's own change was told
			// and missed it: it shows nothing gen does not cover already.
			next := *prev
			if polled.After(next.polled) {
				next.polled = polled
			}
			return &next
		}
		next := &watchState{gen: gen, polled: polled, fence: returned}
		if prev != nil {
			next.epoch = prev.epoch
			if gen != prev.gen {
				next.epoch++
			}
		}
		return next
	})
}

// forget starts a new epoch at once, for a change this process has just
// committed (store.OnPublicChange): a lookup that read the letter before
// the commit put it back in the old epoch, where it is never served. The
// change wrote generation gen, and every change counted before it had
// committed by then (bumps count in commit order), so gen becomes the
// generation seen: Watch's next read, finding it, flushes nothing again.
func (c *letterCache) forget(gen int64) {
	c.advance(func(prev *watchState) *watchState {
		if prev == nil {
			return nil // nothing is cached before the first read
		}
		now := time.Now()
		return &watchState{gen: gen, epoch: prev.epoch + 1, polled: prev.polled, told: now, fence: now}
	})
}

// advance replaces the state with next(the state), atomically, so that a
// read of the generation that started before a forget cannot take its
// epoch back, and empties the cache when the epoch moved. The new epoch is
// published before the old entries go, so none of them is served once the
// flush starts.
func (c *letterCache) advance(next func(*watchState) *watchState) {
	for {
		prev := c.state.Load()
		n := next(prev)
		if n == nil {
			return
		}
		if !c.state.CompareAndSwap(prev, n) {
			continue // a concurrent observe or forget: again from its state
		}
		if prev != nil && n.epoch != prev.epoch {
			c.empty()
		}
		return
	}
}

// empty forgets every cached letter.
func (c *letterCache) empty() {
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.mu.Unlock()
	}
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
	defer s.store.OnPublicChange(s.letters.forget)()
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
			s.letters.observe(gen, start, time.Now())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
