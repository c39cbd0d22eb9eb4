package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// hashOf is the SHA-256 of v's JSON form, or "" for nil. It lets the audit log
// prove what a row looked like without storing personal data in the log.
func hashOf(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// appendAudit writes one audit row inside tx, chained to the previous row of
// the same village (chain 0 for deployment-wide events). The chain head row is
// locked first, so concurrent appends queue instead of forking the chain.
func (s *Store) appendAudit(tx *gorm.DB, actor surat.Actor, villageID *int64, action, entity string,
	entityID int64, before, after any, detail string) error {
	chain := int64(0)
	if villageID != nil {
		chain = *villageID
	}
	// Create the head row or bump it; either way the row is now locked by
	// this transaction until it commits.
	upsert := "INSERT INTO audit_heads (chain_id, last_hash, entries) VALUES (?, '', 1)" +
		s.onConflict([]string{"chain_id"}, "entries = entries + 1")
	if err := tx.Exec(upsert, chain).Error; err != nil {
		return fmt.Errorf("lock audit head: %w", err)
	}
	var head struct{ LastHash string }
	if err := tx.Table("audit_heads").Select("last_hash").Where("chain_id = ?", chain).Take(&head).Error; err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	e := surat.AuditEntry{
		VillageID: villageID, Actor: actor.Username, Action: action, Entity: entity, EntityID: entityID,
		BeforeHash: hashOf(before), AfterHash: hashOf(after), Detail: detail, PrevHash: head.LastHash,
		CreatedAt: s.now().Truncate(time.Microsecond),
	}
	if before == nil {
		e.BeforeHash = ""
	}
	if after == nil {
		e.AfterHash = ""
	}
	if actor.UserID != 0 {
		id := actor.UserID
		e.ActorID = &id
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	e.Hash = entryHash(e)
	if err := tx.Table("audit_log").Create(&e).Error; err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return tx.Table("audit_heads").Where("chain_id = ?", chain).Update("last_hash", e.Hash).Error
}

func entryHash(e surat.AuditEntry) string {
	h := sha256.New()
	v := ""
	if e.VillageID != nil {
		v = strconv.FormatInt(*e.VillageID, 10)
	}
	for _, part := range []string{e.PrevHash, v, e.Actor, e.Action, e.Entity, strconv.FormatInt(e.EntityID, 10),
		e.BeforeHash, e.AfterHash, e.Detail, e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditLog returns the newest entries of a village's chain (0 for
// deployment-wide), newest first.
func (s *Store) AuditLog(ctx context.Context, villageID int64, limit int) ([]surat.AuditEntry, error) {
	var es []surat.AuditEntry
	q := s.db.WithContext(ctx).Table("audit_log")
	if villageID == 0 {
		q = q.Where("village_id IS NULL")
	} else {
		q = q.Where("village_id = ?", villageID)
	}
	err := q.Order("id DESC").Limit(limit).Find(&es).Error
	return es, translate("audit log", err)
}

// VerifyAuditChain recomputes the chain of a village (0 for deployment-wide)
// and returns the id of the first entry whose hash or link does not match, or
// 0 when the chain is intact.
func (s *Store) VerifyAuditChain(ctx context.Context, villageID int64) (int64, error) {
	var es []surat.AuditEntry
	q := s.db.WithContext(ctx).Table("audit_log")
	if villageID == 0 {
		q = q.Where("village_id IS NULL")
	} else {
		q = q.Where("village_id = ?", villageID)
	}
	if err := q.Order("id").Find(&es).Error; err != nil {
		return 0, translate("verify audit", err)
	}
	prev := ""
	for _, e := range es {
		if e.PrevHash != prev || entryHash(e) != e.Hash {
			return e.ID, nil
		}
		prev = e.Hash
	}
	return 0, nil
}
