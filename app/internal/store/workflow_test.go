package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// outboxKinds lists the village's outbox events as "kind:entity".
func outboxKinds(t *testing.T, st *store.Store) []string {
	t.Helper()
	es, err := st.ClaimEvents(context.Background(), "lister", time.Nanosecond, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s:%d", e.Kind, e.EntityID))
	}
	return out
}

// TestOutboxIsWrittenWithTheChange: a state change writes its outbox event
// in its own transaction, and a refused change writes none.
func TestOutboxIsWrittenWithTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		l := e.draft(t, "sk_domisili")
		// A draft without a signer cannot be submitted: no event.
		bad := &surat.Letter{Module: "sk_domisili", SubjectResidentID: &e.resident.ID, FormData: "{}"}
		if err := st.CreateLetter(ctx, e.clerk, e.village.ID, bad); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Submit(ctx, e.clerk, e.village.ID, bad.ID); err == nil {
			t.Fatal("submitted a letter without a signer")
		}
		l, err := st.Submit(ctx, e.clerk, e.village.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Return(ctx, e.clerk, e.village.ID, l.ID, "Keperluan kurang jelas"); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(outboxKinds(t, st), " ")
		want := fmt.Sprintf("letter.submitted:%d letter.returned:%d", l.ID, l.ID)
		if got != want {
			t.Errorf("outbox = %q, want %q", got, want)
		}
		// Signing a letter announces it too.
		a := e.approved(t, "sk_domisili")
		if _, err := e.finalize(a.ID); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(outboxKinds(t, st), " "); !strings.Contains(got, fmt.Sprintf("letter.signed:%d", a.ID)) {
			t.Errorf("outbox after signing = %q", got)
		}
	})
}

// TestOutboxLeases: an event or a notification is claimed by one worker;
// another worker gets it only after the lease runs out, and a worker whose
// lease was taken over cannot complete it.
func TestOutboxLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		ck := newClock(fixedNow())
		st := storetest.Open(t, b, ck.Now)
		e := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		l := e.draft(t, "sk_domisili")
		if _, err := st.Submit(ctx, e.clerk, e.village.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		got := make([]int, 4)
		for i := range got {
			wg.Go(func() {
				es, err := st.ClaimEvents(ctx, fmt.Sprintf("w%d", i), time.Minute, 10)
				if err != nil {
					t.Error(err)
				}
				got[i] = len(es)
			})
		}
		wg.Wait()
		if total := got[0] + got[1] + got[2] + got[3]; total != 1 {
			t.Fatalf("4 workers claimed %v, want the event once", got)
		}
		if es, _ := st.ClaimEvents(ctx, "late", time.Minute, 10); len(es) != 0 {
			t.Errorf("claimed under a live lease")
		}
		ck.Set(fixedNow().Add(2 * time.Minute))
		es, err := st.ClaimEvents(ctx, "late", time.Minute, 10)
		if err != nil || len(es) != 1 {
			t.Fatalf("after the lease ran out: %d, %v", len(es), err)
		}
		n := store.NewNotification{Notification: surat.Notification{VillageID: e.village.ID, Kind: "letter_waiting",
			Channel: surat.ChannelEmail, Recipient: "user:1", Address: "a@b.example", Subject: "s", Body: "b"}}
		for _, w := range []string{"w0", "w1", "w2", "w3"} {
			if err := st.CompleteEvent(ctx, es[0].ID, w, []store.NewNotification{n}); !errors.Is(err, surat.ErrConflict) {
				t.Errorf("completion by %s, whose lease ran out: %v", w, err)
			}
		}
		if err := st.CompleteEvent(ctx, es[0].ID, "late", []store.NewNotification{n}); err != nil {
			t.Fatal(err)
		}
		ns, err := st.ClaimNotifications(ctx, "sender", time.Minute, 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("notifications: %d, %v", len(ns), err)
		}
		if again, _ := st.ClaimNotifications(ctx, "other", time.Minute, 10); len(again) != 0 {
			t.Error("a leased notification was claimed twice")
		}
		if err := st.NotificationSent(ctx, ns[0].ID, "sender"); err != nil {
			t.Fatal(err)
		}
		b2, err := st.NotificationBacklog(ctx)
		if err != nil || b2.Events != 0 || b2.Pending != 0 {
			t.Errorf("backlog %+v, %v", b2, err)
		}
	})
}

// TestManualNumbersAndCounterStart: a village continues its paper agenda
// at 235; a letter the admin numbered 237 by hand keeps it, the counter
// skips it, nothing is given twice, and numbers below the last used are
// refused.
func TestManualNumbersAndCounterStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		adm := surat.Actor{Username: "admin", Role: surat.RoleAdminDesa, VillageID: e.village.ID}
		scope, _, err := st.SeriesScope(ctx, e.village.ID, "sk_domisili", "470")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetCounterNext(ctx, adm, e.village.ID, scope, 2026, 235); err != nil {
			t.Fatal(err)
		}
		manual := e.approved(t, "sk_domisili")
		if _, err := st.SetManualNumber(ctx, adm, e.village.ID, manual.ID, 237, "", "470"); err == nil {
			t.Error("manual number without a reason accepted")
		}
		if _, err := st.SetManualNumber(ctx, adm, e.village.ID, manual.ID, 237, "Nomor dari buku agenda", "470"); err != nil {
			t.Fatal(err)
		}
		other := e.approved(t, "sk_domisili")
		if _, err := st.SetManualNumber(ctx, adm, e.village.ID, other.ID, 237, "Dobel", "470"); err == nil ||
			!strings.Contains(err.Error(), "237") {
			t.Errorf("a second reservation of 237: %v", err)
		}
		var seqs []int
		for range 3 {
			a := e.approved(t, "sk_domisili")
			signed, err := e.finalize(a.ID)
			if err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, *signed.NumberSeq)
		}
		signed, err := e.finalize(manual.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(seqs) != "[235 236 238]" || *signed.NumberSeq != 237 || !strings.Contains(*signed.Number, "/237/") {
			t.Errorf("counter gave %v, the manual letter %v", seqs, *signed.Number)
		}
		if err := st.SetCounterNext(ctx, adm, e.village.ID, scope, 2026, 238); err == nil {
			t.Error("restarting the counter below the last number was accepted")
		}
		if _, err := st.SetManualNumber(ctx, adm, e.village.ID, other.ID, 236, "Pakai nomor lama", "470"); err == nil {
			t.Error("a used number was reserved again")
		}
		cs, err := st.CounterStates(ctx, e.village.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if c := cs[scope]; c.LastSeq != 238 || !strings.Contains(c.LastNumber, "/238/") {
			t.Errorf("counter state %+v", c)
		}
	})
}

// TestDeleteWithdrawChangeSigner: a draft is deleted (its request goes back
// to the queue), a submitted letter is withdrawn, a signed one neither;
// the signer is changed only to one who can sign.
func TestDeleteWithdrawChangeSigner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		r := &surat.LetterRequest{ResidentID: e.resident.ID, SubjectResidentID: e.resident.ID, Module: "sk_domisili",
			FormData: `{"subjects":{},"fields":{}}`}
		if err := st.CreateRequest(ctx, e.village.ID, r, nil); err != nil {
			t.Fatal(err)
		}
		l := &surat.Letter{Module: "sk_domisili", SubjectResidentID: &e.resident.ID, SignerOfficialID: &e.signer.ID, FormData: "{}"}
		if _, err := st.OpenRequestDraft(ctx, e.clerk, e.village.ID, r.ID, l); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteDraft(ctx, e.clerk, e.village.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.LetterByID(ctx, e.village.ID, l.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("deleted draft: %v", err)
		}
		r, err := st.RequestByID(ctx, e.village.ID, r.ID)
		if err != nil || r.LetterID != nil || r.Effective != surat.RequestInReview {
			t.Errorf("request after its draft was deleted: %+v, %v", r, err)
		}
		sub := e.draft(t, "sk_domisili")
		if _, err := st.Submit(ctx, e.clerk, e.village.ID, sub.ID); err != nil {
			t.Fatal(err)
		}
		var te *surat.TransitionError
		if err := st.DeleteDraft(ctx, e.clerk, e.village.ID, sub.ID); !errors.As(err, &te) || !te.Delete {
			t.Errorf("deleting a submitted letter: %v", err)
		}
		w, err := st.Withdraw(ctx, e.clerk, e.village.ID, sub.ID)
		if err != nil || w.Status != surat.LetterDraft {
			t.Fatalf("withdraw: %+v, %v", w, err)
		}
		if _, err := st.Withdraw(ctx, e.clerk, e.village.ID, sub.ID); !errors.As(err, &te) {
			t.Errorf("withdrawing a draft: %v", err)
		}
		// A second official without certificate or login cannot take over.
		o := &surat.Official{Name: "Dwi", Jabatan: "Sekretaris Desa", CanSignAN: true, Active: true}
		if err := st.CreateOfficial(ctx, admin, e.village.ID, o); err != nil {
			t.Fatal(err)
		}
		_, err = st.ChangeSigner(ctx, e.clerk, e.village.ID, w.ID, o.ID)
		if fields, ok := surat.FieldErrors(err); !ok || !strings.Contains(fields["signer_official_id"], "sertifikat") ||
			!strings.Contains(fields["signer_official_id"], "akun") {
			t.Errorf("signer without certificate and login: %v", err)
		}
		states, err := st.SignerStates(ctx, e.village.ID)
		if err != nil || len(states) != 2 || states[1].Ready() || states[1].Why() == "" {
			t.Errorf("signer states %+v, %v", states, err)
		}
	})
}

// TestVerificationStep: with the village's verification on, a submitted
// letter waits for the sekretaris desa; without anyone to verify it cannot
// be submitted at all; a module may opt out; a letter the sekretaris signs
// a.n. needs none.
func TestVerificationStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		adm := surat.Actor{Username: "admin", Role: surat.RoleAdminDesa, VillageID: e.village.ID}
		if err := st.SaveWorkflowSettings(ctx, adm, e.village.ID, &surat.WorkflowSettings{VerifySekdes: true}); err != nil {
			t.Fatal(err)
		}
		l := e.draft(t, "sk_domisili")
		_, err := st.Submit(ctx, e.clerk, e.village.ID, l.ID)
		if fields, ok := surat.FieldErrors(err); !ok || !strings.Contains(fields["signer_official_id"], "sekretaris desa") {
			t.Fatalf("submit without anyone to verify: %v", err)
		}
		sek := &surat.Official{Name: "Dwi", Jabatan: "Sekretaris Desa", CanSignAN: true, Active: true}
		if err := st.CreateOfficial(ctx, admin, e.village.ID, sek); err != nil {
			t.Fatal(err)
		}
		u := &surat.User{Username: "sekdes", PasswordHash: "x", Role: surat.RoleSigner, VillageID: &e.village.ID, OfficialID: &sek.ID}
		if err := st.CreateUser(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
		if vs, err := st.Verifiers(ctx, e.village.ID); err != nil || len(vs) != 1 || vs[0].ID != u.ID {
			t.Fatalf("verifiers %+v, %v", vs, err)
		}
		l, err = st.Submit(ctx, e.clerk, e.village.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Approve(ctx, e.clerk, e.village.ID, l.ID, l.Version); !errors.Is(err, surat.ErrVerificationPending) {
			t.Fatalf("approve before verification: %v", err)
		}
		// Approve-and-sign is refused the same way, in the transaction.
		_, err = st.FinalizeLetters(ctx, e.clerk, e.village.ID,
			[]store.FinalizeItem{{LetterID: l.ID, DefaultKodeSurat: "470", Approve: true, Version: l.Version}}, 1, fakeSign)
		if !errors.Is(err, surat.ErrVerificationPending) {
			t.Fatalf("approve-and-sign before verification: %v", err)
		}
		sekActor := surat.Actor{UserID: u.ID, Username: "sekdes", Role: surat.RoleSigner, VillageID: e.village.ID}
		if _, err := st.VerifyLetter(ctx, sekActor, e.village.ID, l.ID, l.Version-1); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("verify a stale version: %v", err)
		}
		v, err := st.VerifyLetter(ctx, sekActor, e.village.ID, l.ID, l.Version)
		if err != nil || v.VerifiedAt == nil || *v.VerifiedBy != u.ID {
			t.Fatalf("verify: %+v, %v", v, err)
		}
		if _, err := st.VerifyLetter(ctx, sekActor, e.village.ID, l.ID, v.Version); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("verify twice: %v", err)
		}
		signed, err := st.FinalizeLetters(ctx, e.clerk, e.village.ID,
			[]store.FinalizeItem{{LetterID: l.ID, DefaultKodeSurat: "470", Approve: true, Version: v.Version}}, 1, fakeSign)
		if err != nil || signed[0].Status != surat.LetterSigned {
			t.Fatalf("approve-and-sign after verification: %v", err)
		}
		// A module that skips verification, and a letter signed a.n.
		set := surat.LetterSettings{Module: "sk_usaha", Enabled: true, Verification: surat.VerifyNone}
		if err := st.SaveLetterSetting(ctx, adm, e.village.ID, &set); err != nil {
			t.Fatal(err)
		}
		direct := e.draft(t, "sk_usaha")
		an := &surat.Letter{Module: "sk_domisili", SubjectResidentID: &e.resident.ID, SignerOfficialID: &sek.ID, FormData: "{}"}
		if err := st.CreateLetter(ctx, e.clerk, e.village.ID, an); err != nil {
			t.Fatal(err)
		}
		for _, x := range []*surat.Letter{direct, an} {
			x, err := st.Submit(ctx, e.clerk, e.village.ID, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if req, err := st.VerificationRequired(ctx, e.village.ID, x); err != nil || req {
				t.Errorf("letter %d (%s) needs verification: %v", x.ID, x.Module, err)
			}
			if _, err := st.Approve(ctx, e.clerk, e.village.ID, x.ID, x.Version); err != nil {
				t.Errorf("approve letter %d: %v", x.ID, err)
			}
		}
	})
}

// TestResidentResubmits: adding documents to a returned request sends it
// back for review (and tells the clerks); so does "Kirim ulang".
func TestResidentResubmits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b, fixedNow)
		e := newLetterEnv(t, st, "3505122001", surat.ScopeModule)
		newReq := func() *surat.LetterRequest {
			r := &surat.LetterRequest{ResidentID: e.resident.ID, SubjectResidentID: e.resident.ID, Module: "sk_domisili",
				FormData: `{"subjects":{},"fields":{}}`}
			if err := st.CreateRequest(ctx, e.village.ID, r, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := st.ReturnRequest(ctx, e.clerk, e.village.ID, r.ID, "Lampirkan pengantar RT"); err != nil {
				t.Fatal(err)
			}
			return r
		}
		r := newReq()
		att := surat.Attachment{ContentType: "application/pdf", Size: 10, SHA256: strings.Repeat("a", 64),
			Path: "attachments/1/x", Requirement: "Surat Pengantar RT/RW"}
		if err := st.AddAttachments(ctx, e.village.ID, e.resident.ID, r.ID, []surat.Attachment{att}); err != nil {
			t.Fatal(err)
		}
		got, err := st.RequestByID(ctx, e.village.ID, r.ID)
		if err != nil || got.Effective != surat.RequestInReview {
			t.Fatalf("after adding the document: %+v, %v", got, err)
		}
		as, err := st.Attachments(ctx, e.village.ID, r.ID)
		if err != nil || len(as) != 1 || as[0].Requirement != "Surat Pengantar RT/RW" {
			t.Errorf("attachments %+v, %v", as, err)
		}
		r2 := newReq()
		if _, err := st.ResubmitRequest(ctx, e.village.ID, e.resident.ID+1000, r2.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("another resident resubmits: %v", err)
		}
		again, err := st.ResubmitRequest(ctx, e.village.ID, e.resident.ID, r2.ID)
		if err != nil || again.Effective != surat.RequestInReview {
			t.Fatalf("resubmit: %+v, %v", again, err)
		}
		var rse *surat.RequestStateError
		if _, err := st.ResubmitRequest(ctx, e.village.ID, e.resident.ID, r2.ID); !errors.As(err, &rse) {
			t.Errorf("resubmit twice: %v", err)
		}
		kinds := strings.Join(outboxKinds(t, st), " ")
		if strings.Count(kinds, "request.submitted") != 4 || strings.Count(kinds, "request.returned") != 2 {
			t.Errorf("outbox %q", kinds)
		}
	})
}
