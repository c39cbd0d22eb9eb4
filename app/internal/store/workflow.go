package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The workflow settings of a village, who can sign and who verifies
// (issue 18, docs/design.md §4).

// WorkflowSettings returns the village's workflow settings; a village that
// saved none gets the zero settings (no verification, no webhook).
func (s *Store) WorkflowSettings(ctx context.Context, villageID int64) (*surat.WorkflowSettings, error) {
	return s.workflowSettings(s.db.WithContext(ctx), villageID)
}

func (s *Store) workflowSettings(tx *gorm.DB, villageID int64) (*surat.WorkflowSettings, error) {
	var ws surat.WorkflowSettings
	err := tx.Table("workflow_settings").Where("village_id = ?", villageID).Take(&ws).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &surat.WorkflowSettings{VillageID: villageID, WebhookFormat: "json"}, nil
	case err != nil:
		return nil, translate("workflow settings", err)
	}
	return &ws, nil
}

// SaveWorkflowSettings stores the village's workflow settings (the caller
// has validated them) and audits the change; the audit detail never holds
// the webhook's address or token.
func (s *Store) SaveWorkflowSettings(ctx context.Context, actor surat.Actor, villageID int64, ws *surat.WorkflowSettings) error {
	ws.VillageID, ws.UpdatedAt = villageID, s.now()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("workflow_settings").Where("village_id = ?", villageID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			if err := tx.Table("workflow_settings").Create(ws).Error; err != nil {
				return err
			}
		} else if err := tx.Table("workflow_settings").Where("village_id = ?", villageID).Updates(map[string]any{
			"verify_sekdes": ws.VerifySekdes, "webhook_url": ws.WebhookURL, "webhook_auth": ws.WebhookAuth,
			"webhook_body": ws.WebhookBody, "webhook_format": ws.WebhookFormat, "webhook_staff": ws.WebhookStaff,
			"updated_at": ws.UpdatedAt}).Error; err != nil {
			return err
		}
		detail := fmt.Sprintf("verifikasi sekdes %s, webhook %s", yesNo(ws.VerifySekdes), yesNo(ws.WebhookURL != ""))
		return s.appendAudit(tx, actor, &villageID, "workflow.update", "village", villageID, nil, nil, detail)
	})
	return translate("save workflow settings", err)
}

// SignerStates says, for every official of the village, whether they can
// sign now: active, allowed to sign, with a usable certificate and an
// enabled penandatangan login linked to them. In the order of Officials.
func (s *Store) SignerStates(ctx context.Context, villageID int64) ([]surat.SignerState, error) {
	var out []surat.SignerState
	err := s.signerStatesTx(s.db.WithContext(ctx), villageID, func(st surat.SignerState) { out = append(out, st) })
	return out, translate("signer states", err)
}

// signerStatesTx calls yield with the state of every official of the
// village, reading inside tx.
func (s *Store) signerStatesTx(tx *gorm.DB, villageID int64, yield func(surat.SignerState)) error {
	var os []surat.Official
	if err := tx.Table("officials").Where("village_id = ?", villageID).Order("id").Find(&os).Error; err != nil {
		return err
	}
	var withLogin []int64
	if err := tx.Table("users").Where("village_id = ? AND role = ? AND disabled = ? AND official_id IS NOT NULL",
		villageID, surat.RoleSigner, false).Pluck("official_id", &withLogin).Error; err != nil {
		return err
	}
	now := s.now()
	var withCert []int64
	if err := tx.Table("signer_certificates").
		Where("village_id = ? AND revoked_at IS NULL AND not_before <= ? AND not_after > ?", villageID, now, now).
		Pluck("official_id", &withCert).Error; err != nil {
		return err
	}
	login, cert := map[int64]bool{}, map[int64]bool{}
	for _, id := range withLogin {
		login[id] = true
	}
	for _, id := range withCert {
		cert[id] = true
	}
	for _, o := range os {
		yield(surat.SignerState{Official: o, HasLogin: login[o.ID], HasCertificate: cert[o.ID]})
	}
	return nil
}

// signerStateTx is the state of one official of the village, read in tx;
// an official of another village is gorm.ErrRecordNotFound.
func (s *Store) signerStateTx(tx *gorm.DB, villageID, officialID int64) (surat.SignerState, error) {
	var found *surat.SignerState
	err := s.signerStatesTx(tx, villageID, func(st surat.SignerState) {
		if st.Official.ID == officialID {
			found = &st
		}
	})
	if err != nil {
		return surat.SignerState{}, err
	}
	if found == nil {
		return surat.SignerState{}, fmt.Errorf("official %d: %w", officialID, gorm.ErrRecordNotFound)
	}
	return *found, nil
}

// Verifiers are the enabled penandatangan accounts of the village linked to
// an active official who signs a.n. (the sekretaris desa): the people who
// verify letters.
func (s *Store) Verifiers(ctx context.Context, villageID int64) ([]surat.User, error) {
	var us []surat.User
	err := s.verifiersQuery(s.db.WithContext(ctx), villageID).Select("users.*").Order("users.id").Find(&us).Error
	return us, translate("verifiers", err)
}

func (s *Store) verifiersQuery(tx *gorm.DB, villageID int64) *gorm.DB {
	return tx.Table("users").
		Joins("JOIN officials o ON o.id = users.official_id AND o.village_id = users.village_id").
		Where("users.village_id = ? AND users.role = ? AND users.disabled = ? AND o.active = ? AND o.can_sign_an = ?",
			villageID, surat.RoleSigner, false, true, true)
}

// SignerUsers are the enabled penandatangan accounts of the village linked
// to the official.
func (s *Store) SignerUsers(ctx context.Context, villageID, officialID int64) ([]surat.User, error) {
	var us []surat.User
	err := s.db.WithContext(ctx).Table("users").
		Where("village_id = ? AND role = ? AND disabled = ? AND official_id = ?", villageID, surat.RoleSigner, false, officialID).
		Order("id").Find(&us).Error
	return us, translate("signer users", err)
}

// Clerks are the enabled operator and admin desa accounts of the village.
func (s *Store) Clerks(ctx context.Context, villageID int64) ([]surat.User, error) {
	var us []surat.User
	err := s.db.WithContext(ctx).Table("users").
		Where("village_id = ? AND role IN ? AND disabled = ?", villageID,
			[]surat.Role{surat.RoleAdminDesa, surat.RoleOperator}, false).Order("id").Find(&us).Error
	return us, translate("clerks", err)
}

// VerificationRequired reports whether letter l of the village waits for
// the sekretaris desa's verification before approval (see
// surat.VerificationRequired), with the settings as stored now.
func (s *Store) VerificationRequired(ctx context.Context, villageID int64, l *surat.Letter) (bool, error) {
	req, err := s.verificationRequired(s.db.WithContext(ctx), villageID, l)
	return req, translate("verification rule", err)
}

func (s *Store) verificationRequired(tx *gorm.DB, villageID int64, l *surat.Letter) (bool, error) {
	ws, err := s.workflowSettings(tx, villageID)
	if err != nil {
		return false, err
	}
	var set surat.LetterSettings
	err = tx.Table("letter_settings").Where("village_id = ? AND module = ?", villageID, l.Module).Take(&set).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return false, err
	}
	an := false
	if l.SignerOfficialID != nil {
		var o surat.Official
		err := tx.Table("officials").Where("village_id = ? AND id = ?", villageID, *l.SignerOfficialID).Take(&o).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return false, err
		}
		an = err == nil && o.CanSignAN && !o.IsHead
	}
	return surat.VerificationRequired(ws.VerifySekdes, set.Verification, an), nil
}
