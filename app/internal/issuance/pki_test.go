package issuance_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/auth"
	"github.com/suratdesa/suratdesa/app/internal/demo"
	"github.com/suratdesa/suratdesa/app/internal/issuance"
	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestCertificateLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		root, err := e.st.ActiveRoot(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		rootCert, err := pki.ParseCertificatePEM([]byte(root.CertPEM))
		if err != nil {
			t.Fatal(err)
		}
		first, err := x509.ParseRevocationList(root.CRLDER)
		if err != nil || first.CheckSignatureFrom(rootCert) != nil || len(first.RevokedCertificateEntries) != 0 {
			t.Fatalf("InitRoot should issue an empty CRL signed by the root: %v", err)
		}
		if _, err := e.svc.InitRoot(e.ctx, e.admin, "Root Kedua", "frasa-sandi-baru"); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("second root: %v, want ErrConflict", err)
		}

		// The demo certificate: P-256, two years, chained to the root.
		cert, err := pki.ParseCertificatePEM([]byte(e.cert.CertPEM))
		if err != nil {
			t.Fatal(err)
		}
		if d := cert.NotAfter.Sub(cert.NotBefore); d < pki.MaxSignerValidity-time.Minute || d > pki.MaxSignerValidity {
			t.Errorf("certificate valid %v, want two years", d)
		}
		if cert.CheckSignatureFrom(rootCert) != nil || !strings.Contains(cert.Subject.CommonName, "Suparman") {
			t.Errorf("certificate %s not issued by the root to the kepala desa", cert.Subject)
		}
		if len(cert.CRLDistributionPoints) != 1 || cert.CRLDistributionPoints[0] != baseURL+"/pki/crl.der" {
			t.Errorf("CRL distribution point %v", cert.CRLDistributionPoints)
		}

		// Issuing needs the root passphrase; a wrong one stores nothing.
		officials, _ := e.st.Officials(e.ctx, e.village.ID)
		var sekdes surat.Official
		for _, o := range officials {
			if o.CanSignAN {
				sekdes = o
			}
		}
		if _, err := e.svc.IssueCertificate(e.ctx, e.admin, e.village.ID, sekdes.ID, "bukan-root", "sekdes-12345"); !errors.Is(err, issuance.ErrWrongPassphrase) {
			t.Errorf("wrong root passphrase: %v", err)
		}
		if _, err := e.svc.IssueCertificate(e.ctx, e.admin, e.village.ID, sekdes.ID, demo.SigningPassphrase, "pendek"); err == nil {
			t.Error("short signer passphrase accepted")
		}
		if cs, _ := e.st.SignerCertificates(e.ctx, e.village.ID); len(cs) != 1 {
			t.Fatalf("%d certificates after refused issuance, want 1", len(cs))
		}
		sc, err := e.svc.IssueCertificate(e.ctx, e.admin, e.village.ID, sekdes.ID, demo.SigningPassphrase, "sekdes-12345")
		if err != nil || sc.OfficialID != sekdes.ID {
			t.Fatalf("issue: %+v %v", sc, err)
		}
		if strings.Contains(sc.SealedKey, "sekdes-12345") {
			t.Error("sealed key contains the passphrase")
		}

		// Revocation by the CA holder: reason and root passphrase required;
		// nothing changes otherwise. A letter signed before stays valid.
		l := e.approved(t, domisili(e.residents(t, 1)[0]))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l.ID, demo.SigningPassphrase); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RevokeCertificateWithCRL(e.ctx, e.admin, e.village.ID, e.cert.ID, "", demo.SigningPassphrase); err == nil {
			t.Error("revocation without reason accepted")
		}
		if _, err := e.svc.RevokeCertificateWithCRL(e.ctx, e.admin, e.village.ID, e.cert.ID, "Kunci bocor", "bukan-root"); !errors.Is(err, issuance.ErrWrongPassphrase) {
			t.Errorf("wrong root passphrase: %v", err)
		}
		if c, _ := e.st.CertificateByID(e.ctx, e.cert.ID); c.Revoked() {
			t.Fatal("certificate revoked with a wrong root passphrase")
		}
		if r, _ := e.st.ActiveRoot(e.ctx); r.CRLNumber != root.CRLNumber {
			t.Errorf("CRL number moved from %d to %d without revocation", root.CRLNumber, r.CRLNumber)
		}
		rev, err := e.svc.RevokeCertificateWithCRL(e.ctx, e.admin, e.village.ID, e.cert.ID, "Kunci bocor", demo.SigningPassphrase)
		if err != nil || !rev.Revoked() {
			t.Fatalf("revoke: %+v %v", rev, err)
		}
		after, _ := e.st.ActiveRoot(e.ctx)
		crl, err := x509.ParseRevocationList(after.CRLDER)
		if err != nil || crl.CheckSignatureFrom(rootCert) != nil {
			t.Fatalf("CRL after revocation: %v", err)
		}
		if after.CRLNumber != root.CRLNumber+1 || crl.Number.Int64() != after.CRLNumber {
			t.Errorf("CRL number %d (stored %d), want %d", crl.Number, after.CRLNumber, root.CRLNumber+1)
		}
		if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 {
			t.Errorf("CRL lists %v, want serial %x", crl.RevokedCertificateEntries, cert.SerialNumber)
		}
		if _, _, err := e.svc.SignedPDF(e.ctx, e.village.ID, l.ID); err != nil {
			t.Errorf("letter signed before revocation: %v", err)
		}
		l2 := e.approved(t, domisili(e.residents(t, 2)[1]))
		if _, err := e.svc.Sign(e.ctx, e.kades, e.village.ID, l2.ID, demo.SigningPassphrase); !errors.Is(err, issuance.ErrNoCertificate) {
			t.Errorf("signing with a revoked certificate: %v, want ErrNoCertificate", err)
		}
		if _, err := e.svc.RevokeCertificateWithCRL(e.ctx, e.admin, e.village.ID, e.cert.ID, "lagi", demo.SigningPassphrase); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("revoking twice: %v", err)
		}
		if _, err := e.svc.RevokeCertificate(e.ctx, e.admin, e.village.ID, e.cert.ID, "lagi"); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("revoking twice without the root key: %v", err)
		}
		if _, unlisted, err := e.svc.UnlistedRevocations(e.ctx); err != nil || len(unlisted) != 0 {
			t.Errorf("unlisted revocations after a revocation with the CRL: %v %v", unlisted, err)
		}

		// Revocation by a village admin: no root key, so the certificate is
		// revoked at once and the CRL waits for the CA holder, who renews
		// it with every revoked certificate listed.
		if _, err := e.svc.RevokeCertificate(e.ctx, e.admin, e.village.ID, sc.ID, ""); err == nil {
			t.Error("revocation without reason accepted")
		}
		if _, err := e.svc.RevokeCertificate(e.ctx, e.admin, e.village.ID, sc.ID, "Sekdes pindah tugas"); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.st.CertificateByID(e.ctx, sc.ID); !c.Revoked() || c.RevokeReason != "Sekdes pindah tugas" {
			t.Errorf("certificate after revocation without the root key: %+v", c)
		}
		if r, _ := e.st.ActiveRoot(e.ctx); r.CRLNumber != after.CRLNumber || !bytes.Equal(r.CRLDER, after.CRLDER) {
			t.Errorf("CRL %d changed without the root key (was %d)", r.CRLNumber, after.CRLNumber)
		}
		_, unlisted, err := e.svc.UnlistedRevocations(e.ctx)
		if err != nil || len(unlisted) != 1 || unlisted[0].ID != sc.ID || unlisted[0].SealedKey != "" {
			t.Fatalf("unlisted revocations: %+v %v, want certificate %d without its key", unlisted, err, sc.ID)
		}
		if _, err := e.svc.RenewCRL(e.ctx, e.admin, "bukan-root"); !errors.Is(err, issuance.ErrWrongPassphrase) {
			t.Errorf("CRL with a wrong root passphrase: %v", err)
		}
		renewed, err := e.svc.RenewCRL(e.ctx, e.admin, demo.SigningPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		crl, err = x509.ParseRevocationList(renewed.CRLDER)
		if err != nil || crl.CheckSignatureFrom(rootCert) != nil || crl.Number.Int64() != after.CRLNumber+1 {
			t.Fatalf("renewed CRL: %v", err)
		}
		listed := map[string]bool{}
		for _, entry := range crl.RevokedCertificateEntries {
			listed[entry.SerialNumber.Text(16)] = true
		}
		if len(listed) != 2 || !listed[sc.Serial] || !listed[cert.SerialNumber.Text(16)] {
			t.Errorf("renewed CRL lists %v, want %s and %x", listed, sc.Serial, cert.SerialNumber)
		}
		if _, unlisted, err := e.svc.UnlistedRevocations(e.ctx); err != nil || len(unlisted) != 0 {
			t.Errorf("unlisted revocations after the renewal: %v %v", unlisted, err)
		}
		if strings.Contains(e.log.String(), demo.SigningPassphrase) || strings.Contains(e.log.String(), "sekdes-12345") {
			t.Error("a passphrase reached the log")
		}
	})
}

func TestSeedPKIIsIdempotent(t *testing.T) {
	e := newEnv(t, storetest.SQLite) // newEnv ran SeedPKI once
	again, err := demo.SeedPKI(e.ctx, e.st, e.svc, e.village)
	if err != nil {
		t.Fatal(err)
	}
	if again.RootCreated || again.CertificateCreated || again.Serial != e.cert.Serial {
		t.Errorf("second SeedPKI: %+v", again)
	}
	roots, _ := e.st.Roots(e.ctx)
	certs, _ := e.st.SignerCertificates(e.ctx, e.village.ID)
	if len(roots) != 1 || len(certs) != 1 {
		t.Errorf("%d roots and %d certificates after two seeds, want 1 and 1", len(roots), len(certs))
	}
}

// A kabupaten admin's script that renews with the root from 24 workers at
// once, with the right passphrase, is never locked out: each
// attempt opens the root or is told the server is busy (the attempts
// still being checked fill the limit), and each busy one opens it when
// sent again.
func TestRootRightPassphrasesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range 24 {
			wg.Go(func() {
				_, err := e.svc.RenewCRL(e.ctx, e.admin, demo.SigningPassphrase)
				kind := "opened"
				switch {
				case errors.Is(err, auth.ErrBusy):
					kind = "busy"
				case err != nil:
					kind = err.Error()
				}
				mu.Lock()
				got[kind]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if got["opened"]+got["busy"] != 24 {
			t.Fatalf("right passphrases at once: %v, want each opened or busy", got)
		}
		for range got["busy"] {
			if _, err := e.svc.RenewCRL(e.ctx, e.admin, demo.SigningPassphrase); err != nil {
				t.Fatalf("a busy renewal sent again: %v", err)
			}
		}
		if _, err := e.svc.RenewCRL(e.ctx, e.admin, "tebakan-salah-123"); !errors.Is(err, issuance.ErrWrongRootPassphrase) ||
			errors.Is(err, surat.ErrLocked) {
			t.Fatalf("a wrong passphrase afterwards: %v, want only wrong", err)
		}
	})
}

// Wrong root passphrases are limited like signing passphrases: five per
// user within the lock window, twenty for everybody together, counted in
// the database before the key is decrypted, so that parallel guesses get
// no more tries; while locked even the right passphrase is refused, and
// the passphrase never reaches the log.
func TestRootPassphraseAttemptsAreLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		const guess = "tebakan-salah-123"
		classify := func(err error) string {
			var locked *issuance.RootLockedError
			switch {
			case errors.Is(err, issuance.ErrWrongRootPassphrase):
				return "wrong" // tried; the last try also says locked
			case errors.As(err, &locked):
				return "locked"
			case errors.Is(err, auth.ErrBusy):
				return "busy"
			case err == nil:
				return "opened"
			}
			return err.Error()
		}
		// Twelve guesses at once by one user, then more until refused.
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range 12 {
			wg.Go(func() {
				_, err := e.svc.RenewCRL(e.ctx, e.admin, guess)
				mu.Lock()
				got[classify(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		for got["wrong"] < 5 && got["locked"] < 12 {
			_, err := e.svc.RenewCRL(e.ctx, e.admin, guess)
			got[classify(err)]++
		}
		if got["wrong"] != 5 || len(got) > 3 {
			t.Fatalf("one user's guesses: %v, want exactly 5 tried and the rest refused", got)
		}
		if k := classify(second(e.svc.RenewCRL(e.ctx, e.admin, demo.SigningPassphrase))); k != "locked" {
			t.Fatalf("the locked user's right passphrase: %s, want locked", k)
		}
		// Others still may, until twenty wrong guesses from all users.
		if k := classify(second(e.svc.RenewCRL(e.ctx, e.kades, demo.SigningPassphrase))); k != "opened" {
			t.Fatalf("another user's right passphrase: %s, want opened", k)
		}
		for u := range 3 {
			actor := surat.Actor{UserID: 9000 + int64(u), Username: fmt.Sprintf("penebak%d", u), Role: surat.RoleAdminKabupaten}
			for range 5 {
				if k := classify(second(e.svc.RenewCRL(e.ctx, actor, guess))); k != "wrong" {
					t.Fatalf("user %d: %s, want wrong", u, k)
				}
			}
		}
		if k := classify(second(e.svc.RenewCRL(e.ctx, e.kades, demo.SigningPassphrase))); k != "locked" {
			t.Fatalf("after twenty wrong guesses from all users: %s, want locked", k)
		}
		// Once the window has passed the right passphrase opens the root.
		e.clock.Advance(surat.SignLockDuration + time.Second)
		if k := classify(second(e.svc.RenewCRL(e.ctx, e.admin, demo.SigningPassphrase))); k != "opened" {
			t.Fatalf("after the lock window: %s, want opened", k)
		}
		if strings.Contains(e.log.String(), guess) || strings.Contains(e.log.String(), demo.SigningPassphrase) {
			t.Fatal("a passphrase reached the log")
		}
	})
}

func second[T any](_ T, err error) error { return err }
