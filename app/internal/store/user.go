package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,49}$`)

// CreateUser validates and inserts a staff account whose PasswordHash is
// already set, and audits it. Every role but admin_kabupaten needs a village.
func (s *Store) CreateUser(ctx context.Context, actor surat.Actor, u *surat.User) error {
	p := surat.Problems{}
	if !usernameRE.MatchString(u.Username) {
		p.Add("username", "Nama pengguna 3-50 karakter: huruf kecil, angka, titik, garis bawah atau minus")
	}
	if !u.Role.Valid() {
		p.Add("role", "Peran tidak dikenal")
	} else if u.Role == surat.RoleAdminKabupaten && u.VillageID != nil {
		p.Add("village", "Admin kabupaten tidak terikat pada satu desa")
	} else if u.Role != surat.RoleAdminKabupaten && u.VillageID == nil {
		p.Add("village", "Pengguna ini harus terikat pada satu desa")
	}
	if u.PasswordHash == "" {
		p.Add("password", "Kata sandi wajib diisi")
	}
	u.Email = strings.TrimSpace(u.Email)
	if msg := surat.ValidateEmail(u.Email); msg != "" {
		p.Add("email", msg)
	}
	if err := p.Err(); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("users").Where("username = ?", u.Username).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &surat.ValidationError{Fields: map[string]string{"username": "Nama pengguna sudah dipakai"}}
		}
		if u.VillageID != nil {
			if err := tx.Table("villages").Where("id = ?", *u.VillageID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return &surat.ValidationError{Fields: map[string]string{"village": "Desa tidak ditemukan"}}
			}
		}
		if err := tx.Table("users").Create(u).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, u.VillageID, "user.create", "user", u.ID, nil, userAudit(u), string(u.Role))
	})
	return translate("create user", err)
}

// UserByUsername returns the account or surat.ErrNotFound.
func (s *Store) UserByUsername(ctx context.Context, username string) (*surat.User, error) {
	var u surat.User
	err := s.db.WithContext(ctx).Table("users").Where("username = ?", username).Take(&u).Error
	if err != nil {
		return nil, translate("user by name", err)
	}
	return &u, nil
}

// UserByID returns the account or surat.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id int64) (*surat.User, error) {
	var u surat.User
	err := s.db.WithContext(ctx).Table("users").Where("id = ?", id).Take(&u).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("user %d", id), err)
	}
	return &u, nil
}

// CountUsers is the number of staff accounts; zero means first-run setup.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("users").Count(&n).Error
	return n, translate("count users", err)
}

// RecordLoginFailure counts a failed login atomically and, once the count
// reaches maxFailures, locks the account until now+lockFor and resets the
// count. It returns the lock time when the account is now locked.
func (s *Store) RecordLoginFailure(ctx context.Context, userID int64, maxFailures int, lockFor time.Duration) (*time.Time, error) {
	var locked *time.Time
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("users").Where("id = ?", userID).
			Update("failed_logins", gorm.Expr("failed_logins + 1")).Error; err != nil {
			return err
		}
		var u surat.User
		if err := tx.Table("users").Where("id = ?", userID).Take(&u).Error; err != nil {
			return err
		}
		if u.FailedLogins >= maxFailures {
			until := s.now().Add(lockFor)
			locked = &until
			if err := tx.Table("users").Where("id = ?", userID).
				Updates(map[string]any{"failed_logins": 0, "locked_until": until}).Error; err != nil {
				return err
			}
			vid := u.VillageID
			return s.appendAudit(tx, surat.Actor{Username: "system"}, vid, "user.lock", "user", userID, nil, nil,
				"locked after repeated failed logins")
		}
		return nil
	})
	return locked, translate("record login failure", err)
}

// RecordLoginSuccess clears the failure count and lock and notes the time.
func (s *Store) RecordLoginSuccess(ctx context.Context, userID int64) error {
	err := s.db.WithContext(ctx).Table("users").Where("id = ?", userID).
		Updates(map[string]any{"failed_logins": 0, "locked_until": nil, "last_login_at": s.now()}).Error
	return translate("record login", err)
}

// Session is a browser session or an API bearer token, stored by the
// SHA-256 of its secret.
type Session struct {
	TokenHash string
	Kind      string // "web" or "api"
	UserID    int64
	CSRFToken string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	err := s.db.WithContext(ctx).Table("sessions").Create(sess).Error
	return translate("create session", err)
}

// SessionUser returns the unexpired session of that kind and its enabled
// user, or surat.ErrNotFound. Every request of a signed-in user asks for
// them, so they are read with one query.
func (s *Store) SessionUser(ctx context.Context, tokenHash, kind string) (*Session, *surat.User, error) {
	var row struct {
		surat.User
		SessCSRFToken string    `gorm:"column:sess_csrf_token"`
		SessExpiresAt time.Time `gorm:"column:sess_expires_at"`
		SessCreatedAt time.Time `gorm:"column:sess_created_at"`
	}
	err := s.db.WithContext(ctx).Table("sessions AS s").Joins("JOIN users AS u ON u.id = s.user_id").
		Select("u.*, s.csrf_token AS sess_csrf_token, s.expires_at AS sess_expires_at, s.created_at AS sess_created_at").
		Where("s.token_hash = ? AND s.kind = ? AND s.expires_at > ?", tokenHash, kind, s.now()).Take(&row).Error
	if err != nil {
		return nil, nil, translate("session", err)
	}
	if row.Disabled {
		return nil, nil, fmt.Errorf("store: session of disabled user: %w", surat.ErrNotFound)
	}
	sess := &Session{TokenHash: tokenHash, Kind: kind, UserID: row.ID, CSRFToken: row.SessCSRFToken,
		ExpiresAt: row.SessExpiresAt, CreatedAt: row.SessCreatedAt}
	return sess, &row.User, nil
}

// DeleteSession removes one session (logout).
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	err := s.db.WithContext(ctx).Table("sessions").Where("token_hash = ?", tokenHash).Delete(&Session{}).Error
	return translate("delete session", err)
}

// PurgeExpiredSessions deletes the staff and resident sessions past their
// expiry (they no longer open anything, see SessionUser) and returns how
// many rows it deleted. A staff session is kept SignedOutStashSessionAge
// past its expiry: a form posted then is kept for after the next login
// only for a session that really existed (SaveSignedOutStash).
func (s *Store) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Table("sessions").Where("expires_at <= ?", now.Add(-SignedOutStashSessionAge)).
		Delete(&Session{})
	if res.Error != nil {
		return 0, translate("purge sessions", res.Error)
	}
	n := res.RowsAffected
	res = s.db.WithContext(ctx).Table("resident_sessions").Where("expires_at <= ?", now).Delete(&ResidentSession{})
	return n + res.RowsAffected, translate("purge resident sessions", res.Error)
}
