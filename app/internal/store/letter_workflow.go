package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The clerk's and the signer's ways out of a letter's dead ends (issue 18):
// deleting a draft, withdrawing a submitted letter, the sekretaris desa's
// verification, a new signer for a letter whose signer cannot sign, a
// number chosen by hand, and where a number sequence starts.

// DeleteDraft deletes a draft of the village and audits it. A draft opened
// from a resident's request is unlinked from it (the request stays under
// review, so a clerk can open it again) with a timeline note; a repeated
// "new letter" form that created it no longer finds it. A letter past draft
// is a *surat.TransitionError with Delete set; another village's is
// surat.ErrNotFound.
func (s *Store) DeleteDraft(ctx context.Context, actor surat.Actor, villageID, id int64) error {
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		l, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		if l.Status != surat.LetterDraft {
			return &surat.TransitionError{LetterID: id, From: l.Status, To: surat.LetterDraft, Delete: true}
		}
		var reqIDs []int64
		if err := tx.Table("letter_requests").Where("village_id = ? AND letter_id = ?", villageID, id).
			Pluck("id", &reqIDs).Error; err != nil {
			return err
		}
		for _, rid := range reqIDs {
			if err := tx.Table("letter_requests").Where("id = ?", rid).Updates(map[string]any{
				"letter_id": nil, "updated_at": s.now()}).Error; err != nil {
				return err
			}
			if err := s.addEvent(tx, villageID, rid, "", &actor.UserID, surat.NoteDraftDeleted); err != nil {
				return err
			}
		}
		if err := tx.Exec("DELETE FROM letter_form_tokens WHERE village_id = ? AND letter_id = ?", villageID, id).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM letters WHERE village_id = ? AND id = ?", villageID, id).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.delete", "letter", id, l, nil, l.Module)
	})
	return translate(fmt.Sprintf("delete letter %d", id), err)
}

// Withdraw takes a submitted letter of the village back to draft at the
// clerk's request (to fix a typo), clearing any verification. Only a
// diajukan letter can be withdrawn: an approved one waits for its signer,
// who may return it. Errors as Submit.
func (s *Store) Withdraw(ctx context.Context, actor surat.Actor, villageID, id int64) (*surat.Letter, error) {
	return s.moveLetter(ctx, actor, villageID, id, surat.LetterDraft, "letter.withdraw",
		func(_ *gorm.DB, l *surat.Letter, set map[string]any) error {
			if l.Status != surat.LetterSubmitted {
				return &surat.TransitionError{LetterID: id, From: l.Status, To: surat.LetterDraft}
			}
			set["verified_by"], set["verified_at"], set["approved_by"] = nil, nil, nil
			set["return_reason"] = ""
			return nil
		})
}

// VerifyLetter records the sekretaris desa's verification of a submitted
// letter at version (the version they reviewed), audits it and announces it
// (surat.EventLetterVerified). The caller checks that the actor verifies. A
// letter that needs no verification, or is verified already, is
// surat.ErrConflict; a stale version too; a letter that is not diajukan a
// *surat.TransitionError.
func (s *Store) VerifyLetter(ctx context.Context, actor surat.Actor, villageID, id int64, version int) (*surat.Letter, error) {
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		l, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		if l.Status != surat.LetterSubmitted {
			return &surat.TransitionError{LetterID: id, From: l.Status, To: surat.LetterApproved}
		}
		if l.Version != version {
			return fmt.Errorf("letter %d changed since it was reviewed: %w", id, surat.ErrConflict)
		}
		required, err := s.verificationRequired(tx, villageID, l)
		if err != nil {
			return err
		}
		if !required || l.VerifiedAt != nil {
			return fmt.Errorf("letter %d needs no verification: %w", id, surat.ErrConflict)
		}
		if after, err = s.updateLetter(tx, l, map[string]any{"verified_by": optionalID(actor.UserID),
			"verified_at": s.now()}); err != nil {
			return err
		}
		if err := s.appendAudit(tx, actor, &villageID, "letter.verify", "letter", id, l, after, ""); err != nil {
			return err
		}
		return s.enqueueEvent(tx, villageID, surat.EventLetterVerified, id, actor)
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("verify letter %d", id), err)
	}
	return after, nil
}

// ChangeSigner gives a letter of the village that is not signed yet a new
// signing official, who must be able to sign now (surat.SignerState.Ready;
// otherwise a *surat.ValidationError on "signer_official_id"). A draft
// stays a draft; a submitted or approved letter goes back to diajukan for
// the new signer to review (approval and verification are cleared) and is
// announced to them. Audited. A signed letter is a *surat.TransitionError.
func (s *Store) ChangeSigner(ctx context.Context, actor surat.Actor, villageID, id, officialID int64) (*surat.Letter, error) {
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		l, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		switch l.Status {
		case surat.LetterDraft, surat.LetterSubmitted, surat.LetterApproved:
		default:
			return &surat.TransitionError{LetterID: id, From: l.Status, To: l.Status, Edit: true}
		}
		st, err := s.signerStateTx(tx, villageID, officialID)
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return surat.Invalid("signer_official_id", surat.ProblemOfficialNotInVillage)
		} else if err != nil {
			return err
		}
		if !st.Ready() {
			return surat.Invalid("signer_official_id", surat.ProblemSignerNotReady, st.Why())
		}
		set := map[string]any{"signer_official_id": officialID}
		if l.Status != surat.LetterDraft {
			set["status"] = surat.LetterSubmitted
			set["approved_by"], set["verified_by"], set["verified_at"] = nil, nil, nil
		}
		if after, err = s.updateLetter(tx, l, set); err != nil {
			return err
		}
		if err := s.appendAudit(tx, actor, &villageID, "letter.change_signer", "letter", id, l, after,
			fmt.Sprintf("official %d", officialID)); err != nil {
			return err
		}
		if after.Status == surat.LetterSubmitted {
			return s.enqueueEvent(tx, villageID, surat.EventLetterSignerChanged, id, actor)
		}
		return nil
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("change signer of letter %d", id), err)
	}
	return after, nil
}

// MaxManualSeq bounds a sequence number set by hand.
const MaxManualSeq = 999999

// SetManualNumber reserves sequence seq of the letter's number series in
// the current year for a letter of the village that is not signed yet, for
// reason (required; audited), or clears the reservation when seq is 0. The
// letter is numbered with it when signed; the counter never gives it out.
// defaultKodeSurat is the module's klasifikasi. A number another letter of
// the series and year uses or reserves is a *surat.ValidationError on
// "manual_seq", as are a seq out of range and a missing reason.
func (s *Store) SetManualNumber(ctx context.Context, actor surat.Actor, villageID, id int64, seq int, reason,
	defaultKodeSurat string) (*surat.Letter, error) {
	reason = strings.TrimSpace(reason)
	if seq < 0 || seq > MaxManualSeq {
		return nil, surat.Invalid("manual_seq", surat.ProblemManualSeqInvalid)
	}
	if seq > 0 {
		if err := surat.ValidateReason("manual_reason", reason); err != nil {
			return nil, err
		}
	}
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		l, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		switch l.Status {
		case surat.LetterDraft, surat.LetterSubmitted, surat.LetterApproved:
		default:
			return &surat.TransitionError{LetterID: id, From: l.Status, To: l.Status, Edit: true}
		}
		set := map[string]any{"manual_seq": nil, "manual_scope": nil, "manual_year": nil, "manual_reason": ""}
		detail := "nomor manual dihapus"
		if seq > 0 {
			var v surat.Village
			if err := tx.Table("villages").Where("id = ?", villageID).Take(&v).Error; err != nil {
				return err
			}
			nc := newNumberContext(tx, villageID, s.now())
			ls, err := nc.moduleSettings(l.Module)
			if err != nil {
				return err
			}
			sr, err := seriesOf(&v, ls, defaultKodeSurat)
			if err != nil {
				return err
			}
			year := surat.LetterTime(s.now()).Year()
			var taken int64
			if err := tx.Table("letters").Where("village_id = ? AND id <> ? AND ((number_scope = ? AND number_year = ? AND number_seq = ?) OR (manual_scope = ? AND manual_year = ? AND manual_seq = ?))",
				villageID, id, sr.scope, year, seq, sr.scope, year, seq).Count(&taken).Error; err != nil {
				return err
			}
			if taken > 0 {
				return surat.Invalid("manual_seq", surat.ProblemManualSeqTaken, seq, year)
			}
			set = map[string]any{"manual_seq": seq, "manual_scope": sr.scope, "manual_year": year, "manual_reason": reason}
			detail = fmt.Sprintf("nomor urut %d tahun %d", seq, year)
		}
		if after, err = s.updateLetter(tx, l, set); err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.manual_number", "letter", id, l, after, detail)
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("manual number of letter %d", id), err)
	}
	return after, nil
}

// CounterState is one number sequence of a village in a year: its scope
// key, the last sequence the counter gave out, and the last number a
// letter of it carries.
type CounterState struct {
	Scope      string
	Year       int
	LastSeq    int
	LastNumber string
	// LastSignedAt is when the letter with LastNumber was signed.
	LastSignedAt *time.Time
}

// CounterStates lists the village's number sequences of year that have a
// counter, with the last number of each.
func (s *Store) CounterStates(ctx context.Context, villageID int64, year int) (map[string]CounterState, error) {
	var cs []struct {
		Scope   string
		LastSeq int
	}
	db := s.db.WithContext(ctx)
	if err := db.Table("letter_counters").Select("scope, last_seq").Where("village_id = ? AND year = ?", villageID, year).
		Scan(&cs).Error; err != nil {
		return nil, translate("letter counters", err)
	}
	out := make(map[string]CounterState, len(cs))
	for _, c := range cs {
		st := CounterState{Scope: c.Scope, Year: year, LastSeq: c.LastSeq}
		var l surat.Letter
		err := db.Table("letters").Where("village_id = ? AND number_scope = ? AND number_year = ? AND number IS NOT NULL",
			villageID, c.Scope, year).Order("number_seq DESC").Take(&l).Error
		switch {
		case err == nil:
			st.LastNumber, st.LastSignedAt = l.NumberString(), l.SignedAt
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return nil, translate("last letter number", err)
		}
		out[c.Scope] = st
	}
	return out, nil
}

// SeriesScope is the counter scope key of a module's letters in the village
// now (its format, kode surat and the village's number scope), and the
// number format in force.
func (s *Store) SeriesScope(ctx context.Context, villageID int64, module, defaultKodeSurat string) (scope, format string, err error) {
	db := s.db.WithContext(ctx)
	var v surat.Village
	if err := db.Table("villages").Where("id = ?", villageID).Take(&v).Error; err != nil {
		return "", "", translate("village", err)
	}
	nc := newNumberContext(db, villageID, s.now())
	ls, err := nc.moduleSettings(module)
	if err != nil {
		return "", "", translate("letter settings", err)
	}
	sr, err := seriesOf(&v, ls, defaultKodeSurat)
	if err != nil {
		return "", "", err
	}
	return sr.scope, sr.pattern, nil
}

// SetCounterNext makes the number sequence scope of the village continue at
// next in year (a village moving from a paper agenda in mid-year continues
// at, say, 235), and audits it. A number at or below the last one given out
// or used is a *surat.ValidationError on "next": numbers are never given
// twice.
func (s *Store) SetCounterNext(ctx context.Context, actor surat.Actor, villageID int64, scope string, year, next int) error {
	if next < 1 || next > MaxManualSeq {
		return surat.Invalid("next", surat.ProblemManualSeqInvalid)
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		insert := "INSERT INTO letter_counters (village_id, scope, year, last_seq) VALUES (?, ?, ?, 0)" +
			s.onConflict([]string{"village_id", "scope", "year"}, "")
		if err := tx.Exec(insert, villageID, scope, year).Error; err != nil {
			return err
		}
		// Lock the counter row, then read what is used.
		if err := tx.Exec("UPDATE letter_counters SET last_seq = last_seq WHERE village_id = ? AND scope = ? AND year = ?",
			villageID, scope, year).Error; err != nil {
			return err
		}
		var c struct{ LastSeq int }
		if err := tx.Table("letter_counters").Select("last_seq").Where("village_id = ? AND scope = ? AND year = ?",
			villageID, scope, year).Take(&c).Error; err != nil {
			return err
		}
		var used struct{ Max *int }
		if err := tx.Table("letters").Select("MAX(number_seq) AS max").
			Where("village_id = ? AND number_scope = ? AND number_year = ?", villageID, scope, year).Scan(&used).Error; err != nil {
			return err
		}
		last := c.LastSeq
		if used.Max != nil && *used.Max > last {
			last = *used.Max
		}
		if next <= last {
			return surat.Invalid("next", surat.ProblemCounterBelowUsed, next, last)
		}
		if err := tx.Exec("UPDATE letter_counters SET last_seq = ? WHERE village_id = ? AND scope = ? AND year = ?",
			next-1, villageID, scope, year).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter_counter.start", "village", villageID, nil, nil,
			fmt.Sprintf("urutan %q tahun %d dilanjutkan dari %d", scope, year, next))
	})
	return translate("set letter counter", err)
}

// RequestOfLetter returns the request of the village a letter was drafted
// from, or surat.ErrNotFound when it was not drafted from one.
func (s *Store) RequestOfLetter(ctx context.Context, villageID, letterID int64) (*surat.LetterRequest, error) {
	var rs []surat.LetterRequest
	err := s.requestQuery(ctx, villageID).Where("r.letter_id = ?", letterID).Order("r.id DESC").Limit(1).Find(&rs).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("request of letter %d", letterID), err)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("store: request of letter %d: %w", letterID, surat.ErrNotFound)
	}
	derive(rs)
	return &rs[0], nil
}
