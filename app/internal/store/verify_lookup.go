package store

import (
	"context"
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// PublicCodeByNumber returns the verification code and the letter date of
// the signed (or since revoked or replaced) letter of the village with that
// number, or surat.ErrNotFound: the lookup of a letter by what is printed
// on it, for someone without a QR scanner. The unique index on (village,
// number) answers it.
func (s *Store) PublicCodeByNumber(ctx context.Context, villageID int64, number string) (code string, issuedAt time.Time, err error) {
	var row struct {
		VerifyCode *string
		IssuedAt   *time.Time
	}
	err = s.db.WithContext(ctx).Table("letters").Select("verify_code, issued_at").
		Where("village_id = ? AND number = ? AND signed_at IS NOT NULL", villageID, number).Take(&row).Error
	if err != nil {
		return "", time.Time{}, translate("public letter by number", err)
	}
	if row.VerifyCode == nil || row.IssuedAt == nil {
		return "", time.Time{}, fmt.Errorf("store: public letter by number: %w", surat.ErrNotFound)
	}
	return *row.VerifyCode, *row.IssuedAt, nil
}
