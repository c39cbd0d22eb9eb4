package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// signWithCert is fakeSign that also records the signer certificate and an
// end of validity, as the issuance service does.
func signWithCert(certID int64, validUntil time.Time) store.FinalizeFunc {
	return func(n surat.LetterNumber) (store.FinalArtifact, error) {
		a, err := fakeSign(n)
		a.CertificateID, a.ValidUntil = &certID, &validUntil
		return a, err
	}
}

func TestPublicLetterByVerifyCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		ck := newClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		st := storetest.Open(t, b, ck.Now)
		e := newLetterEnv(t, st, "3505122001", "module")
		root := &surat.RootCA{CommonName: "Root", Fingerprint: "aa", CertPEM: "pem", SealedKey: `{"v":1}`}
		if err := st.SaveRoot(ctx, admin, root); err != nil {
			t.Fatal(err)
		}
		cert := &surat.SignerCertificate{VillageID: e.village.ID, OfficialID: e.signer.ID, RootID: root.ID,
			Serial: "1b2c", Fingerprint: "cc", CertPEM: "pem", SealedKey: "{}",
			NotBefore: ck.Now().Add(-time.Hour), NotAfter: ck.Now().Add(365 * 24 * time.Hour)}
		if err := st.CreateSignerCertificate(ctx, admin, cert, nil); err != nil {
			t.Fatal(err)
		}

		ck.Set(ck.Now().Add(90 * time.Minute))
		validUntil := time.Date(2027, 5, 23, 16, 59, 59, 0, time.UTC)
		withCert, err := st.FinalizeLetter(ctx, e.clerk, e.village.ID, e.approved(t, "sk_domisili").ID, "470",
			signWithCert(cert.ID, validUntil))
		if err != nil {
			t.Fatal(err)
		}
		want, err := st.LetterByID(ctx, e.village.ID, withCert.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.PublicLetterByVerifyCode(ctx, *want.VerifyCode)
		if err != nil {
			t.Fatalf("PublicLetterByVerifyCode: %v", err)
		}
		if got.ID != want.ID || got.VillageID != e.village.ID || got.Module != "sk_domisili" ||
			got.Status != surat.LetterSigned || got.SubjectName != "Budi Santoso" ||
			got.Number == nil || *got.Number != *want.Number || got.VerifyCode != *want.VerifyCode ||
			got.PDFSHA256 != want.PDFSHA256 || len(got.PDFSHA256) != 64 ||
			got.SignerOfficialID == nil || *got.SignerOfficialID != e.signer.ID ||
			got.RevokedAt != nil || got.RevokeCode != "" || got.ReplacedByID != nil {
			t.Fatalf("public letter %+v, want the facts of %+v", got, want)
		}
		for name, pair := range map[string][2]*time.Time{
			"issued_at": {got.IssuedAt, want.IssuedAt}, "signed_at": {got.SignedAt, want.SignedAt},
			"valid_until": {got.ValidUntil, want.ValidUntil},
		} {
			if pair[0] == nil || pair[1] == nil || !pair[0].Equal(*pair[1]) {
				t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
			}
		}
		if !got.SignedAt.Equal(ck.Now()) || !got.ValidUntil.Equal(validUntil) {
			t.Errorf("signed_at %v valid_until %v, want %v and %v", got.SignedAt, got.ValidUntil, ck.Now(), validUntil)
		}
		if got.CertSerial == nil || *got.CertSerial != cert.Serial || got.CertFingerprint == nil || *got.CertFingerprint != "cc" ||
			got.CertNotBefore == nil || !got.CertNotBefore.Equal(cert.NotBefore) ||
			got.CertNotAfter == nil || !got.CertNotAfter.Equal(cert.NotAfter) || got.CertRevokedAt != nil {
			t.Errorf("certificate of the public letter: serial %v fingerprint %v %v..%v revoked %v",
				got.CertSerial, got.CertFingerprint, got.CertNotBefore, got.CertNotAfter, got.CertRevokedAt)
		}

		// A code in lower case, an unknown code and a malformed one.
		for _, code := range []string{"", "abc", "AAAAAAAAAAAAAAAAAAAAAAAAAA", "' OR 1=1 --"} {
			if l, err := st.PublicLetterByVerifyCode(ctx, code); !errors.Is(err, surat.ErrNotFound) {
				t.Errorf("code %q: %+v, %v; want ErrNotFound", code, l, err)
			}
		}

		// Revocations show at once, of the letter and of its certificate.
		ck.Set(ck.Now().Add(time.Hour))
		if _, err := st.Revoke(ctx, e.clerk, e.village.ID, withCert.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "NIK 3505121208090017 salah"}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RevokeCertificate(ctx, admin, e.village.ID, cert.ID, "Kunci hilang",
			func(int64, []store.RevokedEntry, time.Time) ([]byte, error) { return []byte{0x30, 0x00}, nil }); err != nil {
			t.Fatal(err)
		}
		got, err = st.PublicLetterByVerifyCode(ctx, *want.VerifyCode)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != surat.LetterRevoked || got.RevokedAt == nil || !got.RevokedAt.Equal(ck.Now()) ||
			got.RevokeCode != surat.ReasonDataError || got.CertRevokedAt == nil || !got.CertRevokedAt.Equal(ck.Now()) {
			t.Errorf("after revocation: status %s at %v reason %q, certificate revoked %v",
				got.Status, got.RevokedAt, got.RevokeCode, got.CertRevokedAt)
		}

		// A letter signed without a stored certificate, later replaced.
		plain, err := e.finalize(e.approved(t, "sk_usaha").ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err = st.PublicLetterByVerifyCode(ctx, *plain.VerifyCode)
		if err != nil {
			t.Fatal(err)
		}
		if got.Module != "sk_usaha" || got.ValidUntil != nil || got.CertSerial != nil || got.CertFingerprint != nil ||
			got.CertNotBefore != nil || got.CertNotAfter != nil || got.CertRevokedAt != nil {
			t.Errorf("letter without certificate: %+v", got)
		}
		repl, err := st.Replace(ctx, e.clerk, e.village.ID, plain.ID)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := st.Submit(ctx, e.clerk, e.village.ID, repl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Approve(ctx, e.clerk, e.village.ID, repl.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.finalize(repl.ID); err != nil {
			t.Fatal(err)
		}
		got, err = st.PublicLetterByVerifyCode(ctx, *plain.VerifyCode)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != surat.LetterReplaced || got.ReplacedByID == nil || *got.ReplacedByID != repl.ID || got.RevokedAt == nil {
			t.Errorf("replaced letter: status %s replaced by %v at %v", got.Status, got.ReplacedByID, got.RevokedAt)
		}
	})
}

// TestPublicLookupFloodLeavesStaffAConnection floods the public lookup from
// 200 goroutines at once, as a burst of scans does, while a clerk's write
// and read run: every lookup answers the right letter, the clerk's work
// is not starved of a connection.
func TestPublicLookupFloodLeavesStaffAConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, nil)
		e := newLetterEnv(t, st, "3505122001", "module")
		codes := map[string]int64{}
		for range 20 {
			l, err := e.finalize(e.approved(t, "sk_domisili").ID)
			if err != nil {
				t.Fatal(err)
			}
			codes[*l.VerifyCode] = l.ID
		}
		list := make([]string, 0, len(codes))
		for c := range codes {
			list = append(list, c)
		}
		stop := make(chan struct{})
		errs := make(chan error, 200)
		var wg sync.WaitGroup
		flood := time.Now()
		for i := range 200 {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					code := list[(i+n)%len(list)]
					// Half of them as package verify reads, in the readers'
					// kept snapshots.
					lookup := st.PublicLetterByVerifyCode
					if i%2 == 1 {
						lookup = func(ctx context.Context, code string) (*store.PublicLetter, error) {
							return st.PublicLetterSeenSince(ctx, code, flood)
						}
					}
					l, err := lookup(ctx, code)
					if err != nil || l.ID != codes[code] {
						errs <- fmt.Errorf("lookup %s: %v, %v", code, l, err)
						return
					}
				}
			})
		}
		start := time.Now()
		draft := e.approved(t, "sk_usaha")
		if _, err := st.LetterByID(ctx, e.village.ID, draft.ID); err != nil {
			t.Errorf("clerk's read during the flood: %v", err)
		}
		staff := time.Since(start)
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Generous on a loaded CI machine; without free connections the
		// clerk waited behind hundreds of lookups for a random turn.
		if staff > 10*time.Second {
			t.Errorf("a clerk's write and read took %s during the flood", staff)
		}

	})
}

// TestPublicLookupSnapshots: a lookup that may read the database as it was
// after a given time (PublicLetterSeenSince, which on SQLite lets a reader
// keep its read transaction for the lookups after it) sees every change
// committed before that time, finds a letter signed after its snapshot
// began, and a reader that the scans left ends its transaction, so that a
// checkpoint can empty the write-ahead log.
func TestPublicLookupSnapshots(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, nil)
		e := newLetterEnv(t, st, "3505122001", "module")
		first, err := e.finalize(e.approved(t, "sk_domisili").ID)
		if err != nil {
			t.Fatal(err)
		}
		code := *first.VerifyCode
		status := func(code string, since time.Time) surat.LetterStatus {
			t.Helper()
			l, err := st.PublicLetterSeenSince(ctx, code, since)
			if err != nil {
				t.Fatalf("lookup of %s since %s: %v", code, since.Format(time.StampMicro), err)
			}
			return l.Status
		}

		// Every reader takes a snapshot, before the letter is revoked.
		start := time.Now()
		for range 4 {
			if got := status(code, start); got != surat.LetterSigned {
				t.Fatalf("status %s, want signed", got)
			}
		}
		if _, err := st.PublicLetterSeenSince(ctx, code, time.Time{}); err == nil {
			t.Fatal("a lookup without a time was run")
		}
		second, err := e.finalize(e.approved(t, "sk_usaha").ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Revoke(ctx, e.clerk, e.village.ID, first.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "salah"}); err != nil {
			t.Fatal(err)
		}
		revoked := time.Now()
		// A letter signed after the snapshots began is found in them.
		if got := status(*second.VerifyCode, start); got != surat.LetterSigned {
			t.Fatalf("letter signed after the snapshot: status %s", got)
		}
		// A lookup since before the revocation may read a kept snapshot.
		// On SQLite it does while the snapshots are young: the scans between
		// two reads of the public generation share them.
		old := status(code, start)
		if b == storetest.SQLite && time.Since(start) < 150*time.Millisecond && old != surat.LetterSigned {
			t.Errorf("a lookup since %s began a new snapshot instead of keeping one (status %s)", start.Format(time.StampMicro), old)
		}
		// One since the revocation sees it, on every reader.
		for range 4 {
			if got := status(code, revoked); got != surat.LetterRevoked {
				t.Fatalf("lookup since the revocation: status %s, want revoked", got)
			}
		}
		if l, err := st.PublicLetterByVerifyCode(ctx, code); err != nil || l.Status != surat.LetterRevoked {
			t.Fatalf("fresh lookup: %+v, %v", l, err)
		}
		if b != storetest.SQLite {
			return
		}

		// The readers keep snapshots of a database whose write-ahead log
		// has frames; once the scans stop, a checkpoint that waits for no
		// one can still move them all into the database file and empty
		// the log.
		status(code, time.Now())
		db, err := sql.Open("sqlite", dsn+"?_pragma=busy_timeout(0)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var busy, frames, moved int
		for deadline := time.Now().Add(5 * time.Second); ; {
			if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &moved); err != nil {
				t.Fatal(err)
			}
			if busy == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if busy != 0 || frames != 0 {
			t.Fatalf("checkpoint after the scans stopped: busy %d, %d frames left in the log", busy, frames)
		}
	})
}

// BenchmarkPublicLetterByVerifyCode looks up random letters of 1,000
// signed ones after ANALYZE (which on SQLite writes the sqlite_stat4 data
// that once made every lookup compile its statement twice): the database
// part of every scan of a QR code. Parallel, as the web server calls it.
func BenchmarkPublicLetterByVerifyCode(b *testing.B) {
	for _, backend := range storetest.Backends() {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(b, backend, nil)
		e := newLetterEnv(b, st, "3505122001", "module")
		codes := make([]string, 1000)
		for i := range codes {
			l, err := e.finalize(e.approved(b, "sk_domisili").ID)
			if err != nil {
				b.Fatal(err)
			}
			codes[i] = *l.VerifyCode
		}
		analyze(b, backend, dsn)
		b.Run(string(backend), func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := st.PublicLetterByVerifyCode(ctx, codes[rand.IntN(len(codes))]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// analyze updates the planner statistics of the letters table through a
// connection of its own, as an administrator would.
func analyze(b testing.TB, backend storetest.Backend, dsn string) {
	b.Helper()
	query := "ANALYZE"
	if backend == storetest.MySQL {
		query = "ANALYZE TABLE letters, signer_certificates"
	}
	db, err := sql.Open(string(backend), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		b.Fatalf("%s: %v", query, err)
	}
}

// TestPublicLookupsShareQueries queues 40 lookups while every slot of the
// batcher is taken, as a flood of scans does on MySQL: they are read with
// two queries (a full batch of 32 and one of 8), and each gets its own
// letter, the unknown codes ErrNotFound and the repeated codes the same
// letter. A lookup whose request is
// cancelled while it waits returns at once, and a batch no lookup waits
// for any more is not run.
func TestPublicLookupsShareQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, nil)
		st.BatchPublicLookups(2)
		e := newLetterEnv(t, st, "3505122001", "module")
		want := map[string]int64{}
		var codes []string
		for range 30 {
			l, err := e.finalize(e.approved(t, "sk_domisili").ID)
			if err != nil {
				t.Fatal(err)
			}
			want[*l.VerifyCode] = l.ID
			codes = append(codes, *l.VerifyCode)
		}
		// Revoked letters are public too.
		if _, err := st.Revoke(ctx, e.clerk, e.village.ID, want[codes[0]], surat.Revocation{Reason: surat.ReasonDataError, Note: "salah ketik"}); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			codes = append(codes, codes[i*3]) // the same letter twice in a batch
		}
		for range 5 {
			codes = append(codes, randomVerifyCode()) // no such letter
		}

		release := st.HoldPublicSlots()
		queries0, joined0 := st.PublicBatchCounts()
		reads0 := st.PublicReads()
		type answer struct {
			code string
			l    *store.PublicLetter
			err  error
		}
		answers := make(chan answer, len(codes))
		for _, c := range codes {
			go func() {
				l, err := st.PublicLetterByVerifyCode(ctx, c)
				answers <- answer{c, l, err}
			}()
		}
		waitFor(t, "40 lookups to queue", func() bool { _, j := st.PublicBatchCounts(); return j-joined0 == int64(len(codes)) })

		release()

		for range codes {
			a := <-answers
			id, known := want[a.code]
			switch {
			case !known && !errors.Is(a.err, surat.ErrNotFound):
				t.Errorf("unknown code %s: %v, %v", a.code, a.l, a.err)
			case known && (a.err != nil || a.l.ID != id || a.l.VerifyCode != a.code):
				t.Errorf("code %s: %+v, %v; want letter %d", a.code, a.l, a.err, id)
			case known && a.code == codes[0] && a.l.Status != surat.LetterRevoked:
				t.Errorf("revoked letter read as %s", a.l.Status)
			}
		}
		if q, _ := st.PublicBatchCounts(); q-queries0 != 2 {
			t.Errorf("40 lookups queued behind busy slots took %d queries, want 2", q-queries0)
		}
		// What /metrics shows (suratdesa_verify_db_*).
		if r := st.PublicReads(); r.Codes-reads0.Codes != int64(len(codes)) || r.Queries-reads0.Queries != 2 {
			t.Errorf("PublicReads moved by %d codes and %d queries, want %d and 2",
				r.Codes-reads0.Codes, r.Queries-reads0.Queries, len(codes))
		}

		// A lookup cancelled while it waits returns at once, and its batch
		// is not run.
		release = st.HoldPublicSlots()
		queries0, joined0 = st.PublicBatchCounts()
		cctx, cancel := context.WithCancel(ctx)
		lone := make(chan error, 1)
		go func() {
			_, err := st.PublicLetterByVerifyCode(cctx, codes[1])
			lone <- err
		}()
		waitFor(t, "the lookup to queue", func() bool { _, j := st.PublicBatchCounts(); return j > joined0 })
		cancel()
		if err := <-lone; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled lookup: %v", err)
		}
		release()
		// The next lookup queues behind the abandoned batch for its slot.
		release = st.HoldPublicSlots()
		go func() {
			l, err := st.PublicLetterByVerifyCode(ctx, codes[1])
			answers <- answer{codes[1], l, err}
		}()
		waitFor(t, "the next lookup to queue", func() bool { _, j := st.PublicBatchCounts(); return j > joined0+1 })
		release()
		if a := <-answers; a.err != nil || a.l.ID != want[codes[1]] {
			t.Errorf("lookup after the cancelled one: %v, %v", a.l, a.err)
		}
		if q, _ := st.PublicBatchCounts(); q-queries0 != 1 {
			t.Errorf("an abandoned batch and a lookup took %d queries, want 1", q-queries0)
		}
		// A lookup that finds a slot free runs at once.
		if l, err := st.PublicLetterByVerifyCode(ctx, codes[2]); err != nil || l.ID != want[codes[2]] {
			t.Errorf("lookup with a free slot: %v, %v", l, err)
		}
	})
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// randomVerifyCode is a well-formed verification code of no letter.
func randomVerifyCode() string {
	const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 26)
	for i := range b {
		b[i] = b32[rand.IntN(len(b32))]
	}
	return string(b)
}

// TestPublicLetterKeepsEveryName reads back letters whose subject's name
// holds what the lookup's packed row must carry unchanged (on SQLite the
// columns travel as one JSON array, verify_public.go): quotes, backslashes,
// JSON's own words and punctuation, scripts beyond Latin and emoji. (A
// letter refuses control and invisible characters in a name.)
func TestPublicLetterKeepsEveryName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, nil)
		e := newLetterEnv(t, st, "3505122001", "module")
		names := []string{
			`Siti "Ipah" Aminah`, `Ahmad \ Dahlan`, `O'Brien \"Jr\"`, `null`, `12345`, `-7`,
			`Budi, Santoso`, `[Wati]`, `{"a":1}`, `\u0041`,
			"Ñoño Müller", "ꦱꦸꦫꦠ꧀ ꦢꦺꦱ", "سوراة", "Dewi 🌾", strings.Repeat("Panjang ", 12),
		}
		// Bytes that are not UTF-8 (a form can send any) are refused on
		// both engines, with the clerk's message rather than MySQL's.
		bad := e.letter("sk_domisili", "Budi \xff Santoso")
		if err := st.CreateLetter(ctx, e.clerk, e.village.ID, bad); err == nil || !strings.Contains(err.Error(), "bukan teks UTF-8") {
			t.Errorf("a name that is not UTF-8: %v, want the validation message", err)
		}
		for _, name := range names {
			l := e.letter("sk_domisili", name)
			if err := st.CreateLetter(ctx, e.clerk, e.village.ID, l); err != nil {
				t.Fatalf("create letter for %q: %v", name, err)
			}
			e.approve(t, l)
			signed, err := e.finalize(l.ID)
			if err != nil {
				t.Fatal(err)
			}
			want, err := st.LetterByID(ctx, e.village.ID, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.PublicLetterByVerifyCode(ctx, *signed.VerifyCode)
			if err != nil {
				t.Fatalf("name %q: %v", name, err)
			}
			if got.SubjectName != want.SubjectName || got.SubjectName == "" || got.ID != l.ID ||
				got.Number == nil || *got.Number != *want.Number || got.PDFSHA256 != want.PDFSHA256 ||
				got.SignedAt == nil || !got.SignedAt.Equal(*want.SignedAt) {
				t.Errorf("name %q (stored %q): read back %q, letter %d number %v", name, want.SubjectName,
					got.SubjectName, got.ID, got.Number)
			}
		}
	})
}

// TestPublicLookupReadsOnlyTheIndex asks each engine's planner how it runs
// the public lookup, with statistics that make the unique index on the code
// look best (ANALYZE over signed letters): it must search letters_public
// alone, never reading a letter's row, whose form data made a scan of a
// QR code read a page of its own in a table of 1,000,000 letters.
func TestPublicLookupReadsOnlyTheIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, dsn := storetest.OpenDSN(t, b, nil)
		e := newLetterEnv(t, st, "3505122001", "module")
		var codes []any
		for range 3 {
			l, err := e.finalize(e.approved(t, "sk_domisili").ID)
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, *l.VerifyCode)
		}
		analyze(t, b, dsn)
		db, err := sql.Open(string(b), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, n := range []int{1, 3} {
			for _, q := range store.PublicLookupQueries(string(b), n) {
				plan := explain(t, db, b, q, codes[:n]...)
				if !strings.Contains(plan, "SEARCH l USING COVERING INDEX letters_public") {
					t.Errorf("plan of the lookup of %d codes:\n%s\nwant a search of letters_public alone\n%s", n, plan, q)
				}
			}
		}
		// The index lists the letters the lookup finds, revoked ones too.
		l, err := st.PublicLetterByVerifyCode(ctx, codes[0].(string))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Revoke(ctx, e.clerk, e.village.ID, l.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "salah ketik"}); err != nil {
			t.Fatal(err)
		}
		if l, err = st.PublicLetterByVerifyCode(ctx, codes[0].(string)); err != nil || l.Status != surat.LetterRevoked {
			t.Fatalf("after revocation: %+v, %v", l, err)
		}
	})
}

// explain is the plan of query with args, one line per step: SQLite's
// own words ("SEARCH l USING COVERING INDEX letters_public (...)"), and
// MySQL's JSON plan put in the same words for each table: SEARCH when it
// reads an index, COVERING when it reads nothing else.
func explain(t *testing.T, db *sql.DB, b storetest.Backend, query string, args ...any) string {
	t.Helper()
	var lines []string
	if b != storetest.MySQL {
		for _, r := range rowsOf(t, db, "EXPLAIN QUERY PLAN "+query, args...) {
			lines = append(lines, r[3])
		}
		return strings.Join(lines, "\n")
	}
	// A statement's prefix (publicQueryPrefix) comes before EXPLAIN too.
	i := strings.Index(query, "SELECT")
	var plan any
	if err := json.Unmarshal([]byte(rowsOf(t, db, query[:i]+"EXPLAIN FORMAT=JSON "+query[i:], args...)[0][0]), &plan); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if name, ok := v["table_name"].(string); ok {
				line := "SCAN " + name
				if key, ok := v["key"].(string); ok {
					line = "SEARCH " + name + " USING INDEX " + key
					if v["using_index"] == true {
						line = "SEARCH " + name + " USING COVERING INDEX " + key
					}
				}
				lines = append(lines, line)
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(plan)
	return strings.Join(lines, "\n")
}
