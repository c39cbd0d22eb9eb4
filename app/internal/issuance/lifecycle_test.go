package issuance_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestCreateDraftOnce sends the same form (one token) many times at once:
// one draft is created and every submission learns its id; a refused form
// leaves the token free for the corrected one.
func TestCreateDraftOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]

		const n = 8
		var (
			wg       sync.WaitGroup
			ids      [n]int64
			outcomes [n]issuance.FormOutcome
			errs     [n]error
		)
		for i := range n {
			wg.Go(func() {
				ids[i], outcomes[i], errs[i] = e.svc.CreateDraftOnce(e.ctx, e.operator, e.village.ID, "token-satu", domisili(r))
			})
		}
		wg.Wait()
		created := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			if outcomes[i] == issuance.FormCreated {
				created++
			}
			if ids[i] != ids[0] || ids[i] == 0 {
				t.Errorf("submission %d answered letter %d, the first %d", i, ids[i], ids[0])
			}
		}
		page, err := e.st.ListLetters(e.ctx, e.village.ID, store.LetterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if created != 1 || page.Total != 1 {
			t.Errorf("%d submissions created, %d letters stored; want 1 and 1", created, page.Total)
		}

		// A refused form creates nothing and frees its token.
		bad := domisili(r)
		bad.Fields = map[string]string{}
		if _, _, err := e.svc.CreateDraftOnce(e.ctx, e.operator, e.village.ID, "token-dua", bad); err == nil {
			t.Fatal("a form without its required fields was stored")
		} else if _, ok := surat.FieldErrors(err); !ok {
			t.Fatalf("refused form: %v", err)
		}
		id, outcome, err := e.svc.CreateDraftOnce(e.ctx, e.operator, e.village.ID, "token-dua", domisili(r))
		if err != nil || outcome != issuance.FormCreated || id == ids[0] {
			t.Errorf("corrected form: id %d outcome %d err %v", id, outcome, err)
		}
		if _, _, err := e.svc.CreateDraftOnce(e.ctx, e.operator, e.village.ID, "", domisili(r)); err == nil {
			t.Error("a form without a token was stored")
		}
	})
}

// TestLifecycleThroughService walks a letter through every change the
// service offers and checks each refusal the workflow makes.
func TestLifecycleThroughService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		l, err := e.svc.CreateDraft(e.ctx, e.operator, e.village.ID, domisili(r))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Approve(e.ctx, e.kades, e.village.ID, l.ID, l.Version); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("approving a draft: %v", err)
		}
		sub, err := e.svc.Submit(e.ctx, e.operator, e.village.ID, l.ID)
		if err != nil || sub.Status != surat.LetterSubmitted {
			t.Fatalf("submit: %v %+v", err, sub)
		}
		if _, err := e.svc.Return(e.ctx, e.kades, e.village.ID, l.ID, " "); err == nil {
			t.Error("returned without a reason")
		}
		back, err := e.svc.Return(e.ctx, e.kades, e.village.ID, l.ID, "Alamat belum lengkap")
		if err != nil || back.Status != surat.LetterDraft || back.ReturnReason != "Alamat belum lengkap" {
			t.Fatalf("return: %v %+v", err, back)
		}
		if sub, err = e.svc.Submit(e.ctx, e.operator, e.village.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		// Approving a version the signer did not review is a conflict.
		if _, err := e.svc.Approve(e.ctx, e.kades, e.village.ID, l.ID, sub.Version-1); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("stale approval: %v", err)
		}
		if _, err := e.svc.Approve(e.ctx, e.kades, e.village.ID, l.ID, sub.Version); err != nil {
			t.Fatal(err)
		}
		signed, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		// A second signed letter replaces the first by Revoke with ReplacedBy.
		other := e.approved(t, domisili(r))
		if other, err = e.svc.Sign(e.ctx, e.kades, e.village.ID, other.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Revoke(e.ctx, e.kades, e.village.ID, signed.ID, surat.Revocation{ReplacedBy: signed.ID, Note: "Data keliru"}); err == nil {
			t.Error("a letter replaced itself")
		}
		if _, err := e.svc.Revoke(e.ctx, e.operator, e.village.ID, signed.ID, surat.Revocation{ReplacedBy: other.ID, Note: "Data keliru"}); !errors.Is(err, issuance.ErrNotRevoker) {
			t.Errorf("an operator revoked a signed letter alone: %v", err)
		}
		got, err := e.svc.Revoke(e.ctx, e.kades, e.village.ID, signed.ID, surat.Revocation{ReplacedBy: other.ID, Note: "Data keliru"})
		if err != nil || got.Status != surat.LetterReplaced || got.ReplacedByID == nil || *got.ReplacedByID != other.ID {
			t.Fatalf("revoke replaced: %v %+v", err, got)
		}
		if _, err := e.svc.Revoke(e.ctx, e.kades, e.village.ID, signed.ID,
			surat.Revocation{Reason: surat.ReasonOther, Note: "Lagi"}); !errors.Is(err, surat.ErrInvalidTransition) {
			t.Errorf("revoking a replaced letter: %v", err)
		}
	})
}
