package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// RevokeReplaced withdraws a signed letter because another signed letter of
// the same village, replacementID, replaces it: the letter becomes diganti,
// records the replacement (so its verification page points there), the
// reason and the time, and the change is audited. It is Revoke for a
// correction that was issued separately rather than through Replace.
//
// An empty reason is a *surat.ValidationError on "reason"; a replacement
// that is the letter itself, is not in the village or is not signed is one
// on "replaced_by" (a letter of another village reads as not found). A
// letter of another village is surat.ErrNotFound, a letter that is not
// signed a *surat.TransitionError.
func (s *Store) RevokeReplaced(ctx context.Context, actor surat.Actor, villageID, id, replacementID int64, reason string) (*surat.Letter, error) {
	if err := surat.ValidateReason("reason", reason); err != nil {
		return nil, err
	}
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		before, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		if err := surat.CheckTransition(id, before.Status, surat.LetterReplaced); err != nil {
			return err
		}
		if code, status, err := s.replacementProblem(tx, villageID, id, replacementID); err != nil {
			return err
		} else if code != "" {
			return surat.Invalid("replaced_by", code, status.Label())
		}
		after, err = s.updateLetter(tx, before, map[string]any{
			"status": surat.LetterReplaced, "replaced_by_id": replacementID, "revoked_at": s.now(),
			"revoke_reason": strings.TrimSpace(reason),
		})
		if err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.revoke", "letter", id, before, after,
			fmt.Sprintf("replaced by letter %d", replacementID))
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("revoke letter %d replaced by %d", id, replacementID), err)
	}
	return after, nil
}

// replacementProblem names why replacementID cannot replace letter id (with
// the replacement's status when that is the reason), or returns "" when it
// can: it must be another letter of the village, signed and still valid.
func (s *Store) replacementProblem(tx *gorm.DB, villageID, id, replacementID int64) (surat.ProblemCode, surat.LetterStatus, error) {
	if replacementID == id {
		return surat.ProblemReplacementSelf, "", nil
	}
	var r struct{ Status surat.LetterStatus }
	err := tx.Table("letters").Select("status").Where("village_id = ? AND id = ?", villageID, replacementID).Take(&r).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return surat.ProblemReplacementNotFound, "", nil
	case err != nil:
		return "", "", err
	case r.Status != surat.LetterSigned:
		return surat.ProblemReplacementNotSigned, r.Status, nil
	}
	return "", "", nil
}
