package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/store/storetest"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestPKIStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		ck := newClock(time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		st := storetest.Open(t, b, ck.Now)
		e := newLetterEnv(t, st, "3505122001", "module")
		other := newLetterEnv(t, st, "3505122002", "module")

		if _, err := st.ActiveRoot(ctx); !errors.Is(err, surat.ErrNotFound) {
			t.Fatalf("ActiveRoot on empty db = %v, want ErrNotFound", err)
		}
		root := &surat.RootCA{CommonName: "Root", Fingerprint: "aa", CertPEM: "pem", SealedKey: `{"v":1}`}
		if err := st.SaveRoot(ctx, admin, root); err != nil {
			t.Fatalf("SaveRoot: %v", err)
		}
		dup := &surat.RootCA{CommonName: "Root", Fingerprint: "aa", CertPEM: "pem", SealedKey: `{"v":1}`}
		if err := st.SaveRoot(ctx, admin, dup); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("duplicate root = %v, want ErrConflict", err)
		}
		root2 := &surat.RootCA{CommonName: "Root 2", Fingerprint: "bb", CertPEM: "pem", SealedKey: `{"v":1}`}
		if err := st.SaveRoot(ctx, admin, root2); err != nil {
			t.Fatalf("SaveRoot 2: %v", err)
		}
		if got, err := st.ActiveRoot(ctx); err != nil || got.ID != root2.ID {
			t.Fatalf("ActiveRoot = %+v, %v; want root %d", got, err, root2.ID)
		}

		cert := &surat.SignerCertificate{VillageID: e.village.ID, OfficialID: e.signer.ID, RootID: root2.ID,
			Serial: "00:AB:CD", Fingerprint: "cc", CertPEM: "pem", SealedKey: "{}",
			NotBefore: ck.Now(), NotAfter: ck.Now().Add(24 * time.Hour)}
		if err := st.CreateSignerCertificate(ctx, admin, cert, nil); err != nil {
			t.Fatalf("CreateSignerCertificate: %v", err)
		}
		if cert.Serial != "abcd" {
			t.Errorf("serial stored as %q, want abcd", cert.Serial)
		}
		wrong := &surat.SignerCertificate{VillageID: other.village.ID, OfficialID: e.signer.ID, RootID: root2.ID,
			Serial: "01", Fingerprint: "dd", CertPEM: "pem", SealedKey: "{}", NotBefore: ck.Now(), NotAfter: ck.Now().Add(time.Hour)}
		if err := st.CreateSignerCertificate(ctx, admin, wrong, nil); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("certificate for another village's official = %v, want ErrNotFound", err)
		}
		if got, err := st.ActiveCertificateForOfficial(ctx, e.village.ID, e.signer.ID); err != nil || got.ID != cert.ID {
			t.Fatalf("ActiveCertificateForOfficial = %+v, %v", got, err)
		}
		if _, err := st.ActiveCertificateForOfficial(ctx, other.village.ID, e.signer.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("active certificate in another village = %v, want ErrNotFound", err)
		}
		if got, err := st.CertificateBySerial(ctx, "ABCD"); err != nil || got.ID != cert.ID {
			t.Errorf("CertificateBySerial = %+v, %v", got, err)
		}

		// Five wrong passphrases lock; a success clears.
		for i := 1; i <= surat.MaxSignFailures; i++ {
			locked, err := st.RecordSignFailure(ctx, e.village.ID, cert.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (locked != nil) != (i == surat.MaxSignFailures) {
				t.Fatalf("failure %d: locked = %v", i, locked)
			}
		}
		got, _ := st.CertificateByID(ctx, cert.ID)
		if !got.LockedAt(ck.Now()) || got.LockedAt(ck.Now().Add(surat.SignLockDuration)) {
			t.Errorf("lock until %v at %v, want %v after", got.SignLockedUntil, ck.Now(), surat.SignLockDuration)
		}
		if err := st.ClearSignFailures(ctx, e.village.ID, cert.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.CertificateByID(ctx, cert.ID); got.LockedAt(ck.Now()) || got.SignFailures != 0 {
			t.Errorf("after clear: %+v", got)
		}

		// Revocation fails as a whole when the CRL cannot be made.
		boom := errors.New("no root key")
		if _, err := st.RevokeCertificate(ctx, admin, e.village.ID, cert.ID, "Kunci hilang",
			func(int64, []store.RevokedEntry, time.Time) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
			t.Fatalf("revoke with failing CRL = %v", err)
		}
		if got, _ := st.CertificateByID(ctx, cert.ID); got.Revoked() {
			t.Fatal("certificate revoked although the CRL failed")
		}
		if _, err := st.RevokeCertificate(ctx, admin, other.village.ID, cert.ID, "x", nil); err == nil {
			t.Error("revoke without CRL function or in another village succeeded")
		}
		var gotNumber int64
		var gotEntries []store.RevokedEntry
		revoked, err := st.RevokeCertificate(ctx, admin, e.village.ID, cert.ID, "Kunci hilang",
			func(n int64, es []store.RevokedEntry, _ time.Time) ([]byte, error) {
				gotNumber, gotEntries = n, es
				return []byte{0x30, 0x00}, nil
			})
		if err != nil || !revoked.Revoked() {
			t.Fatalf("revoke = %+v, %v", revoked, err)
		}
		if gotNumber != 1 || len(gotEntries) != 1 || gotEntries[0].Serial != "abcd" {
			t.Errorf("CRL built with number %d entries %+v", gotNumber, gotEntries)
		}
		r, _ := st.RootByID(ctx, root2.ID)
		if r.CRLNumber != 1 || string(r.CRLDER) != "\x30\x00" || r.CRLUpdatedAt == nil {
			t.Errorf("root after revoke: number %d crl %x updated %v", r.CRLNumber, r.CRLDER, r.CRLUpdatedAt)
		}
		if _, err := st.ActiveCertificateForOfficial(ctx, e.village.ID, e.signer.ID); !errors.Is(err, surat.ErrNotFound) {
			t.Errorf("revoked certificate still active: %v", err)
		}
		if _, err := st.RevokeCertificate(ctx, admin, e.village.ID, cert.ID, "lagi",
			func(int64, []store.RevokedEntry, time.Time) ([]byte, error) { return []byte{1}, nil }); !errors.Is(err, surat.ErrConflict) {
			t.Errorf("second revoke = %v, want ErrConflict", err)
		}

		if c, err := st.VerifyAuditChain(ctx, 0); err != nil || !c.Intact() {
			t.Errorf("deployment audit chain broken: %+v %v", c, err)
		}
	})
}
