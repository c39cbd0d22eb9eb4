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

// AuditCheck is the result of VerifyAuditChain.
type AuditCheck struct {
	// Entries is how many entries were read: the whole chain when it is
	// intact, up to and including FirstBad otherwise.
	Entries int64
	// FirstBad is the first entry whose stored hash does not match its
	// fields, or whose link does not match the hash of the entry before it
	// (an entry was changed, inserted or removed); nil when every entry
	// matches.
	FirstBad *surat.AuditEntry
	// Truncated reports that every entry matches but the chain head, which
	// records the last hash and the number of entries, names an entry that
	// is not in the log: entries at the end were removed (or the head was
	// changed).
	Truncated bool
}

// Intact reports whether the chain verified.
func (c AuditCheck) Intact() bool { return c.FirstBad == nil && !c.Truncated }

// auditBatch is how many entries VerifyAuditChain reads at a time, so a
// chain of millions of entries is checked in constant memory.
const auditBatch = 1000

// VerifyAuditChain recomputes the chain of a village (0 for deployment-wide)
// entry by entry, in the order they were appended, and checks that its end
// is the entry the chain head records. Entries appended while it runs are
// checked too or not at all; they never count as a break.
func (s *Store) VerifyAuditChain(ctx context.Context, villageID int64) (AuditCheck, error) {
	return s.verifyAuditChain(ctx, villageID, auditBatch)
}

func (s *Store) verifyAuditChain(ctx context.Context, villageID int64, batch int) (AuditCheck, error) {
	var c AuditCheck
	// The head is read first: the entry it names must be met on the way,
	// whatever is appended after this read.
	var heads []struct {
		LastHash string
		Entries  int64
	}
	if err := s.db.WithContext(ctx).Table("audit_heads").Select("last_hash, entries").
		Where("chain_id = ?", villageID).Find(&heads).Error; err != nil {
		return c, translate("verify audit: head", err)
	}
	headSeen := len(heads) == 0
	prev, lastID := "", int64(0)
	for {
		var es []surat.AuditEntry
		q := s.db.WithContext(ctx).Table("audit_log").Where("id > ?", lastID)
		if villageID == 0 {
			q = q.Where("village_id IS NULL")
		} else {
			q = q.Where("village_id = ?", villageID)
		}
		if err := q.Order("id").Limit(batch).Find(&es).Error; err != nil {
			return c, translate("verify audit", err)
		}
		for i := range es {
			e := &es[i]
			c.Entries++
			if e.PrevHash != prev || entryHash(*e) != e.Hash {
				c.FirstBad = e
				return c, nil
			}
			if !headSeen && c.Entries == heads[0].Entries && e.Hash == heads[0].LastHash {
				headSeen = true
			}
			prev, lastID = e.Hash, e.ID
		}
		if len(es) < batch {
			break
		}
	}
	c.Truncated = !headSeen
	return c, nil
}
