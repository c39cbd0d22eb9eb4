package mandiri

import (
	"errors"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestOpenRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		budi := f.account(f.v, f.budi, "583920")
		other := f.village("3505122002", "Sumberagung", true)
		otherClerk := surat.Actor{Username: "b_operator", Role: surat.RoleOperator, VillageID: other.ID}
		r, err := f.svc.CreateRequest(f.ctx, budi, Submission{Module: "sk_domisili", Form: domisili(f.siti.ID)})
		if err != nil {
			t.Fatal(err)
		}
		letters := func() int64 {
			t.Helper()
			p, err := f.st.ListLetters(f.ctx, f.v.ID, store.LetterFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		state := func(from surat.RequestStatus, action surat.RequestAction) func(error) bool {
			return func(err error) bool {
				var st *surat.RequestStateError
				return errors.As(err, &st) && st.From == from && st.Action == action && !st.Opened
			}
		}
		var letterID int64
		// opened checks that the request is linked to its one draft, about
		// Siti, with the resident's latest keperluan.
		opened := func(keperluan string) func(int64, error) bool {
			return func(id int64, err error) bool {
				if err != nil || (letterID != 0 && id != letterID) || letters() != 1 {
					return false
				}
				letterID = id
				rq, err := f.st.RequestByID(f.ctx, f.v.ID, r.ID)
				if err != nil || rq.LetterID == nil || *rq.LetterID != id || rq.Effective != surat.RequestInReview {
					return false
				}
				l, err := f.st.LetterByID(f.ctx, f.v.ID, id)
				return err == nil && l.Status == surat.LetterDraft && l.SubjectResidentID != nil &&
					*l.SubjectResidentID == f.siti.ID && strings.Contains(l.FormData, keperluan)
			}
		}
		for _, tc := range []struct {
			name   string
			before func()
			clerk  surat.Actor
			ok     func(int64, error) bool
		}{
			{name: "another village's clerk", clerk: otherClerk,
				ok: func(_ int64, err error) bool { return errors.Is(err, surat.ErrNotFound) && letters() == 0 }},
			{name: "opened into a draft", ok: opened("Membuka rekening bank")},
			{name: "opened again: the same draft", ok: opened("Membuka rekening bank")},
			{name: "returned to the resident", before: func() {
				if err := f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, "Lampirkan KK"); err != nil {
					t.Fatal(err)
				}
			}, ok: func(_ int64, err error) bool { return state(surat.RequestIncomplete, surat.RequestOpen)(err) }},
			{name: "corrected: the draft follows", before: func() {
				cur, _, err := f.svc.EditableRequest(f.ctx, budi, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				form := domisili(f.siti.ID)
				form.Fields["keperluan"] = "Membuka rekening tabungan"
				if _, err := f.svc.UpdateRequest(f.ctx, budi, r.ID, Correction{Form: form, Version: cur.Version}); err != nil {
					t.Fatal(err)
				}
			}, ok: opened("Membuka rekening tabungan")},
			{name: "letter submitted", before: func() {
				if _, err := f.st.Submit(f.ctx, f.clerk, f.v.ID, letterID); err != nil {
					t.Fatal(err)
				}
			}, ok: func(_ int64, err error) bool { return state(surat.RequestAwaitingSignature, surat.RequestOpen)(err) }},
		} {
			if tc.before != nil {
				tc.before()
			}
			clerk := tc.clerk
			if clerk.Username == "" {
				clerk = f.clerk
			}
			id, err := f.svc.OpenRequest(f.ctx, clerk, clerk.VillageID, r.ID)
			if !tc.ok(id, err) {
				t.Errorf("%s: letter %d, %v", tc.name, id, err)
			}
		}
		// While the letter waits for the signature the request can neither
		// go back to the resident nor be recorded as collected.
		if err := f.svc.ReturnRequest(f.ctx, f.clerk, f.v.ID, r.ID, "x"); !state(surat.RequestAwaitingSignature, surat.RequestReturn)(err) {
			t.Errorf("return while awaiting the signature: %v", err)
		}
		if _, err := f.svc.CollectRequest(f.ctx, f.clerk, f.v.ID, r.ID); !state(surat.RequestAwaitingSignature, surat.RequestCollect)(err) {
			t.Errorf("collect while awaiting the signature: %v", err)
		}
		// Nor can the resident download it yet.
		if _, err := f.svc.LetterPDF(f.ctx, budi, letterID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("PDF of an unsigned letter: %v", err)
		}
	})
}

func TestOpenRequestDraftProblems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		// A village without a kepala desa: residents may still request, but
		// no draft can name a signer.
		v := f.village("3505122003", "Tanpa Kades", false)
		res := f.resident(v, "3505121501800007", "Warga Tanpa Kades", kkAni)
		login := f.account(v, res, "583920")
		r, err := f.svc.CreateRequest(f.ctx, login, Submission{Module: "sk_domisili", Form: domisili(res.ID)})
		if err != nil {
			t.Fatal(err)
		}
		clerk := surat.Actor{Username: "c_operator", Role: surat.RoleOperator, VillageID: v.ID}
		_, err = f.svc.OpenRequest(f.ctx, clerk, v.ID, r.ID)
		if fields, _ := surat.FieldErrors(err); fields["penandatangan"] == "" {
			t.Errorf("open without a kepala desa: %v", err)
		}
		got, err := f.st.RequestByID(f.ctx, v.ID, r.ID)
		if err != nil || got.LetterID != nil || got.Effective != surat.RequestInReview {
			t.Errorf("request after the refusal: %+v, %v", got, err)
		}
		if p, err := f.st.ListLetters(f.ctx, v.ID, store.LetterFilter{}); err != nil || p.Total != 0 {
			t.Errorf("letters after the refusal: %v, %v", p, err)
		}
	})
}
