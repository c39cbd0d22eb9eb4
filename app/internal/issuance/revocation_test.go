package issuance_test

import (
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestRevocationNeedsASigner walks the two-person revocation: an operator
// cannot withdraw a signed letter alone, only ask; the kepala desa rejects
// one request and confirms the next, which revokes the letter with the
// request's public reason and internal note. Every step is audited.
func TestRevocationNeedsASigner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		l := e.approved(t, domisili(r))
		l, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		ask := surat.Revocation{Reason: surat.ReasonDataError, Note: "Alamat salah, NIK " + r.NIK}

		if _, err := e.svc.Revoke(e.ctx, e.operator, e.village.ID, l.ID, ask); !errors.Is(err, issuance.ErrNotRevoker) {
			t.Errorf("operator revokes alone: %v, want ErrNotRevoker", err)
		}
		if _, err := e.svc.Revoke(e.ctx, e.admin, e.village.ID, l.ID, ask); !errors.Is(err, issuance.ErrNotRevoker) {
			t.Errorf("village admin revokes alone: %v, want ErrNotRevoker", err)
		}
		if _, err := e.svc.RequestRevocation(e.ctx, e.kades, e.village.ID, l.ID, ask); !errors.Is(err, surat.ErrForbidden) {
			t.Errorf("a signer asks instead of revoking: %v, want ErrForbidden", err)
		}
		for name, bad := range map[string]surat.Revocation{
			"no reason":      {Note: "x"},
			"unknown reason": {Reason: "typo"},
			"other, no note": {Reason: surat.ReasonOther},
			"long note":      {Reason: surat.ReasonDataError, Note: strings.Repeat("a", 501)},
		} {
			if _, err := e.svc.RequestRevocation(e.ctx, e.operator, e.village.ID, l.ID, bad); err == nil {
				t.Errorf("%s: request accepted", name)
			} else if _, ok := surat.FieldErrors(err); !ok {
				t.Errorf("%s: %v, want a validation error", name, err)
			}
		}

		q, err := e.svc.RequestRevocation(e.ctx, e.operator, e.village.ID, l.ID, ask)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		if q.Reason != surat.ReasonDataError || q.Note != ask.Note || q.RequestedBy == nil || *q.RequestedBy != e.operator.UserID {
			t.Errorf("request %+v", q)
		}
		if got := e.letter(t, l.ID); got.Status != surat.LetterSigned {
			t.Errorf("a request alone made the letter %s", got.Status)
		}
		if _, err := e.svc.RequestRevocation(e.ctx, e.admin, e.village.ID, l.ID, ask); !errors.Is(err, surat.ErrRevocationPending) {
			t.Errorf("second request: %v, want ErrRevocationPending", err)
		}
		if _, err := e.svc.RejectRevocation(e.ctx, e.operator, e.village.ID, l.ID, "tidak"); !errors.Is(err, issuance.ErrNotRevoker) {
			t.Errorf("operator rejects: %v", err)
		}
		if _, err := e.svc.ConfirmRevocation(e.ctx, e.operator, e.village.ID, l.ID); !errors.Is(err, issuance.ErrNotRevoker) {
			t.Errorf("operator confirms own request: %v", err)
		}
		if _, err := e.svc.RejectRevocation(e.ctx, e.kades, e.village.ID, l.ID, " "); err == nil {
			t.Error("rejected without a reason")
		}
		if _, err := e.svc.RejectRevocation(e.ctx, e.kades, e.village.ID, l.ID, "Alamat sudah benar"); err != nil {
			t.Fatalf("reject: %v", err)
		}
		if _, err := e.svc.RevocationRequest(e.ctx, e.village.ID, l.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("request after rejection: %v", err)
		}
		if _, err := e.svc.ConfirmRevocation(e.ctx, e.kades, e.village.ID, l.ID); !errors.Is(err, surat.ErrNoRevocationRequest) {
			t.Errorf("confirming a rejected request: %v", err)
		}

		if _, err := e.svc.RequestRevocation(e.ctx, e.admin, e.village.ID, l.ID, ask); err != nil {
			t.Fatalf("request again: %v", err)
		}
		got, err := e.svc.ConfirmRevocation(e.ctx, e.kades, e.village.ID, l.ID)
		if err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if got.Status != surat.LetterRevoked || got.RevokeCode != surat.ReasonDataError || got.RevokeReason != ask.Note ||
			got.RevokedAt == nil {
			t.Errorf("confirmed letter: status %s code %s note %q", got.Status, got.RevokeCode, got.RevokeReason)
		}
		if _, err := e.svc.RevocationRequest(e.ctx, e.village.ID, l.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("request after confirmation: %v", err)
		}

		log, err := e.st.AuditLog(e.ctx, e.village.ID, 20)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, a := range log {
			if a.EntityID == l.ID {
				seen[a.Action]++
			}
		}
		if seen["letter.revoke_request"] != 2 || seen["letter.revoke_reject"] != 1 || seen["letter.revoke"] != 1 {
			t.Errorf("audit actions of the letter: %v", seen)
		}
		if c, err := e.st.VerifyAuditChain(e.ctx, e.village.ID); err != nil || !c.Intact() {
			t.Errorf("audit chain: %+v %v", c, err)
		}
	})
}

// TestRevocationRequestForAReplacement: a clerk asks to mark a letter
// diganti by another signed letter; the signer's confirmation does it, with
// the public reason "replaced" and the link.
func TestRevocationRequestForAReplacement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		rs := e.residents(t, 2)
		old, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, e.approved(t, domisili(rs[0])).ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		repl, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, e.approved(t, domisili(rs[0])).ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RequestRevocation(e.ctx, e.operator, e.village.ID, old.ID,
			surat.Revocation{ReplacedBy: repl.ID, Note: "Nama ibu salah ketik"}); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.ConfirmRevocation(e.ctx, e.kades, e.village.ID, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != surat.LetterReplaced || got.RevokeCode != surat.ReasonReplaced || got.ReplacedByID == nil ||
			*got.ReplacedByID != repl.ID {
			t.Errorf("replaced letter: %s %s %v", got.Status, got.RevokeCode, got.ReplacedByID)
		}
	})
}

// TestMatchKeysStored signs letters with and without a match key and
// reads what the database holds: digests of the subject's NIK and name
// under the key, never the NIK or the name themselves; the backfill gives
// the letter signed without a key its digests.
func TestMatchKeysStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		r := e.residents(t, 1)[0]
		l, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, e.approved(t, domisili(r)).ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		nik, _ := surat.NormalizeMatchNIK(r.NIK)
		name, _ := surat.NormalizeMatchName(r.Name)
		want := map[surat.MatchKind]string{
			surat.MatchNIK:  testMatchKey.Digest(surat.MatchNIK, l.ID, nik),
			surat.MatchName: testMatchKey.Digest(surat.MatchName, l.ID, name),
		}
		for kind, d := range want {
			got, err := e.st.MatchDigests(e.ctx, l.ID, testMatchKey.ID(), kind)
			if err != nil || len(got) != 1 || got[0] != d {
				t.Errorf("%s digests %v %v, want [%s]", kind, got, err, d)
			}
		}

		// A service without a key stores none; the backfill of one with
		// the key adds them, once.
		cat, rr := shared()
		bare, err := issuance.New(issuance.Deps{Store: e.st, Catalogue: cat, Renderer: rr, StorageDir: e.storage,
			BaseURL: baseURL, Now: e.clock.Now, KDF: cheapKDF})
		if err != nil {
			t.Fatal(err)
		}
		old, err := bare.Sign(e.ctx, e.kades, e.village.ID, e.approved(t, domisili(r)).ID, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.st.MatchDigests(e.ctx, old.ID, testMatchKey.ID(), surat.MatchNIK); len(got) != 0 {
			t.Fatalf("letter signed without a key has digests %v", got)
		}
		n, err := e.svc.BackfillMatchKeys(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("backfill: %d letters, %v; want 1", n, err)
		}
		got, _ := e.st.MatchDigests(e.ctx, old.ID, testMatchKey.ID(), surat.MatchNIK)
		if len(got) != 1 || got[0] != testMatchKey.Digest(surat.MatchNIK, old.ID, nik) {
			t.Errorf("backfilled NIK digests %v", got)
		}
		if n, err := e.svc.BackfillMatchKeys(e.ctx); err != nil || n != 0 {
			t.Errorf("second backfill: %d, %v; want nothing to do", n, err)
		}
		// A new secret: the old digests are not used, the backfill redoes
		// every letter under the new key.
		other := surat.NewMatchKey("another-secret-0123456789abcdefghij")
		renewed, err := issuance.New(issuance.Deps{Store: e.st, Catalogue: cat, Renderer: rr, StorageDir: e.storage,
			BaseURL: baseURL, Now: e.clock.Now, KDF: cheapKDF, MatchKey: other})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := renewed.BackfillMatchKeys(e.ctx); err != nil || n != 2 {
			t.Errorf("backfill under a new key: %d, %v; want 2", n, err)
		}

		// Nothing in the table is a NIK or a name: every row is a kind, a
		// key id and a digest in hex.
		db, err := sql.Open(string(b), e.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query("SELECT kind, key_id, digest FROM letter_match_keys")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		hex16, hex64 := regexp.MustCompile(`^[0-9a-f]{16}$`), regexp.MustCompile(`^[0-9a-f]{64}$`)
		count := 0
		for rows.Next() {
			var kind, keyID, digest string
			if err := rows.Scan(&kind, &keyID, &digest); err != nil {
				t.Fatal(err)
			}
			count++
			if (kind != "nik" && kind != "nama") || !hex16.MatchString(keyID) || !hex64.MatchString(digest) {
				t.Errorf("letter_match_keys row %q %q %q", kind, keyID, digest)
			}
		}
		if count != 8 {
			t.Errorf("%d match keys stored, want 8 (2 letters x NIK and name x 2 keys)", count)
		}
	})
}
