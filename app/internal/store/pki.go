package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The root CA and signer certificates. The store keeps certificates and
// sealed key blobs; it never sees a passphrase or a key in clear. Building a
// CRL needs the root's key, so the functions that store one take a CRLFunc
// that the caller (holding the decrypted root key) implements.

// ActiveRoot returns the deployment's active root CA, the newest one, or
// surat.ErrNotFound when `app pki init` has not run.
func (s *Store) ActiveRoot(ctx context.Context) (*surat.RootCA, error) {
	var r surat.RootCA
	err := s.db.WithContext(ctx).Table("pki_roots").Order("id DESC").Take(&r).Error
	if err != nil {
		return nil, translate("active root", err)
	}
	return &r, nil
}

// RootByID returns a root CA, current or earlier, or surat.ErrNotFound.
func (s *Store) RootByID(ctx context.Context, id int64) (*surat.RootCA, error) {
	var r surat.RootCA
	err := s.db.WithContext(ctx).Table("pki_roots").Where("id = ?", id).Take(&r).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("root %d", id), err)
	}
	return &r, nil
}

// Roots lists every root CA, newest first.
func (s *Store) Roots(ctx context.Context) ([]surat.RootCA, error) {
	var rs []surat.RootCA
	err := s.db.WithContext(ctx).Table("pki_roots").Order("id DESC").Find(&rs).Error
	return rs, translate("roots", err)
}

// SaveRoot stores r as a new root CA, which becomes the active one, and
// audits it on the deployment-wide chain. On success r carries its id and
// creation time. A root with the same fingerprint is surat.ErrConflict.
func (s *Store) SaveRoot(ctx context.Context, actor surat.Actor, r *surat.RootCA) error {
	if r.CommonName == "" || r.Fingerprint == "" || r.CertPEM == "" || r.SealedKey == "" {
		return errors.New("store: save root: common name, fingerprint, certificate and sealed key are required")
	}
	nr := *r
	nr.ID = 0
	nr.CreatedAt = s.now()
	nr.CRLUpdatedAt = utcPtr(nr.CRLUpdatedAt)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("pki_roots").Create(&nr).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, nil, "pki.root.create", "pki_root", nr.ID, nil, rootAudit(&nr),
			"fingerprint "+nr.Fingerprint)
	})
	if err != nil {
		return translate("save root", err)
	}
	*r = nr
	return nil
}

// rootAudit is what the audit log hashes of a root: never the sealed key.
func rootAudit(r *surat.RootCA) any {
	return struct {
		ID          int64
		Fingerprint string
		CRLNumber   int64
	}{r.ID, r.Fingerprint, r.CRLNumber}
}

// certAudit is what the audit log hashes of a certificate: never the sealed
// key.
func certAudit(c *surat.SignerCertificate) any {
	return struct {
		ID, VillageID, OfficialID int64
		Serial, Fingerprint       string
		RevokedAt                 *time.Time
		RevokeReason              string
	}{c.ID, c.VillageID, c.OfficialID, c.Serial, c.Fingerprint, c.RevokedAt, c.RevokeReason}
}

// CreateSignerCertificate stores a newly issued signer certificate, as the
// CA holder's `app pki issue` and the demo seeding make them, and audits it
// on the village's chain. The official's other active certificates are
// revoked with surat.ReasonReplacedByNewCertificate in the same
// transaction, and the CRL regenerated with makeCRL (which may be nil only
// when the official has no active certificate). The official must belong
// to the village (else surat.ErrNotFound) and the root must exist. On
// success c carries its id. A duplicate serial or fingerprint is
// surat.ErrConflict.
func (s *Store) CreateSignerCertificate(ctx context.Context, actor surat.Actor, c *surat.SignerCertificate, makeCRL CRLFunc) error {
	nc := *c
	if nc.ApprovedBy == "" {
		nc.ApprovedBy = actor.Username
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		return s.installCertificate(tx, actor, &nc, makeCRL)
	})
	if err != nil {
		return translate("create certificate", err)
	}
	*c = nc
	return nil
}

// CertificateByID returns a signer certificate of any village, or
// surat.ErrNotFound. It is not village-scoped because the public
// verification page shows the certificate of any letter.
func (s *Store) CertificateByID(ctx context.Context, id int64) (*surat.SignerCertificate, error) {
	var c surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").Where("id = ?", id).Take(&c).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("certificate %d", id), err)
	}
	return &c, nil
}

// CertificateBySerial returns the signer certificate with that serial (hex,
// any case, with or without colons), of any village, or surat.ErrNotFound.
// It serves the administrator's `app pki revoke --serial`.
func (s *Store) CertificateBySerial(ctx context.Context, serial string) (*surat.SignerCertificate, error) {
	var c surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").Where("serial = ?", surat.NormalizeSerial(serial)).
		Take(&c).Error
	if err != nil {
		return nil, translate("certificate by serial", err)
	}
	return &c, nil
}

// SignerCertificates lists the village's signer certificates, newest first.
func (s *Store) SignerCertificates(ctx context.Context, villageID int64) ([]surat.SignerCertificate, error) {
	var cs []surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").Where("village_id = ?", villageID).
		Order("id DESC").Find(&cs).Error
	return cs, translate("signer certificates", err)
}

// ActiveCertificateForOfficial returns the newest certificate of the
// official that may sign now (issued, not expired, not revoked), or
// surat.ErrNotFound when there is none. A locked certificate is returned:
// the caller reports the lock.
func (s *Store) ActiveCertificateForOfficial(ctx context.Context, villageID, officialID int64) (*surat.SignerCertificate, error) {
	now := s.now()
	var c surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").
		Where("village_id = ? AND official_id = ? AND revoked_at IS NULL AND not_before <= ? AND not_after > ?",
			villageID, officialID, now, now).
		Order("id DESC").Take(&c).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("active certificate of official %d", officialID), err)
	}
	return &c, nil
}

// RevokedEntry is one revoked certificate as a CRL lists it.
type RevokedEntry struct {
	Serial    string // lower-case hex
	RevokedAt time.Time
}

// CRLFunc builds and signs a CRL numbered number listing revoked, at now.
// It runs inside the store's transaction, so it must not use the Store.
type CRLFunc func(number int64, revoked []RevokedEntry, now time.Time) ([]byte, error)

// RevokeCertificate revokes a signer certificate of the village for reason
// and, when makeCRL is not nil, regenerates the CRL of its root with it
// (numbered one above the last), storing both, with an audit row, in one
// transaction: if makeCRL fails, nothing is revoked. With a nil makeCRL the
// certificate is revoked at once (it signs nothing more and the public
// check shows it revoked) and the CA holder lists it in the next CRL
// (UpdateCRL); issuance's UnlistedRevocations tells which wait. Letters
// signed before stay valid; the verification page says so.
//
// Errors: a *surat.ValidationError on "reason" for an empty reason,
// surat.ErrNotFound for a certificate of another village, surat.ErrConflict
// when it is already revoked, and makeCRL's error, wrapped.
func (s *Store) RevokeCertificate(ctx context.Context, actor surat.Actor, villageID, id int64, reason string,
	makeCRL CRLFunc) (*surat.SignerCertificate, error) {
	if err := surat.ValidateReason("reason", reason); err != nil {
		return nil, err
	}
	var after surat.SignerCertificate
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var before surat.SignerCertificate
		if err := s.lockRow(tx, "signer_certificates", villageID, id, &before); err != nil {
			return err
		}
		if before.RevokedAt != nil {
			return fmt.Errorf("certificate %d is already revoked: %w", id, surat.ErrConflict)
		}
		now := s.now()
		if err := tx.Table("signer_certificates").Where("id = ?", id).Updates(map[string]any{
			"revoked_at": now, "revoke_reason": strings.TrimSpace(reason),
		}).Error; err != nil {
			return err
		}
		if err := bumpPublicGeneration(tx); err != nil {
			return err
		}
		after = before
		after.RevokedAt, after.RevokeReason = &now, strings.TrimSpace(reason)
		vid := villageID
		if err := s.appendAudit(tx, actor, &vid, "pki.certificate.revoke", "signer_certificate", id,
			certAudit(&before), certAudit(&after), "serial "+before.Serial); err != nil {
			return err
		}
		if makeCRL == nil {
			return nil
		}
		return s.regenerateCRL(tx, actor, before.RootID, now, makeCRL)
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("revoke certificate %d", id), err)
	}
	return &after, nil
}

// maxRevokedListed bounds RevokedCertificates. Revocations are rare acts of
// admins (a kabupaten of 300 villages revokes a few dozen certificates a
// year); the bound only keeps a page's cost fixed.
const maxRevokedListed = 5000

// RevokedCertificates lists the revoked certificates of a root, latest
// revocation first, at most maxRevokedListed, without their sealed keys.
func (s *Store) RevokedCertificates(ctx context.Context, rootID int64) ([]surat.SignerCertificate, error) {
	var cs []surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").
		Select("id, village_id, official_id, root_id, serial, fingerprint, not_before, not_after, revoked_at, revoke_reason, approved_by, created_at").
		Where("root_id = ? AND revoked_at IS NOT NULL", rootID).
		Order("revoked_at DESC, id DESC").Limit(maxRevokedListed).Find(&cs).Error
	for i := range cs {
		cs[i].RevokedAt = utcPtr(cs[i].RevokedAt)
	}
	return cs, translate(fmt.Sprintf("revoked certificates of root %d", rootID), err)
}

// UpdateCRL regenerates the CRL of a root with makeCRL (numbered one above
// the last) and stores it, for the first CRL after `app pki init` and to
// renew it before it expires. A root that does not exist is
// surat.ErrNotFound.
func (s *Store) UpdateCRL(ctx context.Context, actor surat.Actor, rootID int64, makeCRL CRLFunc) (*surat.RootCA, error) {
	if makeCRL == nil {
		return nil, errors.New("store: update CRL: no CRL function")
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		return s.regenerateCRL(tx, actor, rootID, s.now(), makeCRL)
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("update CRL of root %d", rootID), err)
	}
	return s.RootByID(ctx, rootID)
}

// regenerateCRL bumps the root's CRL number (locking its row), lists the
// root's revoked certificates, calls makeCRL and stores the result.
func (s *Store) regenerateCRL(tx *gorm.DB, actor surat.Actor, rootID int64, now time.Time, makeCRL CRLFunc) error {
	res := tx.Exec("UPDATE pki_roots SET crl_number = crl_number + 1 WHERE id = ?", rootID)
	if res.Error != nil {
		return fmt.Errorf("lock root %d: %w", rootID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("root %d: %w", rootID, surat.ErrNotFound)
	}
	var root struct{ CRLNumber int64 }
	if err := tx.Table("pki_roots").Select("crl_number").Where("id = ?", rootID).Take(&root).Error; err != nil {
		return fmt.Errorf("root %d: %w", rootID, err)
	}
	var revoked []struct {
		Serial    string
		RevokedAt time.Time
	}
	if err := tx.Table("signer_certificates").Select("serial, revoked_at").
		Where("root_id = ? AND revoked_at IS NOT NULL", rootID).Order("id").Find(&revoked).Error; err != nil {
		return fmt.Errorf("revoked certificates: %w", err)
	}
	entries := make([]RevokedEntry, len(revoked))
	for i, r := range revoked {
		entries[i] = RevokedEntry{Serial: r.Serial, RevokedAt: r.RevokedAt.UTC()}
	}
	der, err := makeCRL(root.CRLNumber, entries, now)
	if err != nil {
		return fmt.Errorf("build CRL: %w", err)
	}
	if len(der) == 0 {
		return errors.New("build CRL: empty CRL")
	}
	if err := tx.Table("pki_roots").Where("id = ?", rootID).Updates(map[string]any{
		"crl_der": der, "crl_updated_at": now,
	}).Error; err != nil {
		return err
	}
	return s.appendAudit(tx, actor, nil, "pki.crl.update", "pki_root", rootID, nil, nil,
		fmt.Sprintf("CRL %d, %d revoked", root.CRLNumber, len(entries)))
}

// RecordSignFailure counts a wrong passphrase for the certificate
// atomically. When the count reaches surat.MaxSignFailures, signing with it
// is locked until now + surat.SignLockDuration, the count restarts, and the
// lock is audited. It returns the lock's end when the certificate is now
// locked, else nil. A certificate of another village is surat.ErrNotFound.
func (s *Store) RecordSignFailure(ctx context.Context, villageID, certID int64) (*time.Time, error) {
	var locked *time.Time
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Table("signer_certificates").Where("village_id = ? AND id = ?", villageID, certID).
			Update("sign_failures", gorm.Expr("sign_failures + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("certificate %d: %w", certID, surat.ErrNotFound)
		}
		var c struct{ SignFailures int }
		if err := tx.Table("signer_certificates").Select("sign_failures").Where("id = ?", certID).
			Take(&c).Error; err != nil {
			return err
		}
		if c.SignFailures < surat.MaxSignFailures {
			return nil
		}
		until := s.now().Add(surat.SignLockDuration)
		locked = &until
		if err := tx.Table("signer_certificates").Where("id = ?", certID).
			Updates(map[string]any{"sign_failures": 0, "sign_locked_until": until}).Error; err != nil {
			return err
		}
		vid := villageID
		return s.appendAudit(tx, surat.Actor{Username: "system"}, &vid, "pki.certificate.lock", "signer_certificate",
			certID, nil, nil, "signing locked after repeated wrong passphrases")
	})
	return locked, translate(fmt.Sprintf("record sign failure of certificate %d", certID), err)
}

// ClearSignFailures resets the wrong-passphrase count and any lock of the
// certificate after a correct passphrase.
func (s *Store) ClearSignFailures(ctx context.Context, villageID, certID int64) error {
	err := s.db.WithContext(ctx).Table("signer_certificates").
		Where("village_id = ? AND id = ? AND (sign_failures <> 0 OR sign_locked_until IS NOT NULL)", villageID, certID).
		Updates(map[string]any{"sign_failures": 0, "sign_locked_until": nil}).Error
	return translate(fmt.Sprintf("clear sign failures of certificate %d", certID), err)
}

// ResealSignerKey replaces the sealed private key of a village's signer
// certificate (the same key under a new passphrase) and audits it without
// the key. oldSealed must be the blob the caller opened: when the key was
// changed in between, or the certificate was revoked, the result is
// surat.ErrConflict and nothing changes. A certificate of another village
// is surat.ErrNotFound. Failed-passphrase counts and locks are cleared.
func (s *Store) ResealSignerKey(ctx context.Context, actor surat.Actor, villageID, certID int64, oldSealed, newSealed string) error {
	if newSealed == "" {
		return errors.New("store: reseal key: empty sealed key")
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var c surat.SignerCertificate
		if err := tx.Table("signer_certificates").Where("village_id = ? AND id = ?", villageID, certID).
			Take(&c).Error; err != nil {
			return fmt.Errorf("certificate %d: %w", certID, err)
		}
		res := tx.Table("signer_certificates").
			Where("id = ? AND sealed_key = ? AND revoked_at IS NULL", certID, oldSealed).
			Updates(map[string]any{"sealed_key": newSealed, "sign_failures": 0, "sign_locked_until": nil})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("certificate %d was revoked or its key changed meanwhile: %w", certID, surat.ErrConflict)
		}
		vid := villageID
		return s.appendAudit(tx, actor, &vid, "pki.certificate.passphrase", "signer_certificate", certID,
			certAudit(&c), certAudit(&c), "serial "+c.Serial)
	})
	return translate(fmt.Sprintf("reseal key of certificate %d", certID), err)
}
