package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// apiKeyAudit is what the audit log records of a key: never its hash.
type apiKeyAudit struct {
	ID          int64  `json:"id"`
	Institution string `json:"institution"`
	KeyPrefix   string `json:"key_prefix"`
	Revoked     bool   `json:"revoked"`
}

func auditOfKey(k *surat.APIKey) apiKeyAudit {
	return apiKeyAudit{ID: k.ID, Institution: k.Institution, KeyPrefix: k.KeyPrefix, Revoked: k.RevokedAt != nil}
}

// CreateAPIKey stores a new bulk-check key (its institution, prefix and
// hash; CreatedBy and CreatedAt are set here) and audits it as
// api_key.create in the deployment-wide chain. A blank institution is a
// *surat.ValidationError on "institution".
func (s *Store) CreateAPIKey(ctx context.Context, actor surat.Actor, k *surat.APIKey) error {
	k.Institution = strings.TrimSpace(k.Institution)
	if err := surat.ValidateInstitution(k.Institution); err != nil {
		return err
	}
	k.CreatedBy, k.CreatedAt = optionalID(actor.UserID), s.now()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("verify_api_keys").Create(k).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, nil, "api_key.create", "verify_api_key", k.ID, nil, auditOfKey(k),
			k.Institution)
	})
	return translate("create api key", err)
}

// APIKeys lists every bulk-check key, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]surat.APIKey, error) {
	var ks []surat.APIKey
	err := s.db.WithContext(ctx).Table("verify_api_keys").Order("id DESC").Find(&ks).Error
	return ks, translate("list api keys", err)
}

// APIKeyByHash returns the key whose SHA-256 is hash, revoked or not, or
// surat.ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*surat.APIKey, error) {
	var k surat.APIKey
	if err := s.db.WithContext(ctx).Table("verify_api_keys").Where("key_hash = ?", hash).Take(&k).Error; err != nil {
		return nil, translate("api key by hash", err)
	}
	return &k, nil
}

// RevokeAPIKey revokes key id as the actor and audits it as
// api_key.revoke; the key opens nothing from then on. Revoking a revoked
// key changes nothing. Unknown id: surat.ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, actor surat.Actor, id int64) (*surat.APIKey, error) {
	var k surat.APIKey
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("verify_api_keys").Where("id = ?", id).Take(&k).Error; err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		before := auditOfKey(&k)
		now := s.now()
		if err := tx.Table("verify_api_keys").Where("id = ?", id).
			Updates(map[string]any{"revoked_at": now, "revoked_by": optionalID(actor.UserID)}).Error; err != nil {
			return err
		}
		k.RevokedAt, k.RevokedBy = &now, optionalID(actor.UserID)
		return s.appendAudit(tx, actor, nil, "api_key.revoke", "verify_api_key", id, before, auditOfKey(&k),
			k.Institution)
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("revoke api key %d", id), err)
	}
	return &k, nil
}

// TouchAPIKey records one use of key id now.
func (s *Store) TouchAPIKey(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Exec("UPDATE verify_api_keys SET uses = uses + 1, last_used_at = ? WHERE id = ?",
		s.now(), id).Error
	return translate(fmt.Sprintf("touch api key %d", id), err)
}
