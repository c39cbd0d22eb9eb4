package store

import (
	"errors"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

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
