package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestRevocationNeedsSignerAndKeepsNotePrivate replays issue 12 §5
// through the router: a clerk's free-text note naming a NIK and an address
// never reaches /v or its JSON twin (only the coded reason's label does),
// and neither an operator, a village admin nor a penandatangan login that
// signs for nobody (one a village admin can create) revokes a signed
// letter: only a signer of the village confirms.
func TestRevocationNeedsSignerAndKeepsNotePrivate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newCustodyEnv(t, b)
		ctx := context.Background()
		a := e.a
		const nik, street = "3505121501800001", "Jl. Kenanga 12"
		note := "Alamat salah (" + street + "), NIK " + nik
		signed := func() (int64, string) {
			l := e.approvedLetter(a)
			var out letterJSON
			e.call("POST", letterPath(l.ID)+"/sign", a.tokens["kades"], map[string]string{"passphrase": testSignPass}, http.StatusOK, &out)
			got, err := e.st.LetterByID(ctx, a.v.ID, l.ID)
			if err != nil || got.VerifyCode == nil {
				t.Fatalf("signed letter %d: %v", l.ID, err)
			}
			return l.ID, *got.VerifyCode
		}
		public := func(code string) (string, string) {
			page := e.do("GET", "/v/"+code, nil, nil).Body.String()
			return page, e.do("GET", "/api/v1/verify/"+code, nil, nil).Body.String()
		}
		noSecrets := func(what string, docs ...string) {
			t.Helper()
			for _, doc := range docs {
				for _, secret := range []string{nik, "Kenanga", "Alamat salah"} {
					if strings.Contains(doc, secret) {
						t.Errorf("%s: the public check shows %q from the internal note", what, secret)
					}
				}
			}
		}

		id, code := signed()
		op := e.browser()
		op.login("aoperator")
		otok := op.csrf("/surat")
		// A free-text "reason" is not a reason.
		r := op.post(fmt.Sprintf("/surat/%d/cabut", id), url.Values{csrfField: {otok}, "reason_code": {note}, "note": {note}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("free-text reason code = %d, want 422", r.Code)
		}
		r = op.post(fmt.Sprintf("/surat/%d/cabut", id), url.Values{csrfField: {otok}, "reason_code": {"data_error"}, "note": {note}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("operator's request = %d", r.Code)
		}
		page, _ := public(code)
		if got := textByID(t, page, "status"); got != "ASLI" {
			t.Errorf("after the operator's request alone: %q, want ASLI", got)
		}

		// Nobody but a signer of the village carries it out.
		for _, who := range []string{"aoperator", "aadmin", "apetugas"} {
			br := e.browser()
			br.login(who)
			tok := br.csrf("/surat")
			if r := br.post(fmt.Sprintf("/surat/%d/cabut/setujui", id), url.Values{csrfField: {tok}}); r.Code != http.StatusForbidden {
				t.Errorf("%s confirms the revocation: %d, want 403", who, r.Code)
			}
			rec := e.api("POST", letterPath(id)+"/revoke/confirm", e.token(who), nil)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s confirms over the API: %d, want 403", who, rec.Code)
			}
		}
		// apetugas, a penandatangan signing for nobody, cannot revoke
		// directly either.
		if rec := e.api("POST", letterPath(id)+"/revoke", e.token("apetugas"),
			map[string]string{"reason_code": "data_error", "note": note}); rec.Code != http.StatusForbidden {
			t.Errorf("unlinked penandatangan revokes: %d, want 403", rec.Code)
		}
		if l, _ := e.st.LetterByID(ctx, a.v.ID, id); l.Status != surat.LetterSigned {
			t.Fatalf("letter %s before the signer confirmed", l.Status)
		}

		kades := e.browser()
		kades.login("akades")
		if r := kades.post(fmt.Sprintf("/surat/%d/cabut/setujui", id), url.Values{csrfField: {kades.csrf("/surat")}}); r.Code != http.StatusSeeOther {
			t.Fatalf("kepala desa confirms = %d", r.Code)
		}
		page, js := public(code)
		if got := textByID(t, page, "status"); got != "DICABUT" {
			t.Errorf("after confirmation: %q, want DICABUT", got)
		}
		if !strings.Contains(page, "Data dalam surat keliru") || !strings.Contains(js, "Data dalam surat keliru") {
			t.Error("the public check lacks the coded reason's label")
		}
		noSecrets("confirmed request", page, js)

		// The signer revoking at once, with a note, publishes only the label.
		id2, code2 := signed()
		rec := e.api("POST", letterPath(id2)+"/revoke", a.tokens["kades"],
			map[string]string{"reason_code": "other", "note": note})
		if rec.Code != http.StatusOK {
			t.Fatalf("signer revokes = %d: %s", rec.Code, rec.Body)
		}
		page, js = public(code2)
		if got := textByID(t, page, "status"); got != "DICABUT" {
			t.Errorf("signer's revocation: %q, want DICABUT", got)
		}
		noSecrets("signer's revocation", page, js)
	})
}
