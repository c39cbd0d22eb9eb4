package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Certificate enrolments: an official, signed in as a penandatangan, asks
// for a certificate for a key pair made then; the CA holder approves
// (which issues the certificate and links the login to the official) or
// rejects it. Every step is audited on the village's chain.

// enrolmentAudit is what the audit log hashes of an enrolment: never the
// sealed key.
func enrolmentAudit(e *surat.CertificateEnrolment) any {
	return struct {
		ID, VillageID, OfficialID, UserID int64
		KeyFingerprint                    string
		Status                            surat.EnrolmentStatus
		RejectReason                      string
		CertificateID                     *int64
		DecidedBy                         string
	}{e.ID, e.VillageID, e.OfficialID, e.UserID, e.KeyFingerprint, e.Status, e.RejectReason, e.CertificateID, e.DecidedBy}
}

// CreateEnrolment stores a new pending enrolment of a village's
// penandatangan login for an official of the same village, and audits it.
// A pending enrolment the same login made earlier is cancelled (status
// dibatalkan): one login has at most one pending request. On success e
// carries its id, status and time.
//
// Errors: surat.ErrForbidden when the login is not an enabled
// penandatangan of the village, or is already linked to another official;
// surat.ErrNotFound for an official of another village; surat.ErrConflict
// for a public key already enrolled.
func (s *Store) CreateEnrolment(ctx context.Context, actor surat.Actor, e *surat.CertificateEnrolment) error {
	if len(e.PublicKeyDER) == 0 || e.KeyFingerprint == "" || e.SealedKey == "" {
		return errors.New("store: create enrolment: public key, fingerprint and sealed key are required")
	}
	ne := *e
	ne.ID, ne.Status, ne.RejectReason, ne.CertificateID, ne.DecidedBy, ne.DecidedAt = 0, surat.EnrolmentPending, "", nil, "", nil
	ne.CreatedAt = s.now()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		// The login's row is locked first, so that parallel enrolments of
		// one login take turns and leave exactly one pending.
		var u surat.User
		if err := s.lockRow(tx, "users", ne.VillageID, ne.UserID, &u); err != nil {
			return err
		}
		if u.Role != surat.RoleSigner || u.Disabled {
			return fmt.Errorf("user %d is not an enabled penandatangan: %w", u.ID, surat.ErrForbidden)
		}
		if u.OfficialID != nil && *u.OfficialID != ne.OfficialID {
			return fmt.Errorf("user %d signs as official %d: %w", u.ID, *u.OfficialID, surat.ErrForbidden)
		}
		var n int64
		if err := tx.Table("officials").Where("village_id = ? AND id = ?", ne.VillageID, ne.OfficialID).
			Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("official %d of village %d: %w", ne.OfficialID, ne.VillageID, surat.ErrNotFound)
		}
		var earlier []surat.CertificateEnrolment
		q := tx.Table("certificate_enrolments").Where("village_id = ? AND user_id = ? AND status = ?",
			ne.VillageID, ne.UserID, surat.EnrolmentPending)
		if s.dialect == "mysql" {
			// A locking read sees the rows the login's previous enrolment
			// committed while this one waited for the lock.
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&earlier).Error; err != nil {
			return err
		}
		vid := ne.VillageID
		for i := range earlier {
			before := earlier[i]
			res := tx.Table("certificate_enrolments").Where("id = ? AND status = ?", before.ID, surat.EnrolmentPending).
				Updates(map[string]any{"status": surat.EnrolmentCancelled, "decided_by": actor.Username, "decided_at": ne.CreatedAt})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			after := before
			after.Status, after.DecidedBy = surat.EnrolmentCancelled, actor.Username
			if err := s.appendAudit(tx, actor, &vid, "pki.enrolment.cancel", "certificate_enrolment", before.ID,
				enrolmentAudit(&before), enrolmentAudit(&after), "replaced by a newer request"); err != nil {
				return err
			}
		}
		if err := tx.Table("certificate_enrolments").Create(&ne).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &vid, "pki.enrolment.create", "certificate_enrolment", ne.ID, nil,
			enrolmentAudit(&ne), fmt.Sprintf("official %d login %s key %s", ne.OfficialID, u.Username, ne.KeyFingerprint))
	})
	if err != nil {
		return translate("create enrolment", err)
	}
	*e = ne
	return nil
}

// EnrolmentByID returns an enrolment of any village (the CA holder serves
// all of them), or surat.ErrNotFound.
func (s *Store) EnrolmentByID(ctx context.Context, id int64) (*surat.CertificateEnrolment, error) {
	var e surat.CertificateEnrolment
	err := s.db.WithContext(ctx).Table("certificate_enrolments").Where("id = ?", id).Take(&e).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("enrolment %d", id), err)
	}
	return &e, nil
}

// Enrolments lists enrolments of every village with the given status
// (every status when it is ""), oldest first, at most limit of them.
func (s *Store) Enrolments(ctx context.Context, status surat.EnrolmentStatus, limit int) ([]surat.CertificateEnrolment, error) {
	q := s.db.WithContext(ctx).Table("certificate_enrolments")
	if status != "" {
		q = q.Where("status = ?", status).Order("id")
	} else {
		q = q.Order("id DESC")
	}
	var es []surat.CertificateEnrolment
	err := q.Limit(limit).Find(&es).Error
	return es, translate("enrolments", err)
}

// UserEnrolments lists the enrolments a login of the village made, newest
// first.
func (s *Store) UserEnrolments(ctx context.Context, villageID, userID int64) ([]surat.CertificateEnrolment, error) {
	var es []surat.CertificateEnrolment
	err := s.db.WithContext(ctx).Table("certificate_enrolments").Where("village_id = ? AND user_id = ?", villageID, userID).
		Order("id DESC").Find(&es).Error
	return es, translate("user enrolments", err)
}

// OfficialCertificates lists every certificate ever issued to an official
// of the village, newest first.
func (s *Store) OfficialCertificates(ctx context.Context, villageID, officialID int64) ([]surat.SignerCertificate, error) {
	var cs []surat.SignerCertificate
	err := s.db.WithContext(ctx).Table("signer_certificates").Where("village_id = ? AND official_id = ?", villageID, officialID).
		Order("id DESC").Find(&cs).Error
	return cs, translate("official certificates", err)
}

// ApproveEnrolment decides a pending enrolment: in one transaction it
// marks it approved by actor, stores c (the certificate the CA issued for
// its key, with the enrolment's sealed key), revokes the official's other
// active certificates with surat.ReasonReplacedByNewCertificate and
// regenerates the CRL with makeCRL, links the enrolling login to the
// official and unlinks any other login from it. Everything is audited. Of
// two approvals of one enrolment, however parallel, exactly one succeeds.
//
// Errors: surat.ErrNotFound for an unknown enrolment; surat.ErrConflict
// when it is no longer pending; surat.ErrForbidden when the login is no
// longer an enabled penandatangan of the village; in every case nothing
// changes.
func (s *Store) ApproveEnrolment(ctx context.Context, actor surat.Actor, id int64, c *surat.SignerCertificate, makeCRL CRLFunc) error {
	var out surat.SignerCertificate
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var e surat.CertificateEnrolment
		if err := tx.Table("certificate_enrolments").Where("id = ?", id).Take(&e).Error; err != nil {
			return fmt.Errorf("enrolment %d: %w", id, err)
		}
		now := s.now()
		// The conditional update decides the race: one approval sees the
		// row pending, every other one finds nothing to update.
		res := tx.Table("certificate_enrolments").Where("id = ? AND status = ?", id, surat.EnrolmentPending).
			Updates(map[string]any{"status": surat.EnrolmentApproved, "decided_by": actor.Username, "decided_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("enrolment %d is %s: %w", id, e.Status, surat.ErrConflict)
		}
		var u surat.User
		if err := tx.Table("users").Where("village_id = ? AND id = ?", e.VillageID, e.UserID).Take(&u).Error; err != nil {
			return fmt.Errorf("user %d: %w", e.UserID, err)
		}
		if u.Role != surat.RoleSigner || u.Disabled {
			return fmt.Errorf("user %d is no longer an enabled penandatangan: %w", u.ID, surat.ErrForbidden)
		}
		nc := *c
		nc.VillageID, nc.OfficialID, nc.SealedKey, nc.ApprovedBy = e.VillageID, e.OfficialID, e.SealedKey, actor.Username
		if err := s.installCertificate(tx, actor, &nc, makeCRL); err != nil {
			return err
		}
		before := e
		e.Status, e.CertificateID, e.DecidedBy, e.DecidedAt = surat.EnrolmentApproved, &nc.ID, actor.Username, &now
		if err := tx.Table("certificate_enrolments").Where("id = ?", id).Update("certificate_id", nc.ID).Error; err != nil {
			return err
		}
		vid := e.VillageID
		if err := s.appendAudit(tx, actor, &vid, "pki.enrolment.approve", "certificate_enrolment", id,
			enrolmentAudit(&before), enrolmentAudit(&e), fmt.Sprintf("certificate %d serial %s", nc.ID, nc.Serial)); err != nil {
			return err
		}
		if err := s.linkSigner(tx, actor, &u, e.OfficialID); err != nil {
			return err
		}
		out = nc
		return nil
	})
	if err != nil {
		return translate(fmt.Sprintf("approve enrolment %d", id), err)
	}
	*c = out
	return nil
}

// linkSigner makes u the one login that signs as the official: other
// logins linked to it lose the link, and each change is audited.
func (s *Store) linkSigner(tx *gorm.DB, actor surat.Actor, u *surat.User, officialID int64) error {
	vid := *u.VillageID
	var others []surat.User
	if err := tx.Table("users").Where("village_id = ? AND official_id = ? AND id <> ?", vid, officialID, u.ID).
		Find(&others).Error; err != nil {
		return err
	}
	now := s.now()
	for i := range others {
		before := others[i]
		if err := tx.Table("users").Where("id = ?", before.ID).
			Updates(map[string]any{"official_id": nil, "updated_at": now}).Error; err != nil {
			return err
		}
		after := before
		after.OfficialID, after.UpdatedAt = nil, now
		if err := s.appendAudit(tx, actor, &vid, "user.unlink_official", "user", before.ID, userAudit(&before),
			userAudit(&after), fmt.Sprintf("official %d now signed for by %s", officialID, u.Username)); err != nil {
			return err
		}
	}
	if u.OfficialID != nil && *u.OfficialID == officialID {
		return nil
	}
	before := *u
	if err := tx.Table("users").Where("id = ?", u.ID).
		Updates(map[string]any{"official_id": officialID, "updated_at": now}).Error; err != nil {
		return err
	}
	u.OfficialID, u.UpdatedAt = &officialID, now
	return s.appendAudit(tx, actor, &vid, "user.link_official", "user", u.ID, userAudit(&before), userAudit(u),
		fmt.Sprintf("official %d", officialID))
}

// RejectEnrolment decides a pending enrolment as rejected for reason (shown
// to the official) and audits it. Errors: a *surat.ValidationError on
// "reason", surat.ErrNotFound, surat.ErrConflict when it is no longer
// pending.
func (s *Store) RejectEnrolment(ctx context.Context, actor surat.Actor, id int64, reason string) (*surat.CertificateEnrolment, error) {
	if err := surat.ValidateReason("reason", reason); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var after surat.CertificateEnrolment
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var e surat.CertificateEnrolment
		if err := tx.Table("certificate_enrolments").Where("id = ?", id).Take(&e).Error; err != nil {
			return fmt.Errorf("enrolment %d: %w", id, err)
		}
		now := s.now()
		res := tx.Table("certificate_enrolments").Where("id = ? AND status = ?", id, surat.EnrolmentPending).
			Updates(map[string]any{"status": surat.EnrolmentRejected, "reject_reason": reason,
				"decided_by": actor.Username, "decided_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("enrolment %d is %s: %w", id, e.Status, surat.ErrConflict)
		}
		after = e
		after.Status, after.RejectReason, after.DecidedBy, after.DecidedAt = surat.EnrolmentRejected, reason, actor.Username, &now
		vid := e.VillageID
		return s.appendAudit(tx, actor, &vid, "pki.enrolment.reject", "certificate_enrolment", id,
			enrolmentAudit(&e), enrolmentAudit(&after), "")
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("reject enrolment %d", id), err)
	}
	return &after, nil
}

// installCertificate stores a new certificate of an official inside tx
// (the official's row locked first, so that two installs for one official
// take turns), revokes the official's other active certificates with
// surat.ReasonReplacedByNewCertificate, regenerates the CRL of the new
// certificate's root with makeCRL when it revoked any, and audits each
// step. makeCRL may be nil only when nothing is to be revoked. A replaced
// certificate under an older root is revoked here and on every page; that
// root's CRL is renewed when its holder runs `app pki crl` with it.
func (s *Store) installCertificate(tx *gorm.DB, actor surat.Actor, nc *surat.SignerCertificate, makeCRL CRLFunc) error {
	nc.ID = 0
	nc.Serial = surat.NormalizeSerial(nc.Serial)
	nc.NotBefore, nc.NotAfter = nc.NotBefore.UTC(), nc.NotAfter.UTC()
	nc.RevokedAt, nc.SignLockedUntil, nc.RevokeReason, nc.SignFailures = nil, nil, "", 0
	nc.CreatedAt = s.now()
	if nc.Fingerprint == "" || nc.CertPEM == "" || nc.SealedKey == "" || nc.RootID == 0 {
		return errors.New("fingerprint, certificate, sealed key and root are required")
	}
	var o surat.Official
	q := tx.Table("officials").Where("village_id = ? AND id = ?", nc.VillageID, nc.OfficialID)
	if s.dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&o).Error; err != nil {
		return fmt.Errorf("official %d of village %d: %w", nc.OfficialID, nc.VillageID, surat.ErrNotFound)
	}
	var old []surat.SignerCertificate
	if err := tx.Table("signer_certificates").
		Where("village_id = ? AND official_id = ? AND revoked_at IS NULL AND not_after > ?", nc.VillageID, nc.OfficialID, nc.CreatedAt).
		Order("id").Find(&old).Error; err != nil {
		return err
	}
	if len(old) > 0 && makeCRL == nil {
		return errors.New("replacing an active certificate needs a CRL function")
	}
	if err := tx.Table("signer_certificates").Create(nc).Error; err != nil {
		return err
	}
	vid := nc.VillageID
	if err := s.appendAudit(tx, actor, &vid, "pki.certificate.issue", "signer_certificate", nc.ID, nil,
		certAudit(nc), fmt.Sprintf("official %d serial %s approved by %s", nc.OfficialID, nc.Serial, nc.ApprovedBy)); err != nil {
		return err
	}
	now := nc.CreatedAt
	if len(old) > 0 {
		if err := bumpPublicGeneration(tx); err != nil {
			return err
		}
	}
	roots := map[int64]bool{}
	for i := range old {
		before := old[i]
		if err := tx.Table("signer_certificates").Where("id = ?", before.ID).Updates(map[string]any{
			"revoked_at": now, "revoke_reason": surat.ReasonReplacedByNewCertificate,
		}).Error; err != nil {
			return err
		}
		after := before
		after.RevokedAt, after.RevokeReason = &now, surat.ReasonReplacedByNewCertificate
		if err := s.appendAudit(tx, actor, &vid, "pki.certificate.revoke", "signer_certificate", before.ID,
			certAudit(&before), certAudit(&after), fmt.Sprintf("serial %s replaced by %s", before.Serial, nc.Serial)); err != nil {
			return err
		}
		roots[before.RootID] = true
	}
	if roots[nc.RootID] {
		return s.regenerateCRL(tx, actor, nc.RootID, now, makeCRL)
	}
	return nil
}
