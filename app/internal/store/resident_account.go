package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// IssueResidentPIN creates the Layanan Mandiri account of a resident of the
// village, or resets an existing one, with pinHash (an Argon2id hash of a
// PIN the caller generated). The resident must change the PIN at the next
// login; failures and lock-out are cleared and every session of the account
// ends. A resident of another village is surat.ErrNotFound; one who died or
// moved is a *surat.InactiveResidentError. The audit row never carries the hash.
func (s *Store) IssueResidentPIN(ctx context.Context, actor surat.Actor, villageID, residentID int64, pinHash string) (*surat.ResidentAccount, error) {
	var acc surat.ResidentAccount
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var r surat.Resident
		if err := tx.Table("residents").Where("village_id = ? AND id = ?", villageID, residentID).Take(&r).Error; err != nil {
			return fmt.Errorf("resident %d: %w", residentID, err)
		}
		if !r.CanBeSubject() {
			return &surat.InactiveResidentError{LifeStatus: r.LifeStatus}
		}
		now := s.now()
		err := tx.Table("resident_accounts").Where("resident_id = ?", residentID).Take(&acc).Error
		action := "resident_account.reset"
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			action = "resident_account.create"
			acc = surat.ResidentAccount{VillageID: villageID, ResidentID: residentID, PINHash: pinHash, MustChange: true,
				IssuedBy: optionalID(actor.UserID)}
			if err := tx.Table("resident_accounts").Create(&acc).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := tx.Table("resident_accounts").Where("id = ?", acc.ID).Updates(map[string]any{
				"pin_hash": pinHash, "must_change": true, "failures": 0, "locked_until": nil,
				"issued_by": optionalID(actor.UserID), "updated_at": now}).Error; err != nil {
				return err
			}
			if err := tx.Table("resident_sessions").Where("account_id = ?", acc.ID).Delete(&ResidentSession{}).Error; err != nil {
				return err
			}
			acc.PINHash, acc.MustChange, acc.Failures, acc.LockedUntil = pinHash, true, 0, nil
		}
		return s.appendAudit(tx, actor, &villageID, action, "resident_account", acc.ID, nil, nil,
			fmt.Sprintf("resident %d", residentID))
	})
	if err != nil {
		return nil, translate("issue resident PIN", err)
	}
	return &acc, nil
}

// ResidentLogin is what a login needs: the account and its resident.
type ResidentLogin struct {
	Account  surat.ResidentAccount
	Resident surat.Resident
}

// ResidentLoginByNIK returns the account of the village's resident with that
// NIK, or surat.ErrNotFound when there is none (no such resident, or no
// account). Callers must answer both cases alike.
func (s *Store) ResidentLoginByNIK(ctx context.Context, villageID int64, nik string) (*ResidentLogin, error) {
	var r surat.Resident
	err := s.db.WithContext(ctx).Table("residents").Where("village_id = ? AND nik = ?", villageID, nik).Take(&r).Error
	if err != nil {
		return nil, translate("resident login", err)
	}
	var acc surat.ResidentAccount
	err = s.db.WithContext(ctx).Table("resident_accounts").Where("village_id = ? AND resident_id = ?", villageID, r.ID).
		Take(&acc).Error
	if err != nil {
		return nil, translate("resident login", err)
	}
	return &ResidentLogin{Account: acc, Resident: r}, nil
}

// ResidentAccountOf returns the account of a resident of the village, or
// surat.ErrNotFound.
func (s *Store) ResidentAccountOf(ctx context.Context, villageID, residentID int64) (*surat.ResidentAccount, error) {
	var acc surat.ResidentAccount
	err := s.db.WithContext(ctx).Table("resident_accounts").Where("village_id = ? AND resident_id = ?", villageID, residentID).
		Take(&acc).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("account of resident %d", residentID), err)
	}
	return &acc, nil
}

// RecordPINFailure counts a wrong PIN atomically and, once the count reaches
// maxFailures, locks the account until now+lockFor and resets the count. It
// returns the lock time when the account is now locked.
func (s *Store) RecordPINFailure(ctx context.Context, accountID int64, maxFailures int, lockFor time.Duration) (*time.Time, error) {
	var locked *time.Time
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).
			Update("failures", gorm.Expr("failures + 1")).Error; err != nil {
			return err
		}
		var acc surat.ResidentAccount
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).Take(&acc).Error; err != nil {
			return err
		}
		if acc.Failures < maxFailures {
			return nil
		}
		until := s.now().Add(lockFor)
		locked = &until
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).
			Updates(map[string]any{"failures": 0, "locked_until": until}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, surat.Actor{Username: "system"}, &acc.VillageID, "resident_account.lock",
			"resident_account", accountID, nil, nil, "locked after repeated wrong PINs")
	})
	return locked, translate("record PIN failure", err)
}

// RecordPINSuccess clears the failure count and lock and notes the time.
func (s *Store) RecordPINSuccess(ctx context.Context, accountID int64) error {
	err := s.db.WithContext(ctx).Table("resident_accounts").Where("id = ?", accountID).
		Updates(map[string]any{"failures": 0, "locked_until": nil, "last_login_at": s.now()}).Error
	return translate("record PIN login", err)
}

// ChangeResidentPIN stores the resident's own new PIN hash and clears
// must_change. Every other session of the account ends; keepTokenHash names
// the session that made the change and survives.
func (s *Store) ChangeResidentPIN(ctx context.Context, accountID int64, pinHash, keepTokenHash string) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var acc surat.ResidentAccount
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).Take(&acc).Error; err != nil {
			return err
		}
		if err := tx.Table("resident_accounts").Where("id = ?", accountID).
			Updates(map[string]any{"pin_hash": pinHash, "must_change": false, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		if err := tx.Table("resident_sessions").Where("account_id = ? AND token_hash <> ?", accountID, keepTokenHash).
			Delete(&ResidentSession{}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, surat.Actor{Username: "penduduk"}, &acc.VillageID, "resident_account.change_pin",
			"resident_account", accountID, nil, nil, "")
	})
	return translate("change resident PIN", err)
}

// ResidentSession is a resident's browser session or API token, stored by
// the SHA-256 of its secret.
type ResidentSession struct {
	TokenHash string
	Kind      string // "web" or "api"
	AccountID int64
	CSRFToken string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// CreateResidentSession stores a resident session.
func (s *Store) CreateResidentSession(ctx context.Context, sess *ResidentSession) error {
	err := s.db.WithContext(ctx).Table("resident_sessions").Create(sess).Error
	return translate("create resident session", err)
}

// ResidentSessionLogin returns the unexpired resident session of that kind
// with its account and resident, or surat.ErrNotFound, also when the
// resident has since died or moved away. Every request of a signed-in
// resident asks for the three, so they are read with one query.
func (s *Store) ResidentSessionLogin(ctx context.Context, tokenHash, kind string) (*ResidentSession, *ResidentLogin, error) {
	var row struct {
		surat.Resident
		Account       surat.ResidentAccount `gorm:"embedded;embeddedPrefix:acc_"`
		SessCSRFToken string                `gorm:"column:sess_csrf_token"`
		SessExpiresAt time.Time             `gorm:"column:sess_expires_at"`
		SessCreatedAt time.Time             `gorm:"column:sess_created_at"`
	}
	err := s.db.WithContext(ctx).Table("resident_sessions AS s").
		Joins("JOIN resident_accounts AS a ON a.id = s.account_id").
		Joins("JOIN residents AS r ON r.village_id = a.village_id AND r.id = a.resident_id").
		Select("r.*, "+accountColumns()+", s.csrf_token AS sess_csrf_token, s.expires_at AS sess_expires_at, "+
			"s.created_at AS sess_created_at").
		Where("s.token_hash = ? AND s.kind = ? AND s.expires_at > ?", tokenHash, kind, s.now()).Take(&row).Error
	if err != nil {
		return nil, nil, translate("resident session", err)
	}
	if !row.Resident.CanBeSubject() {
		return nil, nil, fmt.Errorf("store: session of resident %d who is no longer alive and present: %w",
			row.Resident.ID, surat.ErrNotFound)
	}
	sess := &ResidentSession{TokenHash: tokenHash, Kind: kind, AccountID: row.Account.ID, CSRFToken: row.SessCSRFToken,
		ExpiresAt: row.SessExpiresAt, CreatedAt: row.SessCreatedAt}
	return sess, &ResidentLogin{Account: row.Account, Resident: row.Resident}, nil
}

// accountColumns selects every column of resident_accounts (AS a) that
// surat.ResidentAccount maps, each as acc_ and its name, for
// ResidentSessionLogin's join: taken from the struct, so that a column
// added to both is read without a change here.
var accountColumns = sync.OnceValue(func() string {
	sch, err := schema.Parse(&surat.ResidentAccount{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(fmt.Sprintf("store: resident account schema: %v", err))
	}
	cols := make([]string, len(sch.DBNames))
	for i, c := range sch.DBNames {
		cols[i] = "a." + c + " AS acc_" + c
	}
	return strings.Join(cols, ", ")
})

// DeleteResidentSession ends one resident session.
func (s *Store) DeleteResidentSession(ctx context.Context, tokenHash string) error {
	err := s.db.WithContext(ctx).Table("resident_sessions").Where("token_hash = ?", tokenHash).Delete(&ResidentSession{}).Error
	return translate("delete resident session", err)
}
