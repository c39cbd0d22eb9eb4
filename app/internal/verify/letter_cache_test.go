package verify

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// replica is a second verify service on e's database, with its own
// connection pool and a running Watch, as on another replica.
func (e *env) replica(t *testing.T, b storetest.Backend) *Service {
	t.Helper()
	st, err := store.Open(e.ctx, store.Options{Driver: string(b), DSN: e.dsn, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := shared()
	svc, err := New(Deps{Store: st, Catalogue: cat, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.Watch(ctx, nil) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		st.Close()
	})
	waitFresh(t, svc)
	return svc
}

// size is the number of cached letters (a test's view of the cache).
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

// waitFresh waits for svc's first read of the generation.
func waitFresh(t testing.TB, svc *Service) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); svc.letters.current() == nil; {
		if time.Now().After(deadline) {
			t.Fatal("Watch never read the public generation")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPolledAfter waits until Watch has recorded a read of the public
// generation that started after t.
func waitPolledAfter(tb testing.TB, svc *Service, t time.Time) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if st := svc.letters.state.Load(); st != nil && st.polled.After(t) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatal("Watch did not read the public generation again")
		}
	}
}

// setNumber changes a letter's number behind the application's back: no
// public generation is counted, so only a read of the database shows it.
func setNumber(t *testing.T, b storetest.Backend, e *env, id int64, number string) {
	t.Helper()
	db := storetest.SQL(t, b, e.dsn)
	if _, err := db.ExecContext(e.ctx, "UPDATE letters SET number = ? WHERE id = ?", number, id); err != nil {
		t.Fatal(err)
	}
}

// TestCachedLookupServesFromMemory: on a replica whose Watch runs, a
// letter looked up once is not read again while nothing public changed;
// without Watch (or once it stops) every lookup reads the database.
func TestCachedLookupServesFromMemory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rb := e.replica(t, b)
		l := e.signed(t)
		code := *l.VerifyCode
		first, err := rb.Lookup(e.ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		setNumber(t, b, e, l.ID, "470/999/CACHE")
		time.Sleep(3 * pollEvery) // several reads of an unchanged generation
		if r, err := rb.Lookup(e.ctx, code); err != nil || r.Number != first.Number {
			t.Fatalf("cached replica: number %q (%v), want the cached %q", r.Number, err, first.Number)
		}
		// e.svc has no Watch: it reads the row every time.
		if r := e.lookup(t, code); r.Number != "470/999/CACHE" {
			t.Fatalf("uncached service: number %q, want the row's", r.Number)
		}
		if n := rb.letters.size(); n != 1 {
			t.Errorf("%d letters cached, want 1", n)
		}
	})
}

// TestCachedLookupWithoutWatch: a replica whose Watch stopped (or cannot
// read the database) stops using its cache within maxStale.
func TestCachedLookupWithoutWatch(t *testing.T) {
	e := newEnv(t, storetest.SQLite)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { e.svc.Watch(ctx, nil); close(done) }()
	waitFresh(t, e.svc)
	l := e.signed(t)
	e.lookup(t, *l.VerifyCode)
	cancel()
	<-done
	setNumber(t, storetest.SQLite, e, l.ID, "470/998/STOPPED")
	time.Sleep(maxStale)
	if r := e.lookup(t, *l.VerifyCode); r.Number != "470/998/STOPPED" {
		t.Fatalf("after Watch stopped: number %q, want the row's", r.Number)
	}
	// A second Watch on the same service while one runs returns at once.
	ctx, cancel = context.WithCancel(e.ctx)
	defer cancel()
	go e.svc.Watch(ctx, nil)
	waitFresh(t, e.svc)
	returned := make(chan struct{})
	go func() { e.svc.Watch(ctx, nil); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a second Watch kept running")
	}
}

// TestOwnChangeShowsAtOnce: the replica that revokes a letter, replaces it
// or revokes its certificate forgets its cached letters as the change
// commits, without waiting for its next read of the generation, so the
// official who revoked it and opens its page sees the change at once.
func TestOwnChangeShowsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx, cancel := context.WithCancel(e.ctx)
		var wg sync.WaitGroup
		wg.Go(func() { e.svc.Watch(ctx, nil) })
		defer func() { cancel(); wg.Wait() }()
		waitFresh(t, e.svc)
		admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}
		for _, tc := range []struct {
			name    string
			change  func(t *testing.T, l *surat.Letter)
			changed func(r *Result) bool
		}{
			{"revoked", func(t *testing.T, l *surat.Letter) {
				if _, err := e.iss.Revoke(e.ctx, e.kades, e.village.ID, l.ID,
					surat.Revocation{Reason: surat.ReasonDataError}); err != nil {
					t.Fatal(err)
				}
			}, func(r *Result) bool { return r.Status == Revoked }},
			{"replaced", func(t *testing.T, l *surat.Letter) {
				d, err := e.iss.Replace(e.ctx, e.operator, e.village.ID, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				e.signDraft(t, d)
			}, func(r *Result) bool { return r.Status == Replaced && r.Replacement != "" }},
			{"certificate revoked", func(t *testing.T, l *surat.Letter) {
				if _, err := e.iss.RevokeCertificate(e.ctx, admin, e.village.ID, e.cert.ID, "Kunci hilang"); err != nil {
					t.Fatal(err)
				}
			}, func(r *Result) bool { return r.Cert != nil && r.Cert.RevokedAt != nil }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l := e.signed(t)
				code := *l.VerifyCode
				if r := e.lookup(t, code); r.Status != Authentic || tc.changed(r) {
					t.Fatalf("before: %+v", r)
				}
				if _, ok := e.svc.letters.get(code); !ok {
					t.Fatal("the letter was not cached")
				}
				tc.change(t, l)
				if _, ok := e.svc.letters.get(code); ok {
					t.Error("the letter is still cached after its change committed")
				}
				if r := e.lookup(t, code); !tc.changed(r) {
					t.Errorf("right after the change: %+v", r)
				}
				// Watch's next read finds the generation the change wrote,
				// which this replica already knows: the letter as it is now
				// stays cached.
				waitPolledAfter(t, e.svc, time.Now())
				if _, ok := e.svc.letters.get(code); !ok {
					t.Error("the next read of the generation emptied the cache again")
				}
				if r := e.lookup(t, code); !tc.changed(r) {
					t.Errorf("from the cache after the change: %+v", r)
				}
			})
		}
	})
}

// TestRevocationShowsOnEveryReplicaWithinASecond changes a letter on one
// replica while eight clients scan it on another, whose cache holds it:
// no scan that starts a second after the change has committed may show
// the letter as it was, and the new state must show.
func TestRevocationShowsOnEveryReplicaWithinASecond(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rb := e.replica(t, b)
		admin := surat.Actor{Username: "admin", Role: surat.RoleAdminKabupaten}

		tests := []struct {
			name string
			// change changes the letter on the other replica.
			change func(t *testing.T, l *surat.Letter)
			// changed says whether a lookup shows the change.
			changed func(r *Result) bool
		}{
			{name: "revoked",
				change: func(t *testing.T, l *surat.Letter) {
					if _, err := e.iss.Revoke(e.ctx, e.kades, e.village.ID, l.ID,
						surat.Revocation{Reason: surat.ReasonDataError}); err != nil {
						t.Fatal(err)
					}
				},
				changed: func(r *Result) bool { return r.Status == Revoked }},
			{name: "replaced",
				change: func(t *testing.T, l *surat.Letter) {
					d, err := e.iss.Replace(e.ctx, e.operator, e.village.ID, l.ID)
					if err != nil {
						t.Fatal(err)
					}
					e.signDraft(t, d)
				},
				changed: func(r *Result) bool { return r.Status == Replaced && r.Replacement != "" }},
			{name: "certificate revoked",
				change: func(t *testing.T, l *surat.Letter) {
					if _, err := e.iss.RevokeCertificate(e.ctx, admin, e.village.ID, e.cert.ID, "Kunci hilang"); err != nil {
						t.Fatal(err)
					}
				},
				changed: func(r *Result) bool { return r.Cert != nil && r.Cert.RevokedAt != nil }},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				l := e.signed(t)
				code := *l.VerifyCode
				if r, err := rb.Lookup(e.ctx, code); err != nil || r.Status != Authentic || tc.changed(r) {
					t.Fatalf("before: %+v, %v", r, err)
				}
				if _, ok := rb.letters.get(code); !ok {
					t.Fatal("the replica did not cache the letter")
				}
				type scan struct {
					start   time.Time
					changed bool
				}
				var (
					mu        sync.Mutex
					scans     []scan
					committed time.Time
					wg        sync.WaitGroup
				)
				stop := make(chan struct{})
				for range 8 {
					wg.Go(func() {
						for {
							select {
							case <-stop:
								return
							default:
							}
							start := time.Now()
							r, err := rb.Lookup(e.ctx, code)
							if err != nil {
								t.Error(err)
								return
							}
							mu.Lock()
							scans = append(scans, scan{start: start, changed: tc.changed(r)})
							mu.Unlock()
						}
					})
				}
				time.Sleep(100 * time.Millisecond)
				tc.change(t, l)
				committed = time.Now()
				time.Sleep(1500 * time.Millisecond)
				close(stop)
				wg.Wait()

				var stale, late, fresh int
				var lastStale time.Duration
				for _, s := range scans {
					after := s.start.Sub(committed)
					switch {
					case s.changed:
						fresh++
					case after >= time.Second:
						late++
					case after > 0:
						stale++
						lastStale = max(lastStale, after)
					}
				}
				t.Logf("%d scans; %d after the commit showed the old state, the last %v after it; %d the new",
					len(scans), stale, lastStale, fresh)
				if late > 0 {
					t.Errorf("%d scans started a second or more after the commit showed the old state", late)
				}
				if fresh == 0 {
					t.Error("no scan showed the change")
				}
			})
		}
	})
}

// TestLookupSnapshotAfterTheGeneration: a read of the public generation
// that started before a revocation committed and saw it starts a new
// epoch; what the readers read in snapshots taken before the read
// returned (on SQLite they keep them for the scans after) must not be
// cached in that epoch as the letter's state.
func TestLookupSnapshotAfterTheGeneration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		l := e.signed(t)
		code := *l.VerifyCode
		gen := func() int64 {
			g, err := e.st.PublicGeneration(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		start := time.Now()
		e.svc.letters.observe(gen(), start, time.Now())
		polled := time.Now() // a read of the generation starts
		for range 4 {        // the scans meanwhile, on every reader
			if r := e.lookup(t, code); r.Status != Authentic {
				t.Fatalf("before the revocation: %s", r.Status)
			}
			e.svc.letters.empty() // the next scan reads the database
		}
		if _, err := e.iss.Revoke(e.ctx, e.kades, e.village.ID, l.ID, surat.Revocation{Reason: surat.ReasonDataError}); err != nil {
			t.Fatal(err)
		}
		// ... and returns the generation the revocation wrote.
		e.svc.letters.observe(gen(), polled, time.Now())
		for range 4 {
			if r := e.lookup(t, code); r.Status != Revoked {
				t.Fatalf("a scan after the generation moved shows %s", r.Status)
			}
		}
		// The state itself, stale or not: a slow machine may take longer
		// than maxStale from the read above.
		st := e.svc.letters.state.Load()
		if st == nil || st.fence.Before(polled) {
			t.Fatalf("state %+v: the fence is not after the read of the generation", st)
		}
		// This process's own change sets the fence to when it is told.
		told := time.Now()
		e.svc.letters.forget(gen() + 1)
		if st := e.svc.letters.state.Load(); st == nil || st.fence.Before(told) {
			t.Fatalf("state %+v after a change of this process: the fence is before it was told", st)
		}
	})
}

// TestLetterCacheOwnChange: this process's own change sets the generation
// it wrote; a read that started before it was told and missed it changes
// nothing, while one that saw a newer change, or a read that started later
// and found the generation set back, empties the cache.
func TestLetterCacheOwnChange(t *testing.T) {
	c := newLetterCache()
	c.forget(3)
	if c.state.Load() != nil {
		t.Fatal("a change before the first read of the generation made the cache usable")
	}
	before := time.Now()
	c.observe(5, before, before)
	time.Sleep(time.Millisecond) // the change is told after that read started
	epoch := func() uint64 { return c.state.Load().epoch }
	e0 := epoch()
	c.forget(6)
	if epoch() != e0+1 || c.state.Load().gen != 6 {
		t.Fatalf("own change: epoch %d gen %d", epoch(), c.state.Load().gen)
	}
	for _, tc := range []struct {
		name  string
		gen   int64
		start time.Time
		moves bool
	}{
		{"a read that missed the change", 5, before, false},
		{"the change's own generation", 6, time.Now(), false},
		{"a newer change read by an older read", 7, before, true},
		{"set back, read after", 2, time.Now().Add(time.Millisecond), true},
	} {
		e := epoch()
		c.observe(tc.gen, tc.start, time.Now())
		if moved := epoch() != e; moved != tc.moves {
			t.Errorf("%s: the epoch moved %v, want %v", tc.name, moved, tc.moves)
		}
	}
}

// TestLetterCacheBounds: the cache never holds more than maxCachedLetters
// letters, and a changed generation (also one set back, as by a restore)
// empties it and invalidates what a lookup in flight puts back.
func TestLetterCacheBounds(t *testing.T) {
	c := newLetterCache()
	if c.current() != nil {
		t.Fatal("fresh before any read of the generation")
	}
	c.observe(5, time.Now(), time.Now())
	st := c.current()
	number, now := "470/001/X/2026", time.Now()
	f := packFacts(&store.PublicLetter{Number: &number, IssuedAt: &now, SignedAt: &now}, "", "")
	for i := range 2 * maxCachedLetters {
		c.put(fmt.Sprintf("CODE%022d", i), st, f)
	}
	if n := c.size(); n > maxCachedLetters || n < maxCachedLetters*9/10 {
		t.Fatalf("%d letters cached, want at most %d and near it", n, maxCachedLetters)
	}
	c.put("SHORT", st, f)
	if _, ok := c.get("SHORT"); ok {
		t.Fatal("a code of another length was cached")
	}
	c.put("INFLIGHTINFLIGHTINFLIGHTIN", st, f) // read before the change below
	c.observe(5, time.Now(), time.Now())
	if _, ok := c.get("INFLIGHTINFLIGHTINFLIGHTIN"); !ok {
		t.Fatal("an unchanged generation lost the cache")
	}
	c.observe(3, time.Now(), time.Now()) // set back by a restore
	if n := c.size(); n != 0 {
		t.Fatalf("%d letters cached after the generation changed", n)
	}
	c.put("INFLIGHTINFLIGHTINFLIGHTIN", st, f) // a lookup that read the database before the change
	if _, ok := c.get("INFLIGHTINFLIGHTINFLIGHTIN"); ok {
		t.Fatal("a letter read before the change was served after it")
	}
	c.observe(5, time.Now(), time.Now()) // back to the old value: still a new epoch
	if _, ok := c.get("INFLIGHTINFLIGHTINFLIGHTIN"); ok {
		t.Fatal("a letter of an earlier epoch was served again")
	}
	c.observe(5, time.Now().Add(-maxStale), time.Now())
	if c.current() != nil {
		t.Fatal("fresh after a read maxStale ago")
	}
}

// BenchmarkLetterCacheMemory fills the letter cache with letters shaped as
// the benchmark's real ones and reports the heap it takes: the bound on
// what scans can make a replica hold.
func BenchmarkLetterCacheMemory(b *testing.B) {
	ptr := func(s string) *string { return &s }
	id := func(n int64) *int64 { return &n }
	now := time.Now()
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c := newLetterCache()
		c.observe(1, time.Now(), time.Now())
		st := c.current()
		for i := range maxCachedLetters {
			t1, t2, t3, t4, t5 := now, now, now.AddDate(0, 1, 0), now, now.AddDate(2, 0, 0)
			l := &store.PublicLetter{ID: int64(i), VillageID: 1, Module: "sk_domisili", Status: surat.LetterSigned,
				SubjectName: fmt.Sprintf("Budi Santoso Wibowo %d", i), Number: ptr(fmt.Sprintf("470/%03d/3505122001/XII/2026", i)),
				VerifyCode: fmt.Sprintf("K7Q2M9X4P%017d", i), PDFSHA256: fmt.Sprintf("%064x", i),
				IssuedAt: &t1, SignedAt: &t2, ValidUntil: &t3, SignerOfficialID: id(1),
				CertSerial: ptr(fmt.Sprintf("%032x", i)), CertFingerprint: ptr(fmt.Sprintf("%064x", i+1)),
				CertNotBefore: &t4, CertNotAfter: &t5}
			c.put(l.VerifyCode, st, packFacts(l, "Surat Keterangan Domisili", ""))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(after.HeapAlloc - before.HeapAlloc)
		b.ReportMetric(heap/float64(maxCachedLetters), "B/letter")
		b.ReportMetric(heap/(1<<20), "MB-full")
		runtime.KeepAlive(c)
	}
}

// BenchmarkLookup is one public lookup of a signed letter: read from the
// database (Watch not running) and from the letter cache.
func BenchmarkLookup(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			e := newEnv(b, backend)
			code := *e.signed(b).VerifyCode
			b.Run("database", func(b *testing.B) {
				for b.Loop() {
					if _, err := e.svc.Lookup(e.ctx, code); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("cached", func(b *testing.B) {
				ctx, cancel := context.WithCancel(e.ctx)
				done := make(chan struct{})
				go func() { e.svc.Watch(ctx, nil); close(done) }()
				defer func() { cancel(); <-done }()
				waitFresh(b, e.svc)
				for b.Loop() {
					if _, err := e.svc.Lookup(e.ctx, code); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestPackFacts: a letter packed for the cache gives back every fact, and
// says which optional ones are missing.
func TestPackFacts(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	str := func(s string) *string { return &s }
	signer := int64(7)
	full := &store.PublicLetter{ID: 3, VillageID: 2, Module: "sk_usaha", Status: surat.LetterRevoked,
		SubjectName: "Siti Aminah", Number: str("500/012/3505122001/XII/2026"), PDFSHA256: "ab12",
		IssuedAt: at("2026-12-01T00:00:00Z"), SignedAt: at("2026-12-01T09:30:15.123456789+07:00"),
		ValidUntil: at("2027-06-01T00:00:00Z"), RevokedAt: at("2026-12-03T10:00:00Z"), RevokeCode: surat.ReasonDataError,
		SignerOfficialID: &signer, CertSerial: str("0a0b"), CertFingerprint: str("ffee"),
		CertNotBefore: at("2026-01-01T00:00:00Z"), CertNotAfter: at("2028-01-01T00:00:00Z"), CertRevokedAt: at("2026-12-02T00:00:00Z")}
	f := packFacts(full, "Surat Keterangan Usaha", "NEWCODE")
	for i, want := range map[int]string{factStatus: string(surat.LetterRevoked), factModule: "sk_usaha", factSubject: "S**** A****",
		factNumber: "500/012/3505122001/XII/2026", factPDF: "ab12", factTitle: "Surat Keterangan Usaha",
		factReplacement: "NEWCODE", factRevokeCode: string(surat.ReasonDataError), factCertSerial: "0a0b", factCertFingerprint: "ffee"} {
		if got := f.str(i); got != want {
			t.Errorf("text %d = %q, want %q", i, got, want)
		}
	}
	for i, want := range map[int]*time.Time{factIssued: full.IssuedAt, factSigned: full.SignedAt, factValidUntil: full.ValidUntil,
		factRevoked: full.RevokedAt, factCertNotBefore: full.CertNotBefore, factCertNotAfter: full.CertNotAfter,
		factCertRevoked: full.CertRevokedAt} {
		if got := f.opt(i); got == nil || !got.Equal(*want) {
			t.Errorf("time %d = %v, want %v", i, got, want)
		}
	}
	if f.id != 3 || f.villageID != 2 || f.signerID != 7 || !f.hasCert {
		t.Errorf("ids %d %d %d, certificate %v", f.id, f.villageID, f.signerID, f.hasCert)
	}

	bare := &store.PublicLetter{ID: 4, VillageID: 2, Module: "sk_domisili", Status: surat.LetterSigned,
		Number: str("470/001"), IssuedAt: full.IssuedAt, SignedAt: full.SignedAt, CertSerial: str("only a serial")}
	f = packFacts(bare, "", "")
	if f.opt(factValidUntil) != nil || f.opt(factRevoked) != nil || f.signerID != 0 || f.hasCert ||
		f.str(factReplacement) != "" || f.str(factCertSerial) != "" || !f.at(factCertNotBefore).IsZero() {
		t.Errorf("missing facts came back: %+v", f)
	}
	if f.str(factNumber) != "470/001" || f.str(factStatus) != string(surat.LetterSigned) {
		t.Errorf("number %q status %q", f.str(factNumber), f.str(factStatus))
	}
}
