package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// letterFormTokenTTL is how long a claimed form token is remembered. A form
// resubmitted later than that is treated as new; nobody double-clicks across
// two days.
const letterFormTokenTTL = 48 * time.Hour

// letterFormToken is a row of letter_form_tokens.
type letterFormToken struct {
	Token     string
	VillageID int64
	UserID    int64
	LetterID  *int64
	CreatedAt time.Time
}

// ClaimLetterForm records that the user submitted the "new letter" form
// carrying token, so that the same form submitted again creates no second
// letter. It returns claimed=true for the first submission, which must then
// either BindLetterForm the letter it created or ReleaseLetterForm the token.
// For a repeated submission it returns claimed=false and the id of the
// letter the first one created, or 0 while that one is still in progress.
// A token claimed by another user or village is reported as in progress,
// never revealing that user's letter. Claims older than two days are
// forgotten on the way.
func (s *Store) ClaimLetterForm(ctx context.Context, villageID, userID int64, token string) (letterID int64, claimed bool, err error) {
	if token == "" || len(token) > 64 {
		return 0, false, surat.Invalid("form_token", surat.ProblemFormTokenMissing)
	}
	db := s.db.WithContext(ctx)
	// A repeated submission, polling for the first one's letter, only reads.
	if prev, found, err := s.letterFormClaim(ctx, villageID, userID, token); err != nil {
		return 0, false, err
	} else if found {
		return prev, false, nil
	}
	if err := db.Table("letter_form_tokens").Where("created_at < ?", s.now().Add(-letterFormTokenTTL)).
		Delete(&letterFormToken{}).Error; err != nil {
		return 0, false, translate("purge letter form tokens", err)
	}
	row := letterFormToken{Token: token, VillageID: villageID, UserID: userID, CreatedAt: s.now()}
	err = db.Table("letter_form_tokens").Create(&row).Error
	if err == nil {
		return 0, true, nil
	}
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		return 0, false, translate("claim letter form", err)
	}
	prev, _, err := s.letterFormClaim(ctx, villageID, userID, token)
	return prev, false, err
}

// letterFormClaim reads the live claim of token: found is false when there
// is none (or only one older than letterFormTokenTTL, which the next claim
// purges); letterID is the claim's letter when the same user of the same
// village made it and it has created one, 0 otherwise.
func (s *Store) letterFormClaim(ctx context.Context, villageID, userID int64, token string) (letterID int64, found bool, err error) {
	var prev letterFormToken
	err = s.db.WithContext(ctx).Table("letter_form_tokens").Where("token = ?", token).Take(&prev).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return 0, false, nil
	case err != nil:
		return 0, false, translate("read letter form claim", err)
	case prev.CreatedAt.Before(s.now().Add(-letterFormTokenTTL)):
		return 0, false, nil
	case prev.VillageID != villageID || prev.UserID != userID || prev.LetterID == nil:
		return 0, true, nil
	}
	return *prev.LetterID, true, nil
}

// BindLetterForm records the letter the claimed token's submission created.
func (s *Store) BindLetterForm(ctx context.Context, villageID int64, token string, letterID int64) error {
	err := s.db.WithContext(ctx).Table("letter_form_tokens").Where("token = ? AND village_id = ?", token, villageID).
		Update("letter_id", letterID).Error
	return translate(fmt.Sprintf("bind letter form to letter %d", letterID), err)
}

// ReleaseLetterForm forgets a claim that created no letter (the input was
// refused), so that the corrected form, which carries the same token, can
// be submitted again.
func (s *Store) ReleaseLetterForm(ctx context.Context, villageID int64, token string) error {
	err := s.db.WithContext(ctx).Table("letter_form_tokens").
		Where("token = ? AND village_id = ? AND letter_id IS NULL", token, villageID).Delete(&letterFormToken{}).Error
	return translate("release letter form", err)
}
