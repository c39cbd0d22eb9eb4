package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// FormStash is what a clerk typed, kept briefly under the hash of a random
// key: a form posted after the session expired, or a search by NIK that
// must not travel in a URL. Data is opaque to the store.
type FormStash struct {
	KeyHash string
	// UserID is the owner; nil until a stash made without a session is
	// claimed by the user who signs in with the same browser.
	UserID    *int64
	Path      string
	Data      string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// SaveFormStash stores st for ttl and removes stashes that have expired.
func (s *Store) SaveFormStash(ctx context.Context, st *FormStash, ttl time.Duration) error {
	now := s.now()
	st.CreatedAt, st.ExpiresAt = now, now.Add(ttl)
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("form_stashes").Where("expires_at < ?", now).Delete(nil).Error; err != nil {
			return err
		}
		return tx.Table("form_stashes").Create(st).Error
	})
	return translate("save form stash", err)
}

// FormStashFor returns the live stash with keyHash that belongs to userID
// or to no one yet, or surat.ErrNotFound. A stash of another user is
// surat.ErrNotFound too.
func (s *Store) FormStashFor(ctx context.Context, keyHash string, userID int64) (*FormStash, error) {
	var st FormStash
	err := s.db.WithContext(ctx).Table("form_stashes").
		Where("key_hash = ? AND expires_at >= ? AND (user_id = ? OR user_id IS NULL)", keyHash, s.now(), userID).
		Take(&st).Error
	if err != nil {
		return nil, translate("form stash", err)
	}
	return &st, nil
}

// ClaimFormStash gives the unowned live stash keyHash to userID and returns
// it; surat.ErrNotFound when there is none (expired, already claimed).
func (s *Store) ClaimFormStash(ctx context.Context, keyHash string, userID int64) (*FormStash, error) {
	var st FormStash
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Table("form_stashes").Where("key_hash = ? AND user_id IS NULL AND expires_at >= ?", keyHash, s.now()).
			Update("user_id", userID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("form stash: %w", surat.ErrNotFound)
		}
		return tx.Table("form_stashes").Where("key_hash = ?", keyHash).Take(&st).Error
	})
	if err != nil {
		return nil, translate("claim form stash", err)
	}
	return &st, nil
}

// DeleteFormStash removes the stash keyHash of userID; a missing one is not
// an error.
func (s *Store) DeleteFormStash(ctx context.Context, keyHash string, userID int64) error {
	err := s.db.WithContext(ctx).Table("form_stashes").Where("key_hash = ? AND user_id = ?", keyHash, userID).
		Delete(nil).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	return translate("delete form stash", err)
}
