package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// MaxAttachments is how many documents one request may carry; more is
// surat.ErrAttachmentLimit.
const MaxAttachments = 10

// RequestQuota bounds what residents may keep open and upload. Every limit
// is checked in the transaction that would pass it, with the rows it
// counts locked, so parallel requests and replicas cannot pass it
// together.
type RequestQuota struct {
	// MaxOpen is how many requests one resident may have waiting for the
	// village (belum lengkap or sedang diperiksa, letter not yet signed).
	MaxOpen int
	// MaxRequestBytes is the total size of one request's attachments.
	MaxRequestBytes int64
	// VillageBytes is the total size of all attachments of one village.
	VillageBytes int64
}

// DefaultRequestQuota is the quota where Options.Quota leaves a field zero.
var DefaultRequestQuota = RequestQuota{MaxOpen: 5, MaxRequestBytes: 10 << 20, VillageBytes: 2 << 30}

func (q RequestQuota) withDefaults() RequestQuota {
	if q.MaxOpen <= 0 {
		q.MaxOpen = DefaultRequestQuota.MaxOpen
	}
	if q.MaxRequestBytes <= 0 {
		q.MaxRequestBytes = DefaultRequestQuota.MaxRequestBytes
	}
	if q.VillageBytes <= 0 {
		q.VillageBytes = DefaultRequestQuota.VillageBytes
	}
	return q
}

// Quota returns the quota in force.
func (s *Store) Quota() RequestQuota { return s.quota }

// Errors of the request quota; mandiri words them for the resident.
var (
	// ErrOpenRequests: the resident has RequestQuota.MaxOpen open requests.
	ErrOpenRequests = errors.New("store: too many open requests of the resident")
	// ErrRequestBytes: the request's attachments would pass
	// RequestQuota.MaxRequestBytes.
	ErrRequestBytes = errors.New("store: attachments of the request over the size limit")
	// ErrVillageBytes: the village's attachments would pass
	// RequestQuota.VillageBytes.
	ErrVillageBytes = errors.New("store: attachments of the village over the storage quota")
)

func (s *Store) addAttachments(tx *gorm.DB, villageID, requestID int64, atts []surat.Attachment) error {
	if len(atts) == 0 {
		return nil
	}
	var n int64
	if err := tx.Table("request_attachments").Where("village_id = ? AND request_id = ?", villageID, requestID).
		Count(&n).Error; err != nil {
		return err
	}
	if int(n)+len(atts) > MaxAttachments {
		return fmt.Errorf("request %d has %d attachments, adding %d: %w", requestID, n, len(atts), surat.ErrAttachmentLimit)
	}
	var adding int64
	for _, a := range atts {
		adding += a.Size
	}
	if err := s.lockVillage(tx, villageID); err != nil {
		return err
	}
	// A locking read: on MySQL a plain one would read the transaction's
	// snapshot, which may predate the village lock.
	sum := tx.Table("request_attachments")
	if s.dialect == "mysql" {
		sum = sum.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var used struct{ Request, Village int64 }
	if err := sum.Select("COALESCE(SUM(CASE WHEN request_id = ? THEN size ELSE 0 END), 0) AS request, "+
		"COALESCE(SUM(size), 0) AS village", requestID).Where("village_id = ?", villageID).Take(&used).Error; err != nil {
		return err
	}
	if used.Request+adding > s.quota.MaxRequestBytes {
		return fmt.Errorf("request %d has %d bytes, adding %d: %w", requestID, used.Request, adding, ErrRequestBytes)
	}
	if used.Village+adding > s.quota.VillageBytes {
		return fmt.Errorf("village %d has %d bytes, adding %d: %w", villageID, used.Village, adding, ErrVillageBytes)
	}
	for i := range atts {
		a := atts[i]
		a.ID, a.VillageID, a.RequestID, a.CreatedAt = 0, villageID, requestID, s.now()
		if err := tx.Table("request_attachments").Create(&a).Error; err != nil {
			return fmt.Errorf("attachment of request %d: %w", requestID, err)
		}
		atts[i] = a
		if err := clearPendingBlobs(tx, a.Path); err != nil {
			return err
		}
	}
	return nil
}

// AddAttachments adds stored documents to a request of residentID that is
// not yet signed, taken or cancelled. A request a clerk returned as
// incomplete goes back for review with them: adding what was asked for is
// the resident's answer, so it reaches the clerk's queue (and the clerks
// are told) without a second step. Another resident's request is surat.ErrNotFound; a closed one is a
// *surat.RequestStateError. The files must already be stored; on error the
// caller removes them.
func (s *Store) AddAttachments(ctx context.Context, villageID, residentID, requestID int64, atts []surat.Attachment) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		cur, err := s.lockRequest(tx, villageID, requestID)
		if err != nil {
			return err
		}
		if cur.ResidentID != residentID {
			return fmt.Errorf("request %d of another resident: %w", requestID, surat.ErrNotFound)
		}
		if !cur.Effective.Cancellable() {
			return &surat.RequestStateError{From: cur.Effective, Action: surat.RequestAttach}
		}
		if err := s.addAttachments(tx, villageID, requestID, atts); err != nil {
			return err
		}
		if cur.Effective != surat.RequestIncomplete {
			return s.addEvent(tx, villageID, requestID, "", nil, surat.NoteAttached(len(atts)))
		}
		now := s.now()
		res := tx.Table("letter_requests").Where("id = ? AND version = ?", requestID, cur.Version).Updates(map[string]any{
			"status": surat.RequestInReview, "version": cur.Version + 1, "submitted_at": now, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("request %d: %w", requestID, surat.ErrConflict)
		}
		if err := s.addEvent(tx, villageID, requestID, surat.RequestInReview, nil,
			surat.NoteAttachedResubmitted(len(atts))); err != nil {
			return err
		}
		if err := s.enqueueEvent(tx, villageID, surat.EventRequestSubmitted, requestID, surat.Actor{}); err != nil {
			return err
		}
		return s.appendAudit(tx, surat.Actor{Username: "penduduk"}, &villageID, "request.resubmit", "letter_request",
			requestID, nil, nil, fmt.Sprintf("%d lampiran", len(atts)))
	})
	return translate(fmt.Sprintf("attachments of request %d", requestID), err)
}

// Attachments lists a request's documents in upload order.
func (s *Store) Attachments(ctx context.Context, villageID, requestID int64) ([]surat.Attachment, error) {
	var as []surat.Attachment
	err := s.db.WithContext(ctx).Table("request_attachments").Where("village_id = ? AND request_id = ?", villageID, requestID).
		Order("id").Find(&as).Error
	return as, translate("attachments", err)
}

// AttachmentByID returns one document of a request of the village, or
// surat.ErrNotFound.
func (s *Store) AttachmentByID(ctx context.Context, villageID, requestID, id int64) (*surat.Attachment, error) {
	var a surat.Attachment
	err := s.db.WithContext(ctx).Table("request_attachments").
		Where("village_id = ? AND request_id = ? AND id = ?", villageID, requestID, id).Take(&a).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("attachment %d", id), err)
	}
	return &a, nil
}

// lockVillage locks the village row until tx ends, serialising the
// village's uploads so that parallel ones cannot pass its quota together
// (SQLite transactions are exclusive already). A transaction that inserts
// rows referring to the village must lock it before them: the foreign-key
// check takes a shared lock that two writers would then both hold.
func (s *Store) lockVillage(tx *gorm.DB, villageID int64) error {
	var v struct{ ID int64 }
	q := tx.Table("villages").Select("id").Where("id = ?", villageID)
	if s.dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&v).Error; err != nil {
		return fmt.Errorf("village %d: %w", villageID, err)
	}
	return nil
}
