package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// FormStash is what a clerk typed, kept briefly under the hash of a random
// key: a form posted after the session expired, or a search by NIK that
// must not travel in a URL. Data is opaque to the store.
type FormStash struct {
	KeyHash string
	// UserID is the owner: the signed-in user, or for a form posted after
	// the session expired the user of that session.
	UserID *int64
	// SessionHash is, for a form posted after the session expired, the
	// token hash of that session; the quotas of SaveSignedOutStash count
	// per session.
	SessionHash *string
	Path        string
	Data        string
	ExpiresAt   time.Time
	CreatedAt   time.Time
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

// Quotas of the forms kept for one expired session: a handful of forms of
// a few KB is what a clerk loses when a session ends mid-typing.
const (
	MaxStashesPerSession     = 5
	MaxStashBytesPerSession  = 64 << 10
	SignedOutStashSessionAge = 24 * time.Hour
)

// ErrStashQuota is a form refused by SaveSignedOutStash because its session
// keeps MaxStashesPerSession forms or MaxStashBytesPerSession bytes already.
var ErrStashQuota = errors.New("store: form stash quota of the session reached")

// SaveSignedOutStash keeps a form posted by a browser whose web session
// sessionHash has expired (at most SignedOutStashSessionAge ago), for ttl,
// owned by that session's user. A session that never existed is
// surat.ErrUnauthorized: anonymous visitors cannot write here. A session
// that keeps MaxStashesPerSession live forms, or whose forms with this one
// would pass MaxStashBytesPerSession, is ErrStashQuota. The check and the
// write hold the session row locked, so parallel posts cannot pass the
// quota together, on any number of replicas.
func (s *Store) SaveSignedOutStash(ctx context.Context, sessionHash string, st *FormStash, ttl time.Duration) error {
	now := s.now()
	st.CreatedAt, st.ExpiresAt, st.SessionHash = now, now.Add(ttl), &sessionHash
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var sess Session
		q := tx.Table("sessions").Where("token_hash = ? AND kind = ? AND expires_at > ?",
			sessionHash, "web", now.Add(-SignedOutStashSessionAge))
		if s.dialect == "mysql" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&sess).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("signed-out form stash without a session: %w", surat.ErrUnauthorized)
		} else if err != nil {
			return err
		}
		if err := tx.Table("form_stashes").Where("expires_at < ?", now).Delete(nil).Error; err != nil {
			return err
		}
		var used struct {
			N     int64
			Bytes int64
		}
		if err := tx.Table("form_stashes").Select("COUNT(*) AS n, COALESCE(SUM(LENGTH(data)), 0) AS bytes").
			Where("session_hash = ?", sessionHash).Take(&used).Error; err != nil {
			return err
		}
		if used.N >= MaxStashesPerSession || used.Bytes+int64(len(st.Data)) > MaxStashBytesPerSession {
			return ErrStashQuota
		}
		st.UserID = &sess.UserID
		return tx.Table("form_stashes").Create(st).Error
	})
	if errors.Is(err, ErrStashQuota) {
		return err
	}
	return translate("save signed-out form stash", err)
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

// ClaimFormStash returns the live stash keyHash of userID after a login,
// giving it to userID when it has no owner yet (a stash from before
// owners were recorded); surat.ErrNotFound when there is none (expired,
// or kept for another user's session).
func (s *Store) ClaimFormStash(ctx context.Context, keyHash string, userID int64) (*FormStash, error) {
	var st FormStash
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("form_stashes").Where("key_hash = ? AND expires_at >= ? AND (user_id = ? OR user_id IS NULL)",
			keyHash, s.now(), userID).Take(&st).Error; err != nil {
			return err
		}
		if st.UserID != nil {
			return nil
		}
		st.UserID = &userID
		return tx.Table("form_stashes").Where("key_hash = ? AND user_id IS NULL", keyHash).Update("user_id", userID).Error
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
