package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Staff accounts as a village admin manages them, and villages as the
// kabupaten admin creates them.

// VillageUsers lists the staff accounts of a village by username.
func (s *Store) VillageUsers(ctx context.Context, villageID int64) ([]surat.User, error) {
	var us []surat.User
	err := s.db.WithContext(ctx).Table("users").Where("village_id = ?", villageID).Order("username, id").Find(&us).Error
	return us, translate("village users", err)
}

// VillageUser returns a staff account of the village, or surat.ErrNotFound
// (also for an account of another village or the kabupaten admin).
func (s *Store) VillageUser(ctx context.Context, villageID, id int64) (*surat.User, error) {
	var u surat.User
	err := s.db.WithContext(ctx).Table("users").Where("village_id = ? AND id = ?", villageID, id).Take(&u).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("user %d", id), err)
	}
	return &u, nil
}

// UserChange is what a village admin may change of an account. Which
// official a penandatangan signs as is not among them: only the CA
// holder's approval of the official's own enrolment links a login to an
// official (ApproveEnrolment).
type UserChange struct {
	FullName string
	Role     surat.Role
	Disabled bool
	// Email is where the account gets notifications; "" for none.
	Email string
}

// userAudit is what the audit log hashes of a user: never the password
// hash.
func userAudit(u *surat.User) any {
	safe := *u
	safe.PasswordHash = ""
	return safe
}

// UpdateVillageUser applies ch to an account of the village and audits it.
// A village account cannot become admin_kabupaten. An account that stops
// being a penandatangan loses its link to an official (a new one needs a
// new, approved enrolment); the link is never set here. A disabled account
// loses its sessions at once. Field problems are a
// *surat.ValidationError; an id of another village is surat.ErrNotFound.
func (s *Store) UpdateVillageUser(ctx context.Context, actor surat.Actor, villageID, id int64, ch UserChange) (*surat.User, error) {
	ch.FullName = strings.TrimSpace(ch.FullName)
	p := surat.Problems{}
	if len([]rune(ch.FullName)) > 100 {
		p.Add("full_name", "Nama lengkap paling banyak 100 karakter")
	}
	if !ch.Role.Valid() || ch.Role == surat.RoleAdminKabupaten {
		p.Add("role", "Pilih peran: admin desa, operator atau penandatangan")
	}
	ch.Email = strings.TrimSpace(ch.Email)
	if msg := surat.ValidateEmail(ch.Email); msg != "" {
		p.Add("email", msg)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var after surat.User
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var before surat.User
		if err := tx.Table("users").Where("village_id = ? AND id = ?", villageID, id).Take(&before).Error; err != nil {
			return fmt.Errorf("user %d: %w", id, err)
		}
		after = before
		after.FullName, after.Role, after.Disabled = ch.FullName, ch.Role, ch.Disabled
		if after.Role != surat.RoleSigner {
			after.OfficialID = nil
		}
		after.Email, after.UpdatedAt = ch.Email, s.now()
		if err := tx.Table("users").Where("id = ?", id).Updates(map[string]any{
			"full_name": after.FullName, "role": string(after.Role), "official_id": after.OfficialID,
			"disabled": after.Disabled, "email": after.Email, "updated_at": after.UpdatedAt,
		}).Error; err != nil {
			return err
		}
		if after.Disabled {
			if err := tx.Table("sessions").Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		detail := string(after.Role)
		if after.Disabled {
			detail += ", nonaktif"
		}
		return s.appendAudit(tx, actor, &villageID, "user.update", "user", id, userAudit(&before), userAudit(&after), detail)
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("update user %d", id), err)
	}
	return &after, nil
}

// ResetVillageUserPassword sets a new password hash on an account of the
// village, lifts its lock-out, ends its sessions and audits the reset
// (without the hash). An id of another village is surat.ErrNotFound.
func (s *Store) ResetVillageUserPassword(ctx context.Context, actor surat.Actor, villageID, id int64, hash string) error {
	if hash == "" {
		return &surat.ValidationError{Fields: map[string]string{"password": "Kata sandi wajib diisi"}}
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Table("users").Where("village_id = ? AND id = ?", villageID, id).Updates(map[string]any{
			"password_hash": hash, "failed_logins": 0, "locked_until": nil, "updated_at": s.now(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("user %d: %w", id, surat.ErrNotFound)
		}
		if err := tx.Table("sessions").Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "user.password_reset", "user", id, nil, nil, "")
	})
	return translate(fmt.Sprintf("reset password of user %d", id), err)
}

// checkVillageWithAdmin gives v the default number format when it has
// none and returns the problems of a new village v with its first admin u
// that need no database: the village's fields, the username's form and a
// missing password hash.
func checkVillageWithAdmin(v *surat.Village, u *surat.User) surat.Problems {
	if v.NumberFormat == "" {
		v.NumberFormat = surat.DefaultNumberFormat
	}
	p := surat.Problems{}
	if fields, ok := surat.FieldErrors(v.Validate()); ok {
		for f, msg := range fields {
			p.Add(f, msg)
		}
	}
	if !usernameRE.MatchString(u.Username) {
		p.Add("username", "Nama pengguna 3-50 karakter: huruf kecil, angka, titik, garis bawah atau minus")
	}
	if u.PasswordHash == "" {
		p.Add("password", "Kata sandi wajib diisi")
	}
	return p
}

// CreateVillageWithAdmin creates a village and its first admin_desa account
// in one transaction, auditing both: a problem with either leaves nothing
// behind. u.PasswordHash must be set; u.Role and u.VillageID are set here.
// Problems of both are returned together as one *surat.ValidationError (a
// kode desa or username already taken included).
func (s *Store) CreateVillageWithAdmin(ctx context.Context, actor surat.Actor, v *surat.Village, u *surat.User) error {
	p := checkVillageWithAdmin(v, u)
	if err := p.Err(); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("villages").Where("code = ?", v.Code).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			p.Add("code", "Kode desa "+v.Code+" sudah terdaftar")
		}
		if err := tx.Table("users").Where("username = ?", u.Username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			p.Add("username", "Nama pengguna sudah dipakai")
		}
		if err := p.Err(); err != nil {
			return err
		}
		v.ID = 0
		if err := tx.Table("villages").Create(v).Error; err != nil {
			return err
		}
		if err := createVillageStats(tx, v.ID); err != nil {
			return err
		}
		if err := s.appendAudit(tx, actor, &v.ID, "village.create", "village", v.ID, nil, v, ""); err != nil {
			return err
		}
		u.ID, u.VillageID, u.Role, u.OfficialID = 0, &v.ID, surat.RoleAdminDesa, nil
		if err := tx.Table("users").Create(u).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &v.ID, "user.create", "user", u.ID, nil, userAudit(u), string(u.Role))
	})
	return translate("create village with admin", err)
}

// Users lists every staff account of the deployment by username, for the
// kabupaten admin's audit filter.
func (s *Store) Users(ctx context.Context) ([]surat.User, error) {
	var us []surat.User
	err := s.db.WithContext(ctx).Table("users").Order("username, id").Find(&us).Error
	return us, translate("users", err)
}
