package issuance

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/attempt"
	"github.com/suratdesa/suratdesa/app/internal/pki"
	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// CRLValidity is how long a CRL is valid (its NextUpdate). The CA holder
// issues a new one after revocations and before it runs out (RenewCRL).
const CRLValidity = 30 * 24 * time.Hour

// InitRoot creates the deployment's root CA (ECDSA P-256, its key sealed
// under passphrase), stores it and issues its first, empty CRL. A
// deployment has one root: when one exists the result is
// surat.ErrConflict. A missing name or a passphrase shorter than
// pki.MinPassphraseLen is a *surat.ValidationError on "name" or
// "passphrase".
func (s *Service) InitRoot(ctx context.Context, actor surat.Actor, commonName, passphrase string) (*surat.RootCA, error) {
	commonName = strings.TrimSpace(commonName)
	p := surat.Problems{}
	if commonName == "" {
		p.Add("name", "Nama otoritas sertifikat wajib diisi")
	}
	if len([]rune(passphrase)) < pki.MinPassphraseLen {
		p.Add("passphrase", fmt.Sprintf("Frasa sandi paling sedikit %d karakter", pki.MinPassphraseLen))
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch _, err := s.d.Store.ActiveRoot(ctx); {
	case err == nil:
		return nil, fmt.Errorf("issuance: a root CA already exists: %w", surat.ErrConflict)
	case !errors.Is(err, surat.ErrNotFound):
		return nil, fmt.Errorf("issuance: root CA: %w", err)
	}
	cred, err := pki.NewRootCA(commonName, s.d.Now(), passphrase, s.d.KDF)
	if err != nil {
		return nil, fmt.Errorf("issuance: create root CA: %w", err)
	}
	key, err := pki.DecryptKey(cred.SealedKey, passphrase, cred.Cert, 0)
	if err != nil {
		return nil, fmt.Errorf("issuance: open new root key: %w", err)
	}
	defer key.Wipe()
	root := &surat.RootCA{CommonName: commonName, Fingerprint: pki.Fingerprint(cred.Cert),
		CertPEM: string(pki.CertificatePEM(cred.Cert)), SealedKey: string(cred.SealedKey)}
	if err := s.d.Store.SaveRoot(ctx, actor, root); err != nil {
		return nil, fmt.Errorf("issuance: save root CA: %w", err)
	}
	updated, err := s.d.Store.UpdateCRL(ctx, actor, root.ID, crlFunc(cred.Cert, key))
	if err != nil {
		return nil, fmt.Errorf("issuance: first CRL: %w", err)
	}
	s.d.Log.Info("root CA created", "root_id", root.ID, "fingerprint", root.Fingerprint)
	return updated, nil
}

// openActiveRoot returns the active root CA with its certificate and
// unsealed key; the caller wipes the key. Errors: ErrNoRoot,
// ErrWrongPassphrase.
func (s *Service) openActiveRoot(ctx context.Context, actor surat.Actor, passphrase string) (*surat.RootCA, *x509.Certificate, *pki.Key, error) {
	rootRow, err := s.d.Store.ActiveRoot(ctx)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil, nil, ErrNoRoot
	} else if err != nil {
		return nil, nil, nil, fmt.Errorf("issuance: root CA: %w", err)
	}
	rootCert, rootKey, err := s.openRootGuarded(ctx, actor, rootRow, passphrase)
	if err != nil {
		return nil, nil, nil, err
	}
	return rootRow, rootCert, rootKey, nil
}

// maxRootFailures bounds the wrong root passphrases of all users together
// within surat.SignLockDuration; each user has surat.MaxSignFailures.
const maxRootFailures = 20

// openRootGuarded is openRoot under the wrong-passphrase limits of the
// root: each attempt is counted in the database before the key is
// decrypted, per user (surat.MaxSignFailures) and for everybody together
// (maxRootFailures) within surat.SignLockDuration, so that neither
// parallel requests nor many accounts get more guesses, on any replica.
// The decryption runs in a hashing slot (auth.ErrBusy when none is free;
// the attempt then does not count), and a right passphrase clears the
// user's count and is not counted for everybody. Errors: *RootLockedError
// when a limit is reached (nothing is decrypted); ErrWrongRootPassphrase,
// wrapping a *RootLockedError when it used up the last try.
//
// Both limits are attempt.Lockouts: only wrong passphrases lock, and an
// attempt refused while the attempts still being checked fill a limit (a
// kabupaten admin's script issuing certificates from several workers) is
// auth.ErrBusy, to be sent again in a moment.
func (s *Service) openRootGuarded(ctx context.Context, actor surat.Actor, r *surat.RootCA, passphrase string) (*x509.Certificate, *pki.Key, error) {
	root, user := strconv.FormatInt(r.ID, 10), strconv.FormatInt(actor.UserID, 10)
	locks := []attempt.Lockout{
		attempt.NewLockout(attempt.Rule{Bucket: s.d.Attempts.Bucket("root-user", root, user),
			Max: surat.MaxSignFailures, Window: surat.SignLockDuration}, s.d.Attempts.Bucket("root-user-failed", root, user)),
		attempt.NewLockout(attempt.Rule{Bucket: s.d.Attempts.Bucket("root", root),
			Max: maxRootFailures, Window: surat.SignLockDuration}, s.d.Attempts.Bucket("root-failed", root)),
	}
	rules := []attempt.Rule{locks[0].Tries, locks[1].Tries}
	var cert *x509.Certificate
	var key *pki.Key
	counted, err := s.countedAttempt(ctx, rules, func() (err error) {
		cert, key, err = openRoot(r, passphrase)
		return err
	})
	var limit *attempt.LimitError
	switch {
	case errors.As(err, &limit):
		lock := locks[0]
		if limit.Rule.Bucket == locks[1].Tries.Bucket {
			lock = locks[1]
		}
		return nil, nil, s.d.Attempts.Refusal(ctx, lock, &RootLockedError{Until: limit.Until.UTC()})
	case errors.Is(err, ErrWrongRootPassphrase):
		s.d.Log.Warn("wrong root passphrase", "root_id", r.ID, "user_id", actor.UserID)
		// A lock lasts as long as its tries' window, which began no later
		// than its failures'.
		for i, lock := range locks {
			locked, ferr := s.d.Attempts.Failed(ctx, lock)
			if ferr != nil {
				return nil, nil, fmt.Errorf("issuance: count wrong root passphrase: %w", ferr)
			}
			if locked {
				err = fmt.Errorf("%w: %w", ErrWrongRootPassphrase, &RootLockedError{Until: counted[i].WindowEnds.UTC()})
			}
		}
		return nil, nil, err
	case err != nil:
		return nil, nil, err
	}
	// The user's failures no longer count; the right passphrase is not
	// one of everybody's.
	err = s.d.Attempts.Forget(ctx, locks[0].Tries.Bucket, locks[0].Failures.Bucket)
	if err == nil {
		err = s.d.Attempts.Refund(ctx, locks[1].Tries.Bucket)
	}
	if err != nil {
		key.Wipe()
		return nil, nil, fmt.Errorf("issuance: clear root passphrase attempts: %w", err)
	}
	return cert, key, nil
}

// openRoot parses a stored root and decrypts its key with passphrase; a
// wrong passphrase is ErrWrongPassphrase and changes nothing.
func openRoot(r *surat.RootCA, passphrase string) (*x509.Certificate, *pki.Key, error) {
	cert, err := pki.ParseCertificatePEM([]byte(r.CertPEM))
	if err != nil {
		return nil, nil, fmt.Errorf("issuance: root %d: %w", r.ID, err)
	}
	key, err := pki.DecryptKey([]byte(r.SealedKey), passphrase, cert, 0)
	if errors.Is(err, pki.ErrWrongPassphrase) {
		return nil, nil, ErrWrongRootPassphrase
	} else if err != nil {
		return nil, nil, fmt.Errorf("issuance: open root key %d: %w", r.ID, err)
	}
	return cert, key, nil
}

// crlFunc builds the CRLs of root, signed with its key.
func crlFunc(root *x509.Certificate, key *pki.Key) store.CRLFunc {
	return func(number int64, revoked []store.RevokedEntry, now time.Time) ([]byte, error) {
		entries := make([]pki.Revoked, 0, len(revoked))
		for _, r := range revoked {
			serial, ok := new(big.Int).SetString(r.Serial, 16)
			if !ok {
				return nil, fmt.Errorf("serial %q is not hex", r.Serial)
			}
			entries = append(entries, pki.Revoked{Serial: serial, Time: r.RevokedAt})
		}
		return pki.CreateCRL(root, key, entries, number, now, now.Add(CRLValidity))
	}
}

// IssueCertificate issues a signer certificate (ECDSA P-256, valid
// pki.MaxSignerValidity, two years) under the active root to an official of
// the village, with the key sealed under signerPassphrase, chosen by the
// official. The root passphrase opens the root key for this one act. It is
// the CA holder's tool for bootstrap and the demo (`app pki issue`), not a
// web action: in the web the official enrols (Enrol) and the kabupaten
// admin approves (ApproveEnrolment). The official's previous active
// certificate is revoked ("diganti sertifikat baru"); the issuance is
// audited with actor as the approver.
//
// Errors: ErrNoRoot before `app pki init`; surat.ErrNotFound for an
// official of another village; a *surat.ValidationError on
// "signer_passphrase" for a short signer passphrase or on "official_id"
// for an inactive official; ErrWrongRootPassphrase for a wrong root
// passphrase (nothing is stored).
func (s *Service) IssueCertificate(ctx context.Context, actor surat.Actor, villageID, officialID int64, rootPassphrase, signerPassphrase string) (*surat.SignerCertificate, error) {
	if len([]rune(signerPassphrase)) < pki.MinPassphraseLen {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"signer_passphrase": fmt.Sprintf("Frasa sandi penandatangan paling sedikit %d karakter", pki.MinPassphraseLen)}}
	}
	o, err := s.d.Store.OfficialByID(ctx, villageID, officialID)
	if err != nil {
		return nil, fmt.Errorf("issuance: official %d: %w", officialID, err)
	}
	if !o.Active {
		return nil, &surat.ValidationError{Fields: map[string]string{
			"official_id": o.Name + " tidak lagi aktif sebagai perangkat desa"}}
	}
	v, err := s.d.Store.VillageByID(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: village %d: %w", villageID, err)
	}
	rootRow, rootCert, rootKey, err := s.openActiveRoot(ctx, actor, rootPassphrase)
	if err != nil {
		return nil, err
	}
	defer rootKey.Wipe()
	cred, err := pki.IssueSigner(rootCert, rootKey, pki.SignerRequest{
		Subject: pki.SignerSubject{Name: o.Name, Jabatan: o.Jabatan, Village: v.Name,
			Kabupaten: kabupatenName(v), VillageID: villageID},
		Passphrase: signerPassphrase,
		Now:        s.d.Now(),
		Validity:   pki.MaxSignerValidity,
		CRLURL:     s.d.BaseURL + "/pki/crl.der",
		KDF:        s.d.KDF,
	})
	if err != nil {
		return nil, fmt.Errorf("issuance: issue certificate: %w", err)
	}
	c := &surat.SignerCertificate{VillageID: villageID, OfficialID: officialID, RootID: rootRow.ID,
		Serial: surat.NormalizeSerial(cred.Cert.SerialNumber.Text(16)), Fingerprint: pki.Fingerprint(cred.Cert),
		CertPEM: string(pki.CertificatePEM(cred.Cert)), SealedKey: string(cred.SealedKey),
		NotBefore: cred.Cert.NotBefore.UTC(), NotAfter: cred.Cert.NotAfter.UTC()}
	if err := s.d.Store.CreateSignerCertificate(ctx, actor, c, crlFunc(rootCert, rootKey)); err != nil {
		return nil, fmt.Errorf("issuance: store certificate: %w", err)
	}
	s.d.Log.Info("signer certificate issued", "village_id", villageID, "official_id", officialID,
		"certificate_id", c.ID, "serial", c.Serial)
	return c, nil
}

// RevokeCertificate revokes a signer certificate of the village for reason,
// without the root key: from now on it signs nothing and the public check
// shows it revoked, and the CA holder lists it in the next CRL (RenewCRL,
// from the kabupaten's certificate page or `app pki crl`; UnlistedRevocations
// tells which wait). This is the village admin's act: the root passphrase
// belongs to the CA holder, and every wrong guess of it would count against
// the root's limit for everybody. Letters signed before stay valid.
// Errors: a *surat.ValidationError on "reason", surat.ErrNotFound (also
// another village's certificate), surat.ErrConflict when already revoked;
// in every case nothing changes.
func (s *Service) RevokeCertificate(ctx context.Context, actor surat.Actor, villageID, certID int64, reason string) (*surat.SignerCertificate, error) {
	return s.revokeCertificate(ctx, actor, villageID, certID, reason, nil)
}

// RevokeCertificateWithCRL is RevokeCertificate by the CA holder (`app pki
// revoke`), who also issues a new CRL of the certificate's root in the same
// transaction. Errors: those of RevokeCertificate, and ErrWrongPassphrase
// for a wrong root passphrase (nothing changes).
func (s *Service) RevokeCertificateWithCRL(ctx context.Context, actor surat.Actor, villageID, certID int64, reason, rootPassphrase string) (*surat.SignerCertificate, error) {
	return s.revokeCertificate(ctx, actor, villageID, certID, reason, &rootPassphrase)
}

// revokeCertificate revokes the certificate, and with a root passphrase
// also regenerates its root's CRL.
func (s *Service) revokeCertificate(ctx context.Context, actor surat.Actor, villageID, certID int64, reason string, rootPassphrase *string) (*surat.SignerCertificate, error) {
	if err := surat.ValidateReason("reason", reason); err != nil {
		return nil, err
	}
	c, err := s.d.Store.CertificateByID(ctx, certID)
	if err != nil || c.VillageID != villageID {
		if err == nil {
			err = surat.ErrNotFound
		}
		return nil, fmt.Errorf("issuance: certificate %d: %w", certID, err)
	}
	if c.Revoked() {
		return nil, fmt.Errorf("issuance: certificate %d is already revoked: %w", certID, surat.ErrConflict)
	}
	var makeCRL store.CRLFunc
	if rootPassphrase != nil {
		rootRow, err := s.d.Store.RootByID(ctx, c.RootID)
		if err != nil {
			return nil, fmt.Errorf("issuance: root of certificate %d: %w", certID, err)
		}
		rootCert, rootKey, err := s.openRootGuarded(ctx, actor, rootRow, *rootPassphrase)
		if err != nil {
			return nil, err
		}
		defer rootKey.Wipe()
		makeCRL = crlFunc(rootCert, rootKey)
	}
	after, err := s.d.Store.RevokeCertificate(ctx, actor, villageID, certID, reason, makeCRL)
	if err != nil {
		return nil, fmt.Errorf("issuance: revoke certificate %d: %w", certID, err)
	}
	s.d.Log.Info("signer certificate revoked", "village_id", villageID, "certificate_id", certID, "serial", c.Serial,
		"crl_updated", makeCRL != nil)
	return after, nil
}

// UnlistedRevocations returns the active root and its revoked certificates
// that its current CRL does not list yet (revoked without the root key, by
// a village admin), latest first: the CA holder's next RenewCRL lists them.
// Errors: ErrNoRoot before `app pki init`.
func (s *Service) UnlistedRevocations(ctx context.Context) (*surat.RootCA, []surat.SignerCertificate, error) {
	root, err := s.d.Store.ActiveRoot(ctx)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, nil, ErrNoRoot
	} else if err != nil {
		return nil, nil, fmt.Errorf("issuance: root CA: %w", err)
	}
	revoked, err := s.d.Store.RevokedCertificates(ctx, root.ID)
	if err != nil || len(revoked) == 0 {
		return root, nil, err
	}
	listed := map[string]bool{}
	if len(root.CRLDER) > 0 {
		crl, err := x509.ParseRevocationList(root.CRLDER)
		if err != nil {
			return nil, nil, fmt.Errorf("issuance: CRL of root %d: %w", root.ID, err)
		}
		for _, e := range crl.RevokedCertificateEntries {
			listed[e.SerialNumber.Text(16)] = true
		}
	}
	var unlisted []surat.SignerCertificate
	for _, c := range revoked {
		serial, ok := new(big.Int).SetString(c.Serial, 16)
		if !ok {
			return nil, nil, fmt.Errorf("issuance: certificate %d: serial %q is not hex", c.ID, c.Serial)
		}
		if !listed[serial.Text(16)] {
			unlisted = append(unlisted, c)
		}
	}
	return root, unlisted, nil
}

// RenewCRL issues a fresh CRL of the active root (valid CRLValidity),
// listing every certificate revoked under it: the CA holder's act, from the
// kabupaten's certificate page or `app pki crl`, after revocations and
// before the current one's NextUpdate. Errors: ErrNoRoot,
// ErrWrongPassphrase (nothing changes).
func (s *Service) RenewCRL(ctx context.Context, actor surat.Actor, rootPassphrase string) (*surat.RootCA, error) {
	rootRow, rootCert, rootKey, err := s.openActiveRoot(ctx, actor, rootPassphrase)
	if err != nil {
		return nil, err
	}
	defer rootKey.Wipe()
	r, err := s.d.Store.UpdateCRL(ctx, actor, rootRow.ID, crlFunc(rootCert, rootKey))
	if err != nil {
		return nil, fmt.Errorf("issuance: renew CRL: %w", err)
	}
	return r, nil
}

// RootPool returns a pool of every stored root CA, current and earlier, so
// that letters signed under an earlier root still verify. Before
// `app pki init` the pool is empty (it trusts nothing) and err is nil.
func (s *Service) RootPool(ctx context.Context) (*x509.CertPool, error) {
	roots, err := s.d.Store.Roots(ctx)
	if err != nil {
		return nil, fmt.Errorf("issuance: roots: %w", err)
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		c, err := pki.ParseCertificatePEM([]byte(r.CertPEM))
		if err != nil {
			return nil, fmt.Errorf("issuance: root %d: %w", r.ID, err)
		}
		pool.AddCert(c)
	}
	return pool, nil
}

// ChangeSignerPassphrase seals the private key of a village's signer
// certificate under newPassphrase, after opening it with oldPassphrase; the
// certificate, and every letter signed with it, stay as they are. A wrong
// old passphrase counts like a failed signing (the fifth in a row locks the
// certificate for surat.SignLockDuration).
//
// Errors: surat.ErrNotFound (also another village's certificate),
// surat.ErrConflict for a revoked certificate, *LockedError while signing
// with it is locked, ErrWrongPassphrase (possibly wrapping a *LockedError),
// a *surat.ValidationError on "passphrase" for a new passphrase shorter
// than pki.MinPassphraseLen; in every case nothing changes.
func (s *Service) ChangeSignerPassphrase(ctx context.Context, actor surat.Actor, villageID, certID int64, oldPassphrase, newPassphrase string) error {
	if len([]rune(newPassphrase)) < pki.MinPassphraseLen {
		return &surat.ValidationError{Fields: map[string]string{
			"passphrase": fmt.Sprintf("Frasa sandi penandatangan paling sedikit %d karakter", pki.MinPassphraseLen)}}
	}
	c, err := s.d.Store.CertificateByID(ctx, certID)
	if err != nil || c.VillageID != villageID {
		if err == nil {
			err = surat.ErrNotFound
		}
		return fmt.Errorf("issuance: certificate %d: %w", certID, err)
	}
	if c.Revoked() {
		return fmt.Errorf("issuance: certificate %d is revoked: %w", certID, surat.ErrConflict)
	}
	if c.LockedAt(s.d.Now()) {
		return &LockedError{Until: c.SignLockedUntil.UTC()}
	}
	xc, err := pki.ParseCertificatePEM([]byte(c.CertPEM))
	if err != nil {
		return fmt.Errorf("issuance: certificate %d: %w", certID, err)
	}
	var blob []byte
	if err := s.guardKey(ctx, villageID, certID, func() (err error) {
		blob, err = pki.ChangePassphrase([]byte(c.SealedKey), oldPassphrase, newPassphrase, xc, villageID, s.d.KDF)
		return err
	}); err != nil {
		return err
	}
	if err := s.d.Store.ResealSignerKey(ctx, actor, villageID, certID, c.SealedKey, string(blob)); err != nil {
		return fmt.Errorf("issuance: store resealed key: %w", err)
	}
	s.d.Log.Info("signer passphrase changed", "village_id", villageID, "certificate_id", certID, "serial", c.Serial)
	return nil
}
