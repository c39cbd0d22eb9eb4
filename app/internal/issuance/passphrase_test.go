package issuance_test

import (
	"errors"
	"testing"

	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// TestChangeSignerPassphrase changes the kepala desa's passphrase and signs
// with it: the old one no longer opens the key, the new one does, and the
// certificate stays the same.
func TestChangeSignerPassphrase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		const newPass = "frasa-baru-kades-7"
		change := func(villageID, certID int64, oldPass, newPass string) error {
			return e.svc.ChangeSignerPassphrase(e.ctx, e.admin, villageID, certID, oldPass, newPass)
		}
		if err := change(e.village.ID, e.cert.ID, "salah-sekali-1", newPass); !errors.Is(err, issuance.ErrWrongPassphrase) {
			t.Errorf("wrong current passphrase: %v", err)
		}
		if n := e.signFailures(t, e.cert.ID); n != 1 {
			t.Errorf("a wrong passphrase counts %d failures, want 1 as when signing", n)
		}
		var ve *surat.ValidationError
		if err := change(e.village.ID, e.cert.ID, demo.SigningPassphrase, "pendek"); !errors.As(err, &ve) || ve.Fields["passphrase"] == "" {
			t.Errorf("short new passphrase: %v", err)
		}
		if err := change(e.village.ID+1, e.cert.ID, demo.SigningPassphrase, newPass); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("certificate of another village: %v", err)
		}
		if err := change(e.village.ID, e.cert.ID, demo.SigningPassphrase, newPass); err != nil {
			t.Fatalf("change: %v", err)
		}
		after, err := e.st.CertificateByID(e.ctx, e.cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.signFailures(t, e.cert.ID); after.Serial != e.cert.Serial || after.SealedKey == e.cert.SealedKey || n != 0 {
			t.Errorf("after the change: serial %s (was %s), key resealed %v, failures %d",
				after.Serial, e.cert.Serial, after.SealedKey != e.cert.SealedKey, n)
		}
		es, err := e.st.AuditLog(e.ctx, e.village.ID, 1)
		if err != nil || len(es) != 1 || es[0].Action != "pki.certificate.passphrase" || es[0].EntityID != e.cert.ID {
			t.Errorf("audit of the change: %+v %v", es, err)
		}

		l := e.approved(t, domisili(e.residents(t, 1)[0]))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); !errors.Is(err, issuance.ErrWrongPassphrase) {
			t.Errorf("signing with the old passphrase: %v", err)
		}
		signed, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, newPass)
		if err != nil || signed.Status != surat.LetterSigned {
			t.Fatalf("signing with the new passphrase: %v", err)
		}
	})
}
