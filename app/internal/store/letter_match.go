package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// MatchKeys are the keyed hashes of a letter's subjects (surat.MatchKey):
// what the public match compares a typed NIK or name with. Neither a NIK
// nor a name is ever stored here.
type MatchKeys struct {
	// KeyID names the key the digests were made with.
	KeyID   string
	Digests []MatchDigest
}

// MatchDigest is one stored hash: of a NIK or of a normalised full name.
type MatchDigest struct {
	Kind   surat.MatchKind
	Digest string
}

// insertMatchKeys stores k for a letter of the village inside tx; a digest
// already stored is left alone.
func (s *Store) insertMatchKeys(tx *gorm.DB, villageID, letterID int64, k MatchKeys) error {
	if k.KeyID == "" || len(k.Digests) == 0 {
		return nil
	}
	var (
		rows []string
		args []any
	)
	for _, d := range k.Digests {
		rows = append(rows, "(?, ?, ?, ?, ?)")
		args = append(args, villageID, letterID, string(d.Kind), k.KeyID, d.Digest)
	}
	q := "INSERT INTO letter_match_keys (village_id, letter_id, kind, key_id, digest) VALUES " +
		strings.Join(rows, ", ") + s.onConflict([]string{"letter_id", "key_id", "kind", "digest"}, "")
	if err := tx.Exec(q, args...).Error; err != nil {
		return fmt.Errorf("store match keys of letter %d: %w", letterID, err)
	}
	return nil
}

// AddMatchKeys stores k for a signed letter of the village (the backfill of
// letters signed before match keys existed, or under another key); digests
// already stored are left alone.
func (s *Store) AddMatchKeys(ctx context.Context, villageID, letterID int64, k MatchKeys) error {
	err := s.insertMatchKeys(s.db.WithContext(ctx), villageID, letterID, k)
	return translate(fmt.Sprintf("add match keys of letter %d", letterID), err)
}

// MatchDigests returns the digests of kind stored for a letter under the
// key keyID: empty when the letter has none (signed before match keys, or
// under another key, or its subjects have no NIK).
func (s *Store) MatchDigests(ctx context.Context, letterID int64, keyID string, kind surat.MatchKind) ([]string, error) {
	var ds []string
	err := s.db.WithContext(ctx).Table("letter_match_keys").
		Where("letter_id = ? AND key_id = ? AND kind = ?", letterID, keyID, string(kind)).Pluck("digest", &ds).Error
	return ds, translate(fmt.Sprintf("match keys of letter %d", letterID), err)
}

// LettersWithoutMatchKeys returns up to limit signed letters (status
// ditandatangani), of any village, with an id above afterID and no match
// key under keyID, in id order: the letters the backfill still has to do.
func (s *Store) LettersWithoutMatchKeys(ctx context.Context, keyID string, afterID int64, limit int) ([]surat.Letter, error) {
	var ls []surat.Letter
	err := s.db.WithContext(ctx).Table("letters l").Select("l.*").
		Where("l.status = ? AND l.id > ?", surat.LetterSigned, afterID).
		Where("NOT EXISTS (SELECT 1 FROM letter_match_keys k WHERE k.letter_id = l.id AND k.key_id = ?)", keyID).
		Order("l.id").Limit(limit).Find(&ls).Error
	return ls, translate("letters without match keys", err)
}
