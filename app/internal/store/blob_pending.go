package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The blob store (package blob) and the database cannot share a
// transaction, so an object is written before the row that names it: its
// key is recorded in blob_pending first (AddPendingBlobs), the object is
// put, and the transaction that commits the row deletes the key
// (clearPendingBlobs). A crash in between leaves the key listed, and the
// sweep deletes the orphan object once it is old enough that no
// transaction can still commit it.

// AddPendingBlobs records keys as written but not yet committed, in one
// short transaction of its own (before the transaction that will commit
// their rows begins: on SQLite that one holds the only write lock).
func (s *Store) AddPendingBlobs(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	now := s.now()
	rows := make([]map[string]any, len(keys))
	for i, k := range keys {
		rows[i] = map[string]any{"blob_key": k, "created_at": now}
	}
	err := s.db.WithContext(ctx).Table("blob_pending").Create(rows).Error
	return translate("record pending blobs", err)
}

// clearPendingBlobs deletes keys from blob_pending inside tx, the
// transaction that commits the rows naming them.
func clearPendingBlobs(tx *gorm.DB, keys ...string) error {
	var ks []string
	for _, k := range keys {
		if k != "" {
			ks = append(ks, k)
		}
	}
	if len(ks) == 0 {
		return nil
	}
	if err := tx.Exec("DELETE FROM blob_pending WHERE blob_key IN ?", ks).Error; err != nil {
		return fmt.Errorf("clear pending blobs: %w", err)
	}
	return nil
}

// DropPendingBlob deletes key from blob_pending, once its object is
// deleted (or known to be committed).
func (s *Store) DropPendingBlob(ctx context.Context, key string) error {
	err := s.db.WithContext(ctx).Exec("DELETE FROM blob_pending WHERE blob_key = ?", key).Error
	return translate("drop pending blob", err)
}

// PendingBlobs lists the pending keys recorded before cutoff, oldest
// first, at most limit of them.
func (s *Store) PendingBlobs(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	var keys []string
	err := s.db.WithContext(ctx).Table("blob_pending").Where("created_at < ?", cutoff.UTC()).
		Order("created_at").Limit(limit).Pluck("blob_key", &keys).Error
	return keys, translate("pending blobs", err)
}

// BlobReferenced reports whether a committed row names key: a letter's
// PDF, a request's attachment or a village's logo.
func (s *Store) BlobReferenced(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT
		(SELECT COUNT(*) FROM letters WHERE pdf_path = ?) +
		(SELECT COUNT(*) FROM request_attachments WHERE path = ?) +
		(SELECT COUNT(*) FROM villages WHERE logo_path = ?)`, key, key, key).Scan(&n).Error
	if err != nil {
		return false, translate("blob referenced", err)
	}
	return n > 0, nil
}

// BlobKeys calls fn with every key a committed row names (letters' PDFs
// with their SHA-256, attachments with theirs, logos with ""), for backups
// and checks.
func (s *Store) BlobKeys(ctx context.Context, fn func(key, sha256 string) error) error {
	type row struct{ K, S string }
	var rows []row
	err := s.db.WithContext(ctx).Raw(`SELECT pdf_path AS k, pdf_sha256 AS s FROM letters WHERE pdf_path <> ''
		UNION ALL SELECT path, sha256 FROM request_attachments
		UNION ALL SELECT logo_path, '' FROM villages WHERE logo_path <> ''`).Scan(&rows).Error
	if err != nil {
		return translate("blob keys", err)
	}
	for _, r := range rows {
		if err := fn(r.K, r.S); err != nil {
			return err
		}
	}
	return nil
}
