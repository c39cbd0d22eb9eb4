package store_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// testClock is an injected clock that tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// letterEnv is a village with a signing official and a resident, ready for
// letters.
type letterEnv struct {
	st       *store.Store
	village  *surat.Village
	signer   *surat.Official
	resident *surat.Resident
	clerk    surat.Actor
}

func newLetterEnv(tb testing.TB, st *store.Store, code string, scope surat.NumberScope) *letterEnv {
	tb.Helper()
	ctx := context.Background()
	v := &surat.Village{Code: code, Name: "Desa " + code[6:], Sebutan: "Desa", Kecamatan: "Sumberejo",
		Kabupaten: "Blitar", SebutanKab: "Kabupaten", Provinsi: "Jawa Timur", NumberScope: scope, Paper: "F4"}
	if err := st.CreateVillage(ctx, admin, v); err != nil {
		tb.Fatalf("create village: %v", err)
	}
	o := &surat.Official{Name: "Slamet Riyadi", Jabatan: "Kepala Desa", IsHead: true, Active: true}
	if err := st.CreateOfficial(ctx, admin, v.ID, o); err != nil {
		tb.Fatalf("create official: %v", err)
	}
	r := &surat.Resident{NIK: "3505121501800001", Name: "Budi Santoso", BirthPlace: "Blitar",
		BirthDate: time.Date(1980, 1, 15, 0, 0, 0, 0, time.UTC), Sex: surat.SexMale, Religion: 1,
		MaritalStatus: 2, Relation: surat.RelationHead, Citizenship: 1, LifeStatus: surat.LifeAlive}
	h := &surat.Household{NoKK: "3505120101080001", Address: "Jl. Melati 3", RT: "001", RW: "002", Dusun: "Krajan"}
	if err := st.CreateResident(ctx, admin, v.ID, r, h); err != nil {
		tb.Fatalf("create resident: %v", err)
	}
	return &letterEnv{st: st, village: v, signer: o, resident: r,
		clerk: surat.Actor{Username: "operator", Role: surat.RoleOperator, VillageID: v.ID}}
}

// letter is a letter of module about the env's resident, not yet stored;
// subjectName "" takes the resident's name.
func (e *letterEnv) letter(module, subjectName string) *surat.Letter {
	return &surat.Letter{Module: module, SubjectResidentID: &e.resident.ID, SignerOfficialID: &e.signer.ID,
		SubjectName: subjectName, FormData: `{"keperluan":"Melamar pekerjaan"}`}
}

// draft creates a draft letter of module about the env's resident.
func (e *letterEnv) draft(tb testing.TB, module string) *surat.Letter {
	tb.Helper()
	l := e.letter(module, "")
	if err := e.st.CreateLetter(context.Background(), e.clerk, e.village.ID, l); err != nil {
		tb.Fatalf("create letter: %v", err)
	}
	return l
}

// approved creates a letter of module and takes it to disetujui.
func (e *letterEnv) approved(tb testing.TB, module string) *surat.Letter {
	tb.Helper()
	return e.approve(tb, e.draft(tb, module))
}

// approve takes the draft l to disetujui.
func (e *letterEnv) approve(tb testing.TB, l *surat.Letter) *surat.Letter {
	tb.Helper()
	ctx := context.Background()
	l, err := e.st.Submit(ctx, e.clerk, e.village.ID, l.ID)
	if err != nil {
		tb.Fatalf("submit: %v", err)
	}
	l, err = e.st.Approve(ctx, e.clerk, e.village.ID, l.ID, l.Version)
	if err != nil {
		tb.Fatalf("approve: %v", err)
	}
	return l
}

// finalize signs letter id with fakeSign and the module's default kode 470.
func (e *letterEnv) finalize(id int64) (*surat.Letter, error) {
	return e.st.FinalizeLetter(context.Background(), e.clerk, e.village.ID, id, "470", fakeSign)
}

// fakeSign stands in for rendering and signing: a random verification code
// and the hash of the number as the "PDF".
func fakeSign(n surat.LetterNumber) (store.FinalArtifact, error) {
	var b [16]byte
	rand.Read(b[:])
	sum := sha256.Sum256([]byte(n.Number))
	return store.FinalArtifact{
		VerifyCode: base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]),
		PDFPath:    fmt.Sprintf("letters/%d/%d.pdf", n.Letter.VillageID, n.Letter.ID),
		PDFSHA256:  hex.EncodeToString(sum[:]),
	}, nil
}

func TestLetterWorkflow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		clock := newClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		st := storetest.Open(t, b, clock.Now)
		e := newLetterEnv(t, st, "3505122001", "module")
		vid := e.village.ID

		l := e.draft(t, "sk_domisili")
		if l.Status != surat.LetterDraft || l.Version != 1 || l.SubjectName != "Budi Santoso" || l.Number != nil {
			t.Fatalf("new draft %+v", l)
		}

		// Two clerks edit the same version: the second is told.
		first, second := *l, *l
		first.FormData = `{"keperluan":"Pendaftaran sekolah"}`
		if err := st.UpdateLetterDraft(ctx, e.clerk, vid, &first); err != nil {
			t.Fatalf("update draft: %v", err)
		}
		if first.Version != 2 {
			t.Errorf("version after edit = %d, want 2", first.Version)
		}
		second.SubjectName = "Orang Lain"
		if err := st.UpdateLetterDraft(ctx, e.clerk, vid, &second); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("stale edit: got %v, want ErrConflict", err)
		}

		// Edits naming people or officials of another village are refused.
		o := newLetterEnv(t, st, "3505122002", "module")
		foreign := first
		foreign.SignerOfficialID = &o.signer.ID
		foreign.SubjectResidentID = &o.resident.ID
		fields, ok := surat.FieldErrors(st.UpdateLetterDraft(ctx, e.clerk, vid, &foreign))
		if !ok || fields["signer_official_id"] == "" || fields["subject_resident_id"] == "" {
			t.Errorf("foreign references: got %v", fields)
		}

		sub, err := st.Submit(ctx, e.clerk, vid, l.ID)
		if err != nil || sub.Status != surat.LetterSubmitted {
			t.Fatalf("submit: %+v %v", sub, err)
		}
		edit := *sub
		var te *surat.TransitionError
		if err := st.UpdateLetterDraft(ctx, e.clerk, vid, &edit); !errors.As(err, &te) || !te.Edit {
			t.Errorf("edit of a submitted letter: got %v, want TransitionError", err)
		}
		if _, err := st.Return(ctx, e.clerk, vid, l.ID, " "); err == nil {
			t.Error("return without a reason accepted")
		}
		ret, err := st.Return(ctx, e.clerk, vid, l.ID, "Keperluan kurang jelas")
		if err != nil || ret.Status != surat.LetterDraft || ret.ReturnReason != "Keperluan kurang jelas" {
			t.Fatalf("return: %+v %v", ret, err)
		}
		sub, err = st.Submit(ctx, e.clerk, vid, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		// An approval of what the approver saw before the return is stale.
		if _, err := st.Approve(ctx, e.clerk, vid, l.ID, sub.Version-2); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("stale approval: got %v, want ErrConflict", err)
		}
		approver := surat.Actor{UserID: 0, Username: "sekdes", Role: surat.RoleAdminDesa, VillageID: vid}
		app, err := st.Approve(ctx, approver, vid, l.ID, sub.Version)
		if err != nil || app.Status != surat.LetterApproved {
			t.Fatalf("approve: %+v %v", app, err)
		}

		// Illegal moves from disetujui.
		for name, move := range map[string]func() error{
			"submit": func() error { _, err := st.Submit(ctx, e.clerk, vid, l.ID); return err },
			"approve": func() error {
				_, err := st.Approve(ctx, e.clerk, vid, l.ID, app.Version)
				return err
			},
			"revoke": func() error {
				_, err := st.Revoke(ctx, e.clerk, vid, l.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "salah"})
				return err
			},
			"replace": func() error { _, err := st.Replace(ctx, e.clerk, vid, l.ID); return err },
		} {
			if err := move(); !errors.Is(err, surat.ErrInvalidTransition) {
				t.Errorf("%s of an approved letter: got %v, want ErrInvalidTransition", name, err)
			}
		}

		// Another village can neither see nor move the letter.
		if _, err := st.LetterByID(ctx, o.village.ID, l.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cross-village read: got %v, want ErrNotFound", err)
		}
		if _, err := st.FinalizeLetter(ctx, o.clerk, o.village.ID, l.ID, "470", fakeSign); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cross-village finalize: got %v, want ErrNotFound", err)
		}
		if _, err := st.Return(ctx, o.clerk, o.village.ID, l.ID, "x"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cross-village return: got %v, want ErrNotFound", err)
		}
		cross := *app
		if err := st.UpdateLetterDraft(ctx, o.clerk, o.village.ID, &cross); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cross-village edit: got %v, want ErrNotFound", err)
		}

		signed, err := e.finalize(l.ID)
		if err != nil {
			t.Fatalf("finalize: %v", err)
		}
		if got, want := signed.NumberString(), "470/001/3505122001/XI/2026"; got != want {
			t.Errorf("number: got %q, want %q", got, want)
		}
		if signed.Status != surat.LetterSigned || *signed.NumberSeq != 1 || *signed.NumberYear != 2026 ||
			signed.VerifyCode == nil || len(*signed.VerifyCode) != 26 || signed.SignedAt == nil ||
			len(signed.PDFSHA256) != 64 || signed.PDFPath == "" || *signed.NumberScope != "470/{n}/3505122001/{m}/{y}" ||
			!signed.IssuedAt.Equal(clock.Now()) {
			t.Errorf("signed letter %+v", signed)
		}
		if _, err := e.finalize(l.ID); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("second finalize: got %v, want ErrInvalidTransition", err)
		}
		if _, err := st.Revoke(ctx, e.clerk, vid, l.ID, surat.Revocation{Note: "Data pemohon tidak benar"}); err == nil {
			t.Error("revoke without a reason code accepted")
		}
		rev, err := st.Revoke(ctx, e.clerk, vid, l.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "Data pemohon tidak benar"})
		if err != nil || rev.Status != surat.LetterRevoked || rev.RevokedAt == nil || rev.NumberString() != signed.NumberString() ||
			rev.RevokeCode != surat.ReasonDataError || rev.RevokeReason != "Data pemohon tidak benar" {
			t.Fatalf("revoke: %+v %v", rev, err)
		}
		if _, err := st.Revoke(ctx, e.clerk, vid, l.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "lagi"}); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("revoking twice: got %v", err)
		}

		if c, err := st.VerifyAuditChain(ctx, vid); err != nil || !c.Intact() {
			t.Errorf("audit chain broken: %+v %v", c, err)
		}
		log, _ := st.AuditLog(ctx, vid, 100)
		actions := map[string]int{}
		for _, a := range log {
			actions[a.Action]++
		}
		for _, a := range []string{"letter.create", "letter.update", "letter.submit", "letter.return",
			"letter.approve", "letter.finalize", "letter.revoke"} {
			if actions[a] == 0 {
				t.Errorf("no audit entry %s (have %v)", a, actions)
			}
		}
	})
}

func TestFinalizeConcurrent(t *testing.T) {
	const letters = 200
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b, nil)
		e := newLetterEnv(t, st, "3505122001", "module")
		ls := make([]*surat.Letter, letters)
		for i := range ls {
			ls[i] = e.approved(t, "sk_domisili")
		}
		start := time.Now()
		var wg sync.WaitGroup
		results := make([]*surat.Letter, letters)
		errs := make([]error, letters)
		for i := range ls {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i], errs[i] = e.finalize(ls[i].ID)
			}(i)
		}
		wg.Wait()
		t.Logf("%d concurrent finalisations on %s in %v", letters, b, time.Since(start))
		seqs := make([]int, 0, letters)
		numbers := map[string]bool{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("finalize %d: %v", i, err)
			}
			seqs = append(seqs, *results[i].NumberSeq)
			numbers[results[i].NumberString()] = true
		}
		sort.Ints(seqs)
		for i, s := range seqs {
			if s != i+1 {
				t.Fatalf("sequences %v...: want 1..%d without gaps or duplicates", seqs[:i+1], letters)
			}
		}
		if len(numbers) != letters {
			t.Errorf("%d distinct numbers, want %d", len(numbers), letters)
		}
		page, err := st.ListLetters(context.Background(), e.village.ID,
			store.LetterFilter{Status: surat.LetterSigned, PerPage: 100})
		if err != nil || page.Total != letters {
			t.Errorf("signed letters listed: %v %v", page.Total, err)
		}
		if c, err := st.VerifyAuditChain(context.Background(), e.village.ID); err != nil || !c.Intact() {
			t.Errorf("audit chain broken: %+v %v", c, err)
		}
	})
}

func TestFinalizeFailureLeavesNoGap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "village")
		first, failing, third := e.approved(t, "sk_domisili"), e.approved(t, "sk_usaha"), e.approved(t, "sk_domisili")

		signed, err := e.finalize(first.ID)
		if err != nil {
			t.Fatal(err)
		}
		errSigner := errors.New("passphrase salah")
		var offered string
		_, err = st.FinalizeLetter(ctx, e.clerk, e.village.ID, failing.ID, "500",
			func(n surat.LetterNumber) (store.FinalArtifact, error) {
				offered = n.Number
				return store.FinalArtifact{}, errSigner
			})
		if !errors.Is(err, errSigner) {
			t.Fatalf("failed signing: got %v, want the signer's error", err)
		}
		if offered != "500/002/3505122001/XI/2026" {
			t.Errorf("failed letter was offered %q", offered)
		}
		// An artefact that cannot be stored (the first letter's verification
		// code again) fails after allocation too.
		_, err = st.FinalizeLetter(ctx, e.clerk, e.village.ID, failing.ID, "500",
			func(n surat.LetterNumber) (store.FinalArtifact, error) {
				a, _ := fakeSign(n)
				a.VerifyCode = *signed.VerifyCode
				return a, nil
			})
		if !errors.Is(err, surat.ErrConflict) {
			t.Fatalf("duplicate verify code: got %v, want ErrConflict", err)
		}
		got, err := st.LetterByID(ctx, e.village.ID, failing.ID)
		if err != nil || got.Status != surat.LetterApproved || got.Number != nil || got.VerifyCode != nil {
			t.Fatalf("a failed finalisation left %+v %v", got, err)
		}

		next, err := e.finalize(third.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := *next.NumberSeq, 2; got != want {
			t.Errorf("after a failure: seq %d, want %d (no gap)", got, want)
		}
		retry, err := st.FinalizeLetter(ctx, e.clerk, e.village.ID, failing.ID, "500", fakeSign)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := retry.NumberString(), "500/003/3505122001/XI/2026"; got != want {
			t.Errorf("retry: got %q, want %q", got, want)
		}
	})
}

// TestFinalizeFirstOfYearFails signs the first letter of a new counter and
// fails while others queue behind it: on MySQL, transactions waiting on a
// row that a rolled-back transaction had inserted deadlock, which is why
// counters are created outside the finalising transaction.
func TestFinalizeFirstOfYearFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		first := e.approved(t, "sk_domisili")
		queued := make([]*surat.Letter, 20)
		for i := range queued {
			queued[i] = e.approved(t, "sk_domisili")
		}
		signing := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.FinalizeLetter(context.Background(), e.clerk, e.village.ID, first.ID, "470",
				func(surat.LetterNumber) (store.FinalArtifact, error) {
					close(signing)
					time.Sleep(100 * time.Millisecond)
					return store.FinalArtifact{}, errors.New("sertifikat kedaluwarsa")
				})
			if err == nil {
				t.Error("failing signature succeeded")
			}
		}()
		<-signing
		seqs := make([]int, len(queued))
		for i := range queued {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				l, err := e.finalize(queued[i].ID)
				if err != nil {
					t.Errorf("queued finalisation: %v", err)
					return
				}
				seqs[i] = *l.NumberSeq
			}(i)
		}
		wg.Wait()
		sort.Ints(seqs)
		for i, s := range seqs {
			if s != i+1 {
				t.Fatalf("sequences %v, want 1..%d", seqs, len(queued))
			}
		}
	})
}

func TestFinalizeTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		l := e.approved(t, "sk_domisili")
		const tries = 20
		var calls, wins atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, tries)
		for i := 0; i < tries; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := st.FinalizeLetter(context.Background(), e.clerk, e.village.ID, l.ID, "470",
					func(n surat.LetterNumber) (store.FinalArtifact, error) {
						calls.Add(1)
						return fakeSign(n)
					})
				if err == nil {
					wins.Add(1)
					return
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		if wins.Load() != 1 || calls.Load() != 1 {
			t.Errorf("%d finalisations succeeded and %d signed, want 1 and 1", wins.Load(), calls.Load())
		}
		for err := range errs {
			if !errors.Is(err, surat.ErrInvalidTransition) {
				t.Errorf("losing finalisation: got %v, want ErrInvalidTransition", err)
			}
		}
		next, err := e.finalize(e.approved(t, "sk_domisili").ID)
		if err != nil || *next.NumberSeq != 2 {
			t.Errorf("next letter: %v %v, want seq 2", next, err)
		}
	})
}

func TestNumberingRestartsInNewYear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		// 23:59 WIB on 31 December 2026, then midnight WIB on 1 January 2027
		// (still 31 December in UTC).
		clock := newClock(time.Date(2026, 12, 31, 16, 59, 0, 0, time.UTC))
		st := storetest.Open(t, b, clock.Now)
		e := newLetterEnv(t, st, "3505122001", "module")
		var got []string
		sign := func() {
			l, err := e.finalize(e.approved(t, "sk_domisili").ID)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, l.NumberString())
		}
		sign()
		sign()
		clock.Set(time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC))
		sign()
		sign()
		want := []string{"470/001/3505122001/XII/2026", "470/002/3505122001/XII/2026",
			"470/001/3505122001/I/2027", "470/002/3505122001/I/2027"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestNumberScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		perModule := newLetterEnv(t, st, "3505122001", "module")
		perVillage := newLetterEnv(t, st, "3505122002", "village")
		for _, e := range []*letterEnv{perModule, perVillage} {
			for _, s := range []surat.LetterSettings{
				{Module: "sk_usaha", Enabled: true, KodeSurat: "500"},
				{Module: "sk_kesra", Enabled: true, NumberFormat: "[kode_surat]/[nomor_surat,3]/KESRA/[tahun]"},
			} {
				if err := st.SaveLetterSetting(ctx, admin, e.village.ID, &s); err != nil {
					t.Fatal(err)
				}
			}
		}
		order := []string{"sk_domisili", "sk_usaha", "sk_pengantar", "sk_kesra", "sk_domisili", "sk_usaha"}
		sign := func(e *letterEnv) []string {
			var got []string
			for _, m := range order {
				l, err := e.finalize(e.approved(t, m).ID)
				if err != nil {
					t.Fatalf("%s: %v", m, err)
				}
				got = append(got, l.NumberString())
			}
			return got
		}
		// One sequence per series: sk_domisili and sk_pengantar both print
		// kode 470 and so share one; sk_usaha (500) and the KESRA override
		// have their own.
		want := []string{"470/001/3505122001/XI/2026", "500/001/3505122001/XI/2026", "470/002/3505122001/XI/2026",
			"470/001/KESRA/2026", "470/003/3505122001/XI/2026", "500/002/3505122001/XI/2026"}
		if got := sign(perModule); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("per module: got %q, want %q", got, want)
		}
		want = []string{"470/001/3505122002/XI/2026", "500/002/3505122002/XI/2026", "470/003/3505122002/XI/2026",
			"470/004/KESRA/2026", "470/005/3505122002/XI/2026", "500/006/3505122002/XI/2026"}
		if got := sign(perVillage); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("per village: got %q, want %q", got, want)
		}
	})
}

func TestReplaceLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		vid := e.village.ID
		orig, err := e.finalize(e.approved(t, "sk_domisili").ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Replace(ctx, e.clerk, vid, e.draft(t, "sk_domisili").ID); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("replacing a draft: got %v, want ErrInvalidTransition", err)
		}
		repl, err := st.Replace(ctx, e.clerk, vid, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		if repl.Status != surat.LetterDraft || repl.ReplacesID == nil || *repl.ReplacesID != orig.ID ||
			repl.FormData != orig.FormData || repl.Number != nil {
			t.Fatalf("replacement %+v", repl)
		}
		if _, err := st.Replace(ctx, e.clerk, vid, orig.ID); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("second replacement: got %v, want ErrConflict", err)
		}
		// The original stays valid until the replacement is signed.
		if got, _ := st.LetterByID(ctx, vid, orig.ID); got.Status != surat.LetterSigned {
			t.Errorf("original is %s before the replacement is signed", got.Status)
		}
		sub, err := st.Submit(ctx, e.clerk, vid, repl.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Approve(ctx, e.clerk, vid, repl.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		signed, err := e.finalize(repl.ID)
		if err != nil {
			t.Fatal(err)
		}
		old, _ := st.LetterByID(ctx, vid, orig.ID)
		if old.Status != surat.LetterReplaced || old.ReplacedByID == nil || *old.ReplacedByID != repl.ID ||
			!strings.Contains(old.RevokeReason, signed.NumberString()) || old.RevokeCode != surat.ReasonReplaced ||
			old.RevokedAt == nil {
			t.Errorf("original after replacement: %+v", old)
		}
		if _, err := st.Revoke(ctx, e.clerk, vid, orig.ID, surat.Revocation{Reason: surat.ReasonDataError, Note: "x"}); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("revoking a replaced letter: got %v", err)
		}

		// A letter revoked while its replacement was under way stays revoked.
		second, err := e.finalize(e.approved(t, "sk_domisili").ID)
		if err != nil {
			t.Fatal(err)
		}
		repl2, err := st.Replace(ctx, e.clerk, vid, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Revoke(ctx, e.clerk, vid, second.ID, surat.Revocation{Reason: surat.ReasonApplicantRequest, Note: "Pemohon pindah"}); err != nil {
			t.Fatal(err)
		}
		sub, _ = st.Submit(ctx, e.clerk, vid, repl2.ID)
		if _, err := st.Approve(ctx, e.clerk, vid, repl2.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.finalize(repl2.ID); err != nil {
			t.Fatalf("replacement of a revoked letter: %v", err)
		}
		if got, _ := st.LetterByID(ctx, vid, second.ID); got.Status != surat.LetterRevoked || got.ReplacedByID != nil {
			t.Errorf("revoked original became %s, replaced by %v", got.Status, got.ReplacedByID)
		}
		if c, err := st.VerifyAuditChain(ctx, vid); err != nil || !c.Intact() {
			t.Errorf("audit chain broken: %+v %v", c, err)
		}
	})
}

func TestLetterSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		other := newLetterEnv(t, st, "3505122002", "module")

		bad := &surat.LetterSettings{Module: "sk_domisili", NumberFormat: "[nomor_surat]", ValidityDays: -5}
		if fields, ok := surat.FieldErrors(st.SaveLetterSetting(ctx, admin, e.village.ID, bad)); !ok ||
			fields["number_format"] == "" || fields["validity_days"] == "" {
			t.Errorf("bad settings: %v", fields)
		}
		s := &surat.LetterSettings{Module: "sk_domisili", Enabled: true, KodeSurat: "400.12.2.1", ValidityDays: 30, Online: true}
		if err := st.SaveLetterSetting(ctx, admin, e.village.ID, s); err != nil {
			t.Fatal(err)
		}
		s2 := *s
		s2.Enabled, s2.ValidityDays = false, 60
		if err := st.SaveLetterSetting(ctx, admin, e.village.ID, &s2); err != nil {
			t.Fatal(err)
		}
		all, err := st.LetterSettings(ctx, e.village.ID)
		if err != nil || len(all) != 1 || all["sk_domisili"].Enabled || all["sk_domisili"].ValidityDays != 60 ||
			all["sk_domisili"].KodeSurat != "400.12.2.1" || !all["sk_domisili"].Online {
			t.Errorf("settings %+v %v", all, err)
		}
		if _, err := st.LetterSetting(ctx, other.village.ID, "sk_domisili"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village's setting: got %v, want ErrNotFound", err)
		}
		if all, _ := st.LetterSettings(ctx, other.village.ID); len(all) != 0 {
			t.Errorf("settings leak across villages: %+v", all)
		}
		// A disabled module takes no new letters; others still do.
		l := &surat.Letter{Module: "sk_domisili", SubjectResidentID: &e.resident.ID}
		if fields, ok := surat.FieldErrors(st.CreateLetter(ctx, e.clerk, e.village.ID, l)); !ok || fields["module"] == "" {
			t.Errorf("letter of a disabled module: %v", fields)
		}
		other.draft(t, "sk_domisili")

		// Settings reach the number: kode surat and validity.
		s2.Enabled = true
		if err := st.SaveLetterSetting(ctx, admin, e.village.ID, &s2); err != nil {
			t.Fatal(err)
		}
		var days int
		signed, err := st.FinalizeLetter(ctx, e.clerk, e.village.ID, e.approved(t, "sk_domisili").ID, "470",
			func(n surat.LetterNumber) (store.FinalArtifact, error) {
				days = n.ValidityDays
				a, err := fakeSign(n)
				until := n.Date.AddDate(0, 0, n.ValidityDays)
				a.ValidUntil = &until
				return a, err
			})
		if err != nil {
			t.Fatal(err)
		}
		if signed.NumberString() != "400.12.2.1/001/3505122001/XI/2026" || days != 60 ||
			signed.ValidUntil == nil || !signed.ValidUntil.Equal(fixedNow().AddDate(0, 0, 60)) {
			t.Errorf("signed with settings: %q days %v until %v", signed.NumberString(), days, signed.ValidUntil)
		}
	})
}

func TestListLetters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		clock := newClock(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC))
		st := storetest.Open(t, b, clock.Now)
		e := newLetterEnv(t, st, "3505122001", "module")
		other := newLetterEnv(t, st, "3505122002", "module")
		other.draft(t, "sk_domisili")

		march, err := e.finalize(e.approved(t, "sk_usaha").ID)
		if err != nil {
			t.Fatal(err)
		}
		// Drafted in March and signed in April: dated 2 April. Drafted in
		// March and never signed: dated by its creation.
		late := e.approved(t, "sk_usaha")
		e.draft(t, "sk_kelahiran")
		clock.Set(time.Date(2026, 4, 2, 2, 0, 0, 0, time.UTC))
		if _, err := e.finalize(late.ID); err != nil {
			t.Fatal(err)
		}
		e.draft(t, "sk_domisili")
		e.approved(t, "sk_domisili")
		named := &surat.Letter{Module: "sk_domisili", SubjectName: "Siti Aminah", SignerOfficialID: &e.signer.ID}
		if err := st.CreateLetter(ctx, e.clerk, e.village.ID, named); err != nil {
			t.Fatal(err)
		}
		// The other village's letters never match a search.
		elsewhere := &surat.Letter{Module: "sk_domisili", SubjectName: "Aminah Lain", SignerOfficialID: &other.signer.ID}
		if err := st.CreateLetter(ctx, other.clerk, other.village.ID, elsewhere); err != nil {
			t.Fatal(err)
		}
		if _, err := other.finalize(other.approved(t, "sk_usaha").ID); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name string
			f    store.LetterFilter
			want int64
		}{
			{"all", store.LetterFilter{}, 6},
			{"drafts", store.LetterFilter{Status: surat.LetterDraft}, 3},
			{"module", store.LetterFilter{Module: "sk_usaha"}, 2},
			{"march", store.LetterFilter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
				To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, 2},
			{"from april", store.LetterFilter{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, 4},
			{"before april", store.LetterFilter{To: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}, 2},
			{"2 april, signed", store.LetterFilter{Status: surat.LetterSigned, From: time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC),
				To: time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)}, 1},
			{"number", store.LetterFilter{Query: "/001/"}, 1},
			{"name", store.LetterFilter{Query: "aminah"}, 1},
			{"wildcards", store.LetterFilter{Query: "%"}, 6},
			{"name, drafts", store.LetterFilter{Query: "aminah", Status: surat.LetterDraft}, 1},
			{"name, signed", store.LetterFilter{Query: "aminah", Status: surat.LetterSigned}, 0},
			{"the village's code", store.LetterFilter{Query: "3505122001"}, 2},
			{"another village's code", store.LetterFilter{Query: "3505122002"}, 0},
		}
		page, _ := st.ListLetters(ctx, e.village.ID, store.LetterFilter{PerPage: 5, Page: 2})
		if page.Total != 6 || len(page.Letters) != 1 || page.Letters[0].ID != march.ID {
			t.Errorf("second page: %+v", page)
		}
		// A search reads the ids of up to searchAtOnce matches and pages
		// them itself, or has the database count and page them when more
		// match: both ways, with the default and with one at once.
		for _, atOnce := range []int{0, 1} {
			store.SetSearchAtOnce(st, atOnce)
			for _, tt := range tests {
				page, err := st.ListLetters(ctx, e.village.ID, tt.f)
				if err != nil || page.Total != tt.want || len(page.Letters) != int(tt.want) {
					t.Errorf("%s (%d at once): total %v, %d rows, err %v; want %d", tt.name, atOnce, page.Total,
						len(page.Letters), err, tt.want)
				}
			}
			// A search is paged newest first too.
			for i, want := range []int64{late.ID, march.ID} {
				page, err := st.ListLetters(ctx, e.village.ID, store.LetterFilter{Query: "3505122001", PerPage: 1, Page: i + 1})
				if err != nil || page.Total != 2 || len(page.Letters) != 1 || page.Letters[0].ID != want {
					t.Errorf("search (%d at once), page %d: %+v, %v; want letter %d of 2", atOnce, i+1, page, err, want)
				}
			}
			if page, err := st.ListLetters(ctx, e.village.ID, store.LetterFilter{Query: "3505122001", PerPage: 1, Page: 3}); err != nil ||
				page.Total != 2 || len(page.Letters) != 0 {
				t.Errorf("search (%d at once), page past the end: %+v, %v", atOnce, page, err)
			}
			// A page far past the end is empty, and still counts, even
			// where its offset (25 a page) would overflow.
			far := math.MaxInt/25 + 2
			for _, q := range []string{"", "3505122001"} {
				page, err := st.ListLetters(ctx, e.village.ID, store.LetterFilter{Query: q, Page: far})
				if err != nil || len(page.Letters) != 0 || page.Total == 0 {
					t.Errorf("search %q (%d at once), page %d: %+v, %v", q, atOnce, far, page, err)
				}
			}
			// Every letter, three to a page, newest first: page 2 of 2.
			page, err := st.ListLetters(ctx, e.village.ID, store.LetterFilter{Query: "%", PerPage: 3, Page: 2})
			if err != nil || page.Total != 6 || len(page.Letters) != 3 || page.Letters[2].ID != march.ID ||
				page.Letters[0].ID <= page.Letters[1].ID || page.Letters[1].ID <= page.Letters[2].ID {
				t.Errorf("search (%d at once), every letter, page 2: %+v, %v", atOnce, page, err)
			}
		}
	})
}

// BenchmarkFinalizeSequential finalises prepared letters one after another:
// the cost of one numbering transaction without the render and signature.
func BenchmarkFinalizeSequential(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			e, ids := benchLetters(b, backend)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.finalize(ids[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
		})
	}
}

// BenchmarkFinalizeConcurrent finalises prepared letters from parallel
// goroutines, all in one counter scope: the contention of one busy village.
func BenchmarkFinalizeConcurrent(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			e, ids := benchLetters(b, backend)
			var next atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := e.finalize(ids[next.Add(1)-1]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
		})
	}
}

// benchLetters opens a store with b.N approved letters.
func benchLetters(b *testing.B, backend storetest.Backend) (*letterEnv, []int64) {
	b.Helper()
	st := storetest.Open(b, backend, nil)
	e := newLetterEnv(b, st, "3505122001", "module")
	ids := make([]int64, b.N)
	for i := range ids {
		ids[i] = e.approved(b, "sk_domisili").ID
	}
	return e, ids
}

// approvedItems opens a store of backend b with a village numbering all
// its letters in one series, and approves n letters there.
func approvedItems(t *testing.T, b storetest.Backend, n int) (*store.Store, *letterEnv, []store.FinalizeItem) {
	t.Helper()
	st := storetest.Open(t, b, fixedNow)
	e := newLetterEnv(t, st, "3505122001", surat.ScopeVillage)
	items := make([]store.FinalizeItem, n)
	for i := range items {
		items[i] = store.FinalizeItem{LetterID: e.approved(t, "sk_domisili").ID, DefaultKodeSurat: "470"}
	}
	return st, e, items
}

// TestFinalizeItemFailure: the rows of the letters signed before a failed
// one are written while the others are signed; the failure still rolls
// the whole call back, names the letter, and the letters without it are
// numbered from 1 the next time.
func TestFinalizeItemFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, e, items := approvedItems(t, b, 6)
		bad := items[3].LetterID
		f := func(n surat.LetterNumber) (store.FinalArtifact, error) {
			if n.Letter.ID == bad {
				return store.FinalArtifact{}, errors.New("render failed")
			}
			return fakeSign(n)
		}
		_, err := st.FinalizeLetters(ctx, e.clerk, e.village.ID, items, 2, f)
		var ie *store.FinalizeItemError
		if !errors.As(err, &ie) || ie.Index != 3 || ie.LetterID != bad || !strings.Contains(err.Error(), "render failed") {
			t.Fatalf("got %v, want a *FinalizeItemError for item 3 (letter %d)", err, bad)
		}
		for _, it := range items {
			l, err := st.LetterByID(ctx, e.village.ID, it.LetterID)
			if err != nil || l.Status != surat.LetterApproved || l.Number != nil || l.VerifyCode != nil {
				t.Fatalf("letter %d after the failed call: %+v, %v", it.LetterID, l, err)
			}
		}
		rest := slices.Delete(slices.Clone(items), 3, 4)
		out, err := st.FinalizeLetters(ctx, e.clerk, e.village.ID, rest, 2, fakeSign)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range out {
			if l.ID != rest[i].LetterID || l.Status != surat.LetterSigned || l.NumberSeq == nil || *l.NumberSeq != i+1 {
				t.Errorf("item %d: letter %d, status %s, sequence %v; want letter %d signed with %d",
					i, l.ID, l.Status, l.NumberSeq, rest[i].LetterID, i+1)
			}
		}
	})
}

// TestFinalizePersist: persist runs once per attempt after every letter's
// f; when it fails nothing is signed and no number is used, so the next
// batch starts at the same number.
func TestFinalizePersist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st, e, items := approvedItems(t, b, 3)
		var signed atomic.Int32
		f := func(n surat.LetterNumber) (store.FinalArtifact, error) {
			signed.Add(1)
			return fakeSign(n)
		}
		calls := 0
		_, err := st.FinalizeLettersPersist(ctx, e.clerk, e.village.ID, items, 2, f, func() error {
			calls++
			if signed.Load() != 3 {
				t.Errorf("persist ran after %d of 3 letters", signed.Load())
			}
			return errors.New("disk full")
		})
		if err == nil || !strings.Contains(err.Error(), "disk full") || calls != 1 {
			t.Fatalf("failed persist: %v after %d calls", err, calls)
		}
		for _, it := range items {
			l, err := st.LetterByID(ctx, e.village.ID, it.LetterID)
			if err != nil || l.Status != surat.LetterApproved || l.Number != nil {
				t.Fatalf("letter %d after a failed persist: %+v, %v", it.LetterID, l, err)
			}
		}
		out, err := st.FinalizeLettersPersist(ctx, e.clerk, e.village.ID, items, 2, f, func() error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range out {
			if l.Status != surat.LetterSigned || l.NumberSeq == nil || *l.NumberSeq != i+1 {
				t.Errorf("letter %d: status %s, sequence %v; want signed with %d", l.ID, l.Status, l.NumberSeq, i+1)
			}
		}
	})
}
