package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// SetupFirstAdmin is first-run setup: it creates the village and its first
// admin_desa account in one transaction, so a failure leaves nothing behind
// and a retry starts clean. u.PasswordHash must already be set; u.Role and
// u.VillageID are set here. Problems with either are returned together as a
// *surat.ValidationError. When any user already exists it writes nothing and
// returns surat.ErrConflict: setup can never add a second admin.
func (s *Store) SetupFirstAdmin(ctx context.Context, v *surat.Village, u *surat.User) error {
	p := checkVillageWithAdmin(v, u)
	if err := p.Err(); err != nil {
		return err
	}
	actor := surat.Actor{Username: "setup"}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("users").Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("setup: users already exist: %w", surat.ErrConflict)
		}
		if err := tx.Table("villages").Where("code = ?", v.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &surat.ValidationError{Fields: map[string]string{"code": "Kode desa " + v.Code + " sudah terdaftar"}}
		}
		if err := tx.Table("villages").Create(v).Error; err != nil {
			return err
		}
		if err := createVillageStats(tx, v.ID); err != nil {
			return err
		}
		if err := s.appendAudit(tx, actor, &v.ID, "village.create", "village", v.ID, nil, v, "first-run setup"); err != nil {
			return err
		}
		u.ID = 0
		u.VillageID = &v.ID
		u.Role = surat.RoleAdminDesa
		if err := tx.Table("users").Create(u).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &v.ID, "user.create", "user", u.ID, nil, userAudit(u), string(u.Role))
	})
	return translate("setup first admin", err)
}
