package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// AuditFilter narrows the audit log page. Zero values mean "any".
type AuditFilter struct {
	// VillageID limits the entries to one village's chain. The web layer
	// sets it from the actor for a village admin; only the kabupaten admin
	// may leave it 0, which means every chain, the deployment-wide one
	// included.
	VillageID int64
	Entity    string
	ActorID   int64
	// From and To bound the entry time: From inclusive, To exclusive.
	From, To time.Time
	Page     int // from 1
	PerPage  int // 1..200, default 50
}

// AuditPage is one page of audit entries, newest first.
type AuditPage struct {
	Entries []surat.AuditEntry
	Total   int64
	Page    int
	PerPage int
}

// AuditEntries returns the audit entries matching f, newest first.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) (*AuditPage, error) {
	pg := pageOf(f.Page, f.PerPage, 50, 200)
	f.Page, f.PerPage = pg.Page, pg.PerPage
	q := s.db.WithContext(ctx).Table("audit_log")
	if f.VillageID != 0 {
		q = q.Where("village_id = ?", f.VillageID)
	}
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, translate("count audit entries", err)
	}
	var es []surat.AuditEntry
	if err := pg.apply(q.Order("id DESC")).Find(&es).Error; err != nil {
		return nil, translate("audit entries", err)
	}
	return &AuditPage{Entries: es, Total: total, Page: f.Page, PerPage: f.PerPage}, nil
}
