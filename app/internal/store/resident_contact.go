package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// SetResidentContact stores where a resident's Layanan Mandiri account is
// notified (phone, e-mail; the caller has checked and normalised them),
// with the time of consent, or clears both when the resident opts out
// (consent false). Audited without the values. Another village's account
// is surat.ErrNotFound.
func (s *Store) SetResidentContact(ctx context.Context, villageID, accountID int64, phone, email string, consent bool) (*surat.ResidentAccount, error) {
	var acc surat.ResidentAccount
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockRow(tx, "resident_accounts", villageID, accountID, &acc); err != nil {
			return err
		}
		set := map[string]any{"notify_phone": "", "notify_email": "", "notify_consent_at": nil, "updated_at": s.now()}
		detail := "berhenti"
		if consent && (phone != "" || email != "") {
			set["notify_phone"], set["notify_email"], set["notify_consent_at"] = phone, email, s.now()
			detail = fmt.Sprintf("telepon %s, e-mail %s", yesNo(phone != ""), yesNo(email != ""))
		}
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).Updates(set).Error; err != nil {
			return err
		}
		acc = surat.ResidentAccount{} // a NULL does not reset a pointer GORM scans into
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).Take(&acc).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, surat.Actor{Username: "penduduk"}, &villageID, "resident_account.notify",
			"resident_account", accountID, nil, nil, detail)
	})
	if err != nil {
		return nil, translate("resident contact", err)
	}
	return &acc, nil
}

// yesNo is a flag as an audit detail reads it.
func yesNo(b bool) string {
	if b {
		return "ya"
	}
	return "tidak"
}
