package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Revocation of signed letters. A signer revokes at once (Revoke); a clerk
// asks for it (RequestRevocation), and a signer of the village confirms
// (ConfirmRevocation) or rejects (RejectRevocation) the request. Which role
// may do what is package issuance's decision; the store writes, locks and
// audits.

// Revoke withdraws a signed letter of the village for r: the letter becomes
// dicabut, or diganti when r names a replacing letter (its verification
// page then points there), with r's public reason code and internal note and
// the time; a pending revocation request of the letter is dropped. The
// change is audited as letter.revoke.
//
// Errors: a *surat.ValidationError on "reason_code", "note" or
// "replaced_by" (a replacement that is the letter itself, not of the
// village or not signed), surat.ErrNotFound for a letter of another
// village, a *surat.TransitionError for a letter that is not signed.
func (s *Store) Revoke(ctx context.Context, actor surat.Actor, villageID, id int64, r surat.Revocation) (*surat.Letter, error) {
	r.Normalize()
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var err error
		after, err = s.revoke(tx, actor, villageID, id, r, "")
		return err
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("revoke letter %d", id), err)
	}
	return after, nil
}

// revoke is Revoke inside tx; detail is added to the audit row's.
func (s *Store) revoke(tx *gorm.DB, actor surat.Actor, villageID, id int64, r surat.Revocation, detail string) (*surat.Letter, error) {
	before, err := s.lockLetter(tx, villageID, id)
	if err != nil {
		return nil, err
	}
	// Checked after the letter is found: another village's letter is not
	// found whatever the input.
	if err := r.Validate(); err != nil {
		return nil, err
	}
	to := surat.LetterRevoked
	if r.ReplacedBy != 0 {
		to = surat.LetterReplaced
	}
	if err := surat.CheckTransition(id, before.Status, to); err != nil {
		return nil, err
	}
	set := map[string]any{"status": to, "revoked_at": s.now(), "revoke_code": r.Reason, "revoke_reason": r.Note}
	if r.ReplacedBy != 0 {
		if code, status, err := s.replacementProblem(tx, villageID, id, r.ReplacedBy); err != nil {
			return nil, err
		} else if code != "" {
			return nil, surat.Invalid("replaced_by", code, status.Label())
		}
		set["replaced_by_id"] = r.ReplacedBy
	}
	after, err := s.updateLetter(tx, before, set)
	if err != nil {
		return nil, err
	}
	if err := bumpPublicGeneration(tx); err != nil {
		return nil, err
	}
	if err := dropRevocationRequest(tx, villageID, id); err != nil {
		return nil, err
	}
	d := fmt.Sprintf("%s -> %s, reason %s", before.Status, to, r.Reason)
	if r.ReplacedBy != 0 {
		d += fmt.Sprintf(", replaced by letter %d", r.ReplacedBy)
	}
	if detail != "" {
		d += ", " + detail
	}
	return after, s.appendAudit(tx, actor, &villageID, "letter.revoke", "letter", id, before, after, d)
}

// dropRevocationRequest deletes the pending revocation request of a
// letter, if there is one.
func dropRevocationRequest(tx *gorm.DB, villageID, letterID int64) error {
	return tx.Exec("DELETE FROM letter_revocation_requests WHERE village_id = ? AND letter_id = ?",
		villageID, letterID).Error
}

// RequestRevocation records a clerk's request to revoke a signed letter of
// the village for r, for a signer to confirm or reject; the letter stays
// valid meanwhile. It is audited as letter.revoke_request.
//
// Errors: those of Revoke, and surat.ErrRevocationPending when the letter
// already has a request.
func (s *Store) RequestRevocation(ctx context.Context, actor surat.Actor, villageID, letterID int64, r surat.Revocation) (*surat.RevocationRequest, error) {
	r.Normalize()
	q := &surat.RevocationRequest{VillageID: villageID, LetterID: letterID, Reason: r.Reason, Note: r.Note,
		ReplacedByID: optionalID(r.ReplacedBy), RequestedBy: optionalID(actor.UserID), CreatedAt: s.now()}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		l, err := s.lockLetter(tx, villageID, letterID)
		if err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return err
		}
		to := surat.LetterRevoked
		if r.ReplacedBy != 0 {
			to = surat.LetterReplaced
		}
		if err := surat.CheckTransition(letterID, l.Status, to); err != nil {
			return err
		}
		if r.ReplacedBy != 0 {
			if code, status, err := s.replacementProblem(tx, villageID, letterID, r.ReplacedBy); err != nil {
				return err
			} else if code != "" {
				return surat.Invalid("replaced_by", code, status.Label())
			}
		}
		var n int64
		if err := tx.Table("letter_revocation_requests").Where("letter_id = ?", letterID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("letter %d: %w", letterID, surat.ErrRevocationPending)
		}
		if err := tx.Table("letter_revocation_requests").Create(q).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return fmt.Errorf("letter %d: %w", letterID, surat.ErrRevocationPending)
			}
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.revoke_request", "letter", letterID, nil, q,
			fmt.Sprintf("reason %s", r.Reason))
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("request revocation of letter %d", letterID), err)
	}
	return q, nil
}

// RevocationRequest returns the pending revocation request of a letter of
// the village, or surat.ErrNotFound when there is none.
func (s *Store) RevocationRequest(ctx context.Context, villageID, letterID int64) (*surat.RevocationRequest, error) {
	var q surat.RevocationRequest
	err := s.db.WithContext(ctx).Table("letter_revocation_requests").
		Where("village_id = ? AND letter_id = ?", villageID, letterID).Take(&q).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("revocation request of letter %d", letterID), err)
	}
	return &q, nil
}

// RevocationRequests lists the village's pending revocation requests,
// oldest first, at most limit.
func (s *Store) RevocationRequests(ctx context.Context, villageID int64, limit int) ([]surat.RevocationRequest, error) {
	var qs []surat.RevocationRequest
	err := s.db.WithContext(ctx).Table("letter_revocation_requests").Where("village_id = ?", villageID).
		Order("created_at, id").Limit(limit).Find(&qs).Error
	return qs, translate("list revocation requests", err)
}

// takeRevocationRequest reads and locks the request of a letter inside tx;
// none is surat.ErrNoRevocationRequest.
func (s *Store) takeRevocationRequest(tx *gorm.DB, villageID, letterID int64) (*surat.RevocationRequest, error) {
	var q surat.RevocationRequest
	err := tx.Table("letter_revocation_requests").Where("village_id = ? AND letter_id = ?", villageID, letterID).
		Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("letter %d: %w", letterID, surat.ErrNoRevocationRequest)
	}
	return &q, err
}

// ConfirmRevocation carries out the pending revocation request of a letter
// of the village as the actor (a signer): the letter is revoked as Revoke
// does with the request's reason, note and replacement, and the request is
// deleted, in one transaction. Errors: surat.ErrNoRevocationRequest, and
// those of Revoke.
func (s *Store) ConfirmRevocation(ctx context.Context, actor surat.Actor, villageID, letterID int64) (*surat.Letter, error) {
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		// The letter first: every revocation path locks the letter before
		// the request, so two of them cannot wait on each other.
		if _, err := s.lockLetter(tx, villageID, letterID); err != nil {
			return err
		}
		q, err := s.takeRevocationRequest(tx, villageID, letterID)
		if err != nil {
			return err
		}
		detail := fmt.Sprintf("confirms request %d", q.ID)
		if q.RequestedBy != nil {
			detail += fmt.Sprintf(" of user %d", *q.RequestedBy)
		}
		after, err = s.revoke(tx, actor, villageID, letterID, q.Revocation(), detail)
		return err
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("confirm revocation of letter %d", letterID), err)
	}
	return after, nil
}

// RejectRevocation deletes the pending revocation request of a letter of
// the village, for reason (required, for the clerk), and audits it as
// letter.revoke_reject; the letter stays valid. Errors: a
// *surat.ValidationError on "reason", surat.ErrNotFound for a letter of
// another village, surat.ErrNoRevocationRequest.
func (s *Store) RejectRevocation(ctx context.Context, actor surat.Actor, villageID, letterID int64, reason string) (*surat.RevocationRequest, error) {
	var q *surat.RevocationRequest
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockLetter(tx, villageID, letterID); err != nil {
			return err
		}
		if err := surat.ValidateReason("reason", reason); err != nil {
			return err
		}
		var err error
		if q, err = s.takeRevocationRequest(tx, villageID, letterID); err != nil {
			return err
		}
		if err := dropRevocationRequest(tx, villageID, letterID); err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.revoke_reject", "letter", letterID, q, nil,
			fmt.Sprintf("request %d rejected: %s", q.ID, strings.TrimSpace(reason)))
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("reject revocation of letter %d", letterID), err)
	}
	return q, nil
}
