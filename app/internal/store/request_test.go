package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// newRequest stores a submitted request of the env's resident about
// themself.
func (e *letterEnv) newRequest(t *testing.T, atts ...surat.Attachment) *surat.LetterRequest {
	t.Helper()
	r := &surat.LetterRequest{ResidentID: e.resident.ID, SubjectResidentID: e.resident.ID, Module: "sk_domisili",
		FormData: `{"subjects":{"pemohon":{"resident_id":1}},"fields":{"keperluan":"Bank"}}`}
	if err := e.st.CreateRequest(context.Background(), e.village.ID, r, atts); err != nil {
		t.Fatalf("create request: %v", err)
	}
	return r
}

func attachment(n byte) surat.Attachment {
	return surat.Attachment{ContentType: "application/pdf", Size: 10, SHA256: strings.Repeat("a", 63) + string('0'+n),
		Path: "attachments/1/" + strings.Repeat("b", 31) + string('0'+n)}
}

func TestRequestStatusFollowsLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		vid, rid := e.village.ID, e.resident.ID
		clerk := surat.Actor{UserID: 0, Username: "operator", Role: surat.RoleOperator, VillageID: vid}

		r := e.newRequest(t, attachment(1))
		status := func() surat.RequestStatus {
			t.Helper()
			got, err := st.RequestOfResident(ctx, vid, rid, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Effective
		}
		if s := status(); s != surat.RequestInReview {
			t.Fatalf("new request: %s", s)
		}
		// Returned with a message, corrected by the resident.
		if _, err := st.ReturnRequest(ctx, clerk, vid, r.ID, "  "); err == nil {
			t.Error("return without a message accepted")
		}
		got, err := st.ReturnRequest(ctx, clerk, vid, r.ID, "KK belum dilampirkan")
		if err != nil || got.Effective != surat.RequestIncomplete || got.Message != "KK belum dilampirkan" {
			t.Fatalf("return: %+v %v", got, err)
		}
		upd := &surat.LetterRequest{ID: r.ID, Module: "sk_domisili", SubjectResidentID: rid, FormData: `{"fields":{}}`, Version: 1}
		if err := st.UpdateRequest(ctx, vid, rid, upd); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("update at an old version: %v", err)
		}
		upd.Version = got.Version
		if err := st.UpdateRequest(ctx, vid, rid, upd); err != nil || upd.Effective != surat.RequestInReview {
			t.Fatalf("correct: %+v %v", upd, err)
		}
		if err := st.UpdateRequest(ctx, vid, rid, upd); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("edit while under review: %v", err)
		}

		// The letter's workflow drives the shown status.
		l := e.draft(t, "sk_domisili")
		if _, err := st.OpenRequest(ctx, clerk, vid, r.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		if s := status(); s != surat.RequestInReview {
			t.Errorf("with a draft: %s", s)
		}
		l, err = st.Submit(ctx, e.clerk, vid, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s := status(); s != surat.RequestAwaitingSignature {
			t.Errorf("submitted letter: %s", s)
		}
		if q, err := st.RequestQueue(ctx, vid, surat.RequestAwaitingSignature, 0); err != nil || len(q) != 1 || q[0].RequesterName != "Budi Santoso" {
			t.Errorf("queue filtered on menunggu: %+v %v", q, err)
		}
		if _, err := st.ReturnRequest(ctx, clerk, vid, r.ID, "x"); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("return while waiting for the signature: %v", err)
		}
		if _, err := st.Approve(ctx, e.clerk, vid, l.ID, l.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.finalize(l.ID); err != nil {
			t.Fatal(err)
		}
		if s := status(); s != surat.RequestReady {
			t.Errorf("signed letter: %s", s)
		}
		if _, _, err := st.CancelRequest(ctx, vid, rid, r.ID); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("cancel after signing: %v", err)
		}
		if ls, err := st.ResidentLetters(ctx, vid, rid); err != nil || len(ls) != 1 || ls[0].ID != l.ID {
			t.Errorf("resident letters: %+v %v", ls, err)
		}
		if changed, err := st.MarkLetterTaken(ctx, vid, rid, l.ID); err != nil || !changed {
			t.Errorf("mark taken: %v %v", changed, err)
		}
		if s := status(); s != surat.RequestTaken {
			t.Errorf("downloaded: %s", s)
		}
		if changed, _ := st.MarkLetterTaken(ctx, vid, rid, l.ID); changed {
			t.Error("marked taken twice")
		}
		es, err := st.RequestEvents(ctx, vid, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, ev := range es {
			seq = append(seq, string(ev.Status))
		}
		want := "sedang_diperiksa belum_lengkap sedang_diperiksa sedang_diperiksa sudah_diambil"
		if strings.Join(seq, " ") != want {
			t.Errorf("timeline %q, want %q", strings.Join(seq, " "), want)
		}
		if !es[1].ByClerk || es[1].Message != "KK belum dilampirkan" || es[2].ByClerk {
			t.Errorf("timeline authors/messages: %+v", es)
		}
	})
}

func TestRequestIsolationAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		o := newLetterEnv(t, st, "3505122002", "module")
		r := e.newRequest(t)
		if _, err := st.RequestOfResident(ctx, o.village.ID, o.resident.ID, r.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village resident: %v", err)
		}
		if _, err := st.RequestByID(ctx, o.village.ID, r.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village clerk: %v", err)
		}
		if _, _, err := st.CancelRequest(ctx, e.village.ID, e.resident.ID+1000, r.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("cancel by another resident: %v", err)
		}
		// A requester of another village cannot be stored.
		bad := &surat.LetterRequest{ResidentID: o.resident.ID, SubjectResidentID: o.resident.ID, Module: "sk_domisili", FormData: "{}"}
		if err := st.CreateRequest(ctx, e.village.ID, bad, nil); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("request of a foreign resident: %v", err)
		}
		var atts []surat.Attachment
		for i := 0; i < store.MaxAttachments; i++ {
			atts = append(atts, attachment(byte(i%10)))
		}
		if err := st.AddAttachments(ctx, e.village.ID, e.resident.ID, r.ID, atts); err != nil {
			t.Fatal(err)
		}
		if err := st.AddAttachments(ctx, e.village.ID, e.resident.ID, r.ID, atts[:1]); !errors.Is(err, surat.ErrAttachmentLimit) {
			t.Errorf("attachment beyond the maximum: %v, want surat.ErrAttachmentLimit", err)
		}
		if as, _ := st.Attachments(ctx, e.village.ID, r.ID); len(as) != store.MaxAttachments {
			t.Errorf("%d attachments", len(as))
		}
		if as, _ := st.Attachments(ctx, o.village.ID, r.ID); len(as) != 0 {
			t.Errorf("other village sees %d attachments", len(as))
		}
	})
}

func TestResidentAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		clock := newClock(fixedNow())
		st := storetest.Open(t, b, clock.Now)
		e := newLetterEnv(t, st, "3505122001", "module")
		o := newLetterEnv(t, st, "3505122002", "module")
		vid, rid := e.village.ID, e.resident.ID

		if _, err := st.IssueResidentPIN(ctx, e.clerk, o.village.ID, rid, "hash-1"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("PIN for a resident of another village: %v", err)
		}
		acc, err := st.IssueResidentPIN(ctx, e.clerk, vid, rid, "hash-1")
		if err != nil || !acc.MustChange {
			t.Fatalf("issue: %+v %v", acc, err)
		}
		sess := &store.ResidentSession{TokenHash: strings.Repeat("c", 64), Kind: "web", AccountID: acc.ID,
			ExpiresAt: fixedNow().Add(time.Hour), CreatedAt: fixedNow()}
		if err := st.CreateResidentSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if _, l, err := st.ResidentSessionLogin(ctx, sess.TokenHash, "web"); err != nil || l.Resident.ID != rid {
			t.Fatalf("session login: %v", err)
		}
		if _, _, err := st.ResidentSessionLogin(ctx, sess.TokenHash, "api"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("web session used as api token: %v", err)
		}
		for i := 1; i <= 5; i++ {
			until, err := st.RecordPINFailure(ctx, acc.ID, 5, 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if (until != nil) != (i == 5) {
				t.Errorf("failure %d: locked until %v", i, until)
			}
		}
		l, err := st.ResidentLoginByNIK(ctx, vid, e.resident.NIK)
		if err != nil || l.Account.LockedUntil == nil {
			t.Fatalf("locked account: %+v %v", l, err)
		}
		if _, err := st.ResidentLoginByNIK(ctx, o.village.ID, e.resident.NIK); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("same NIK in another village without an account: %v", err)
		}
		// A reset clears the lock and ends every session.
		if acc, err = st.IssueResidentPIN(ctx, e.clerk, vid, rid, "hash-2"); err != nil || acc.LockedUntil != nil || acc.PINHash != "hash-2" {
			t.Fatalf("reset: %+v %v", acc, err)
		}
		if _, _, err := st.ResidentSessionLogin(ctx, sess.TokenHash, "web"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("session survived the reset: %v", err)
		}
		if err := st.ChangeResidentPIN(ctx, acc.ID, "hash-3", ""); err != nil {
			t.Fatal(err)
		}
		if l, _ := st.ResidentLoginByNIK(ctx, vid, e.resident.NIK); l.Account.MustChange || l.Account.PINHash != "hash-3" {
			t.Errorf("after change: %+v", l.Account)
		}
		// Residents who died get no PIN and their sessions stop working.
		if err := st.CreateResidentSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		r, _ := st.ResidentByID(ctx, vid, rid)
		r.LifeStatus = surat.LifeDead
		if err := st.UpdateResident(ctx, e.clerk, vid, r, r.Household); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.ResidentSessionLogin(ctx, sess.TokenHash, "web"); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("session of a dead resident: %v", err)
		}
		var inactive *surat.InactiveResidentError
		if _, err := st.IssueResidentPIN(ctx, e.clerk, vid, rid, "hash-4"); !errors.As(err, &inactive) ||
			inactive.LifeStatus != surat.LifeDead {
			t.Errorf("PIN issued to a dead resident: %v", err)
		}
	})
}

func TestRequestOpenDraftAndCollect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", "module")
		o := newLetterEnv(t, st, "3505122002", "module")
		vid := e.village.ID
		letters := func() int64 {
			t.Helper()
			p, err := st.ListLetters(ctx, vid, store.LetterFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		draftOf := func() *surat.Letter {
			return &surat.Letter{Module: "sk_domisili", SubjectResidentID: &e.resident.ID, SignerOfficialID: &e.signer.ID,
				FormData: `{"keperluan":"Bank"}`}
		}
		events := func(id int64, msg string) int {
			t.Helper()
			es, err := st.RequestEvents(ctx, vid, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range es {
				if ev.Message == msg {
					n++
				}
			}
			return n
		}

		// Two clerks both saw the request without a letter and prepared a
		// draft; the second to claim it gets a clear refusal and stores
		// nothing.
		r := e.newRequest(t)
		a, bl := draftOf(), draftOf()
		got, err := st.OpenRequestDraft(ctx, e.clerk, vid, r.ID, a)
		if err != nil || a.ID == 0 || got.LetterID == nil || *got.LetterID != a.ID || a.Status != surat.LetterDraft {
			t.Fatalf("first open: %+v %+v %v", got, a, err)
		}
		_, err = st.OpenRequestDraft(ctx, e.clerk, vid, r.ID, bl)
		var state *surat.RequestStateError
		if !errors.As(err, &state) || !errors.Is(err, surat.ErrConflict) || !strings.Contains(state.Message(), "petugas lain") {
			t.Errorf("second open: %v", err)
		}
		if bl.ID != 0 || letters() != 1 {
			t.Errorf("second open stored letter %d; %d letters", bl.ID, letters())
		}
		if _, err := st.OpenRequestDraft(ctx, o.clerk, o.village.ID, r.ID, draftOf()); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village open: %v", err)
		}

		// At the same moment: one wins, the other stores nothing.
		r2 := e.newRequest(t)
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := st.OpenRequestDraft(ctx, e.clerk, vid, r2.ID, draftOf())
				errs <- err
			}()
		}
		var ok, refused int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.As(err, &state):
				refused++
			default:
				t.Errorf("concurrent open: %v", err)
			}
		}
		if ok != 1 || refused != 1 || letters() != 2 {
			t.Errorf("concurrent open: %d opened, %d refused, %d letters", ok, refused, letters())
		}

		// Collected at the office: only once signed, once.
		if _, _, err := st.CollectRequest(ctx, e.clerk, vid, r.ID); !errors.As(err, &state) ||
			!strings.Contains(state.Message(), "tidak dapat dicatat sudah diambil") {
			t.Errorf("collect before signing: %v", err)
		}
		l, err := st.Submit(ctx, e.clerk, vid, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Approve(ctx, e.clerk, vid, l.ID, l.Version); err != nil {
			t.Fatal(err)
		}
		if _, err := e.finalize(l.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CollectRequest(ctx, o.clerk, o.village.ID, r.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("other village collect: %v", err)
		}
		got, changed, err := st.CollectRequest(ctx, e.clerk, vid, r.ID)
		if err != nil || !changed || got.Effective != surat.RequestTaken {
			t.Fatalf("collect: %+v %v %v", got, changed, err)
		}
		got, changed, err = st.CollectRequest(ctx, e.clerk, vid, r.ID)
		if err != nil || changed || got.Effective != surat.RequestTaken {
			t.Errorf("second collect: %+v %v %v", got, changed, err)
		}
		if n := events(r.ID, "Surat diambil di kantor desa"); n != 1 {
			t.Errorf("%d collect events, want 1", n)
		}
		if _, _, err := st.CancelRequest(ctx, vid, e.resident.ID, r2.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CollectRequest(ctx, e.clerk, vid, r2.ID); !errors.As(err, &state) || !strings.Contains(state.Message(), "Dibatalkan") {
			t.Errorf("collect a cancelled request: %v", err)
		}
	})
}

// TestEffectiveStatusSQLMatchesGo evaluates the SQL that the clerk's queue
// filters on for every stored request status with every linked letter
// status (and none), and checks that it agrees with
// surat.DeriveRequestStatus, which every other read uses.
func TestEffectiveStatusSQLMatchesGo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		st := storetest.Open(t, b, fixedNow)
		letterStatuses := append([]surat.LetterStatus{""}, surat.LetterStatuses()...)
		for _, rs := range surat.RequestStatuses() {
			for _, ls := range letterStatuses {
				got, err := st.EffectiveStatusSQL(context.Background(), rs, ls)
				if err != nil {
					t.Fatal(err)
				}
				if want := surat.DeriveRequestStatus(rs, ls); got != want {
					t.Errorf("request %q with letter %q: SQL says %q, Go %q", rs, ls, got, want)
				}
			}
		}
	})
}
