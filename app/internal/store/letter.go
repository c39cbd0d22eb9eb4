package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// FinalArtifact is what the signing layer produced for a numbered letter:
// the verification code printed in its QR code and the signed PDF.
type FinalArtifact struct {
	// VerifyCode is 128 random bits in base32 without padding: 26
	// characters A-Z and 2-7.
	VerifyCode string
	PDFPath    string // where the signed PDF is stored
	PDFSHA256  string // lower-case hex SHA-256 of the signed PDF
	// SignedAt is the signing time; the store's clock when zero.
	SignedAt time.Time
	// ValidUntil is the end of the letter's validity, nil when it does not
	// expire.
	ValidUntil *time.Time
	// CertificateID is the signer certificate used, nil until certificates
	// are stored.
	CertificateID *int64
	// MarkDeadResidentIDs are residents of the village to record as MATI
	// in the same transaction (the deceased of a sk_kematian), each with an
	// audit row. A resident already MATI is left alone.
	MarkDeadResidentIDs []int64
	// Match holds the keyed hashes of the subjects' NIKs and names, stored
	// in the same transaction (letter_match_keys); empty without a key.
	Match MatchKeys
}

// FinalizeFunc renders and signs a letter once its number is known. It runs
// inside the finalising transaction while the counter row is locked, so it
// should be quick and must not use the Store; it may run concurrently for
// the letters of one FinalizeLetters call, and again for the same letter
// when the transaction is retried (the caller then discards the earlier
// artefact). It must not use the Store because on SQLite every pooled
// connection may be held by finalisations queued behind this one, and f
// would wait for them while they wait for it. Load the village, officials
// and residents before calling FinalizeLetter; n.Letter is the letter as
// locked, so f can check it is still the version it loaded. An error from f
// rolls everything back, including the sequence, and is returned by
// FinalizeLetter, wrapped.
type FinalizeFunc func(n surat.LetterNumber) (FinalArtifact, error)

var sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// check rejects an artefact that could not be verified later.
func (a FinalArtifact) check() error {
	switch {
	case !surat.ValidVerifyCode(a.VerifyCode):
		return errors.New("verify code is not 26 base32 characters")
	case !sha256HexRE.MatchString(a.PDFSHA256):
		return errors.New("PDF SHA-256 is not 64 lower-case hex digits")
	case a.PDFPath == "" || len(a.PDFPath) > 255:
		return errors.New("PDF path is empty or longer than 255 bytes")
	}
	return nil
}

// optionalID is id as a nullable column value: nil for 0.
func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// lockLetter reads a letter of the village inside tx, locking its row on
// MySQL until tx ends (SQLite transactions are already exclusive: they
// begin IMMEDIATE).
func (s *Store) lockLetter(tx *gorm.DB, villageID, id int64) (*surat.Letter, error) {
	var l surat.Letter
	if err := s.lockRow(tx, "letters", villageID, id, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// checkLetterRefs makes sure the subject resident and the signing official
// belong to the village, and fills the subject name from the register when
// the clerk left it empty.
func (s *Store) checkLetterRefs(tx *gorm.DB, villageID int64, l *surat.Letter) error {
	p := surat.Problems{}
	if l.SubjectResidentID != nil {
		var r struct{ Name string }
		err := tx.Table("residents").Select("name").Where("village_id = ? AND id = ?", villageID, *l.SubjectResidentID).
			Take(&r).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			p.AddCode("subject_resident_id", surat.ProblemResidentNotInVillage)
		case err != nil:
			return err
		case strings.TrimSpace(l.SubjectName) == "":
			l.SubjectName = r.Name
		}
	}
	if l.SignerOfficialID != nil {
		var o surat.Official
		err := tx.Table("officials").Where("village_id = ? AND id = ?", villageID, *l.SignerOfficialID).Take(&o).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			p.AddCode("signer_official_id", surat.ProblemOfficialNotInVillage)
		case err != nil:
			return err
		case !o.Active:
			p.AddCode("signer_official_id", surat.ProblemOfficialInactive)
		case !o.IsHead && !o.CanSignAN && !o.CanSignUB:
			p.AddCode("signer_official_id", surat.ProblemOfficialCannotSign)
		}
	}
	return p.Err()
}

// CreateLetter stores l as a new draft of the village, created by the actor,
// and audits it. Only the draft fields of l are used (Module,
// SubjectResidentID, SubjectName, FormData, SignerOfficialID, and
// TemplateID and TemplateSHA256: the version of its module it was drafted
// with); on success l is the stored letter. A subject or signer outside the
// village, or a module the village has disabled, is a *surat.ValidationError.
func (s *Store) CreateLetter(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) error {
	var nl *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var err error
		nl, err = s.createLetter(tx, actor, villageID, l)
		return err
	})
	if err != nil {
		return translate("create letter", err)
	}
	*l = *nl
	return nil
}

// createLetter is CreateLetter inside tx; it returns the stored letter.
func (s *Store) createLetter(tx *gorm.DB, actor surat.Actor, villageID int64, l *surat.Letter) (*surat.Letter, error) {
	nl := surat.Letter{
		VillageID: villageID, Module: l.Module, Status: surat.LetterDraft,
		SubjectResidentID: l.SubjectResidentID, SubjectName: strings.TrimSpace(l.SubjectName),
		FormData: l.FormData, CreatedBy: optionalID(actor.UserID), SignerOfficialID: l.SignerOfficialID,
		TemplateID: l.TemplateID, TemplateSHA256: l.TemplateSHA256, Version: 1,
	}
	if err := nl.ValidateDraft(); err != nil {
		return nil, err
	}
	var set struct{ Enabled bool }
	err := tx.Table("letter_settings").Select("enabled").Where("village_id = ? AND module = ?", villageID, nl.Module).
		Take(&set).Error
	switch {
	case err == nil && !set.Enabled:
		return nil, surat.Invalid("module", surat.ProblemModuleDisabled)
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, err
	}
	if err := s.checkLetterRefs(tx, villageID, &nl); err != nil {
		return nil, err
	}
	if err := tx.Table("letters").Create(&nl).Error; err != nil {
		return nil, err
	}
	if err := s.appendAudit(tx, actor, &villageID, "letter.create", "letter", nl.ID, nil, nl, nl.Module); err != nil {
		return nil, err
	}
	return &nl, nil
}

// LetterByID returns a letter of the village, or surat.ErrNotFound (also for
// letters of other villages).
func (s *Store) LetterByID(ctx context.Context, villageID, id int64) (*surat.Letter, error) {
	var l surat.Letter
	err := s.db.WithContext(ctx).Table("letters").Where("village_id = ? AND id = ?", villageID, id).Take(&l).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("letter %d", id), err)
	}
	return &l, nil
}

// LettersByID returns the letters of the village among ids, by id, in one
// query; ids of other villages or of no letter are simply absent.
func (s *Store) LettersByID(ctx context.Context, villageID int64, ids []int64) (map[int64]*surat.Letter, error) {
	var ls []surat.Letter
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Table("letters").Where("village_id = ? AND id IN ?", villageID, ids).
			Find(&ls).Error; err != nil {
			return nil, translate("letters by id", err)
		}
	}
	out := make(map[int64]*surat.Letter, len(ls))
	for i := range ls {
		out[ls[i].ID] = &ls[i]
	}
	return out, nil
}

// LetterFilter narrows a letter list. Zero values mean "any".
type LetterFilter struct {
	Status surat.LetterStatus
	Module string
	// From and To bound the letter date (the creation time for letters not
	// yet signed): From inclusive, To exclusive.
	From, To time.Time
	// Query matches part of the number or of the subject's name.
	Query string
	// Statuses, when set, narrows to letters in any of them (besides
	// Status).
	Statuses []surat.LetterStatus
	// SignerOfficialID narrows to letters this official signs.
	SignerOfficialID int64
	// Returned narrows to drafts a signer returned (they carry a reason).
	Returned bool
	Page     int // from 1
	PerPage  int // 1..100, default 25
}

// LetterPage is one page of a letter list, newest first.
type LetterPage struct {
	Letters []surat.Letter
	Total   int64
	Page    int
	PerPage int
}

// ListLetters lists the village's letters matching f, newest first.
func (s *Store) ListLetters(ctx context.Context, villageID int64, f LetterFilter) (*LetterPage, error) {
	pg := pageOf(f.Page, f.PerPage, 25, 100)
	f.Page, f.PerPage = pg.Page, pg.PerPage
	dated := !f.From.IsZero() || !f.To.IsZero()
	filtered := f.Status != "" || f.Module != "" || len(f.Statuses) > 0 || f.SignerOfficialID != 0 || f.Returned
	term := escapeLike(strings.TrimSpace(f.Query))
	if term != "" && !dated && !filtered {
		return s.searchLetters(ctx, villageID, term, pg)
	}
	table := "letters"
	if dated && !filtered {
		table = s.datedLetters() // the dates are the only condition an index can serve
	}
	q := s.db.WithContext(ctx).Table(table).Where("village_id = ?", villageID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Module != "" {
		q = q.Where("module = ?", f.Module)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.SignerOfficialID != 0 {
		q = q.Where("signer_official_id = ?", f.SignerOfficialID)
	}
	if f.Returned {
		q = q.Where("status = ? AND return_reason <> ''", surat.LetterDraft)
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		dated, args := datedIn(villageID, f.From, f.To)
		q = q.Where(dated, args...)
	}
	if term != "" {
		q = withText(q, term)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, translate("count letters", err)
	}
	var ls []surat.Letter
	if err := pg.apply(q.Order("id DESC")).Find(&ls).Error; err != nil {
		return nil, translate("list letters", err)
	}
	return &LetterPage{Letters: ls, Total: total, Page: f.Page, PerPage: f.PerPage}, nil
}

// withText is q narrowed by the archive's text search: letters whose
// number or subject's name holds term (escapeLike).
func withText(q *gorm.DB, term string) *gorm.DB {
	pat := "%" + term + "%"
	return q.Where("(number LIKE ? OR subject_name LIKE ?)", pat, pat)
}

// searchLetters is ListLetters for a text search alone. The letters that
// match are found in letters_village_search, which holds the village, the
// number and the subject's name of every letter, a tenth of a letter's row;
// then the page's rows are read by id. Scanning the rows instead read every
// letter of the village twice for a rare term, once to count and once for
// the page.
//
// The ids of up to searchAtOnce matches are read first, in the index's
// order, which stops as soon as that many are found. When no more match,
// as for most searches (a number, a name), they are the whole result: it
// is counted and paged from them, newest first, after one pass over the
// index instead of two. Otherwise the matches are counted, and the page's
// ids read, by the database.
func (s *Store) searchLetters(ctx context.Context, villageID int64, term string, pg paging) (*LetterPage, error) {
	db := s.db.WithContext(ctx)
	limit := cmp.Or(s.searchAtOnce, searchAtOnce)
	var ids []int64
	if err := s.lettersMatching(db, villageID, term).Limit(limit+1).Pluck("id", &ids).Error; err != nil {
		return nil, translate("search letters", err)
	}
	total := int64(len(ids))
	if len(ids) <= limit {
		slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
		from := min(len(ids), (pg.Page-1)*pg.PerPage)
		ids = ids[from:min(len(ids), from+pg.PerPage)]
	} else {
		if err := s.lettersMatching(db, villageID, term).Count(&total).Error; err != nil {
			return nil, translate("count letters", err)
		}
		ids = nil
		if err := pg.apply(s.lettersMatching(db, villageID, term).Order("id DESC")).Pluck("id", &ids).Error; err != nil {
			return nil, translate("search letters", err)
		}
	}
	ls := []surat.Letter{}
	if len(ids) > 0 {
		if err := s.villageRowsByID(db, "letters", villageID, ids).Order("id DESC").Find(&ls).Error; err != nil {
			return nil, translate("list letters", err)
		}
	}
	return &LetterPage{Letters: ls, Total: total, Page: pg.Page, PerPage: pg.PerPage}, nil
}

// searchAtOnce is how many matches of an archive search searchLetters
// reads the ids of before it leaves the counting to the database: 16 kB
// of ids at most, for any search.
const searchAtOnce = 2000

// lettersMatching is db's query of the village's letters whose number or
// subject's name holds term, read in letters_village_search.
func (s *Store) lettersMatching(db *gorm.DB, villageID int64, term string) *gorm.DB {
	return withText(db.Table(s.searchedLetters()).Where("village_id = ?", villageID), term)
}

// searchedLetters is the letters table read through
// letters_village_search, named on both engines: SQLite without
// statistics took letters_village, reading every letter row of the
// village, and the page's ORDER BY id DESC LIMIT could lead MariaDB to
// walk the primary key, which does the same.
func (s *Store) searchedLetters() string {
	if s.dialect == "mysql" {
		return "letters FORCE INDEX (letters_village_search)"
	}
	return s.sqliteIndex("letters", "letters_village_search")
}

// UpdateLetterDraft saves the draft fields of l (SubjectResidentID,
// SubjectName, FormData, SignerOfficialID, TemplateID, TemplateSHA256) when the letter is still a draft
// at version l.Version, and audits the change; on success l is the stored
// letter. A letter past draft is a *surat.TransitionError, a stale version
// surat.ErrConflict, a letter of another village surat.ErrNotFound.
func (s *Store) UpdateLetterDraft(ctx context.Context, actor surat.Actor, villageID int64, l *surat.Letter) error {
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		before, err := s.lockLetter(tx, villageID, l.ID)
		if err != nil {
			return err
		}
		if before.Status != surat.LetterDraft {
			return &surat.TransitionError{LetterID: l.ID, From: before.Status, To: surat.LetterDraft, Edit: true}
		}
		if before.Version != l.Version {
			return fmt.Errorf("letter %d changed meanwhile (version %d, edit of %d): %w",
				l.ID, before.Version, l.Version, surat.ErrConflict)
		}
		nl := *before
		nl.SubjectResidentID, nl.SubjectName = l.SubjectResidentID, strings.TrimSpace(l.SubjectName)
		nl.FormData, nl.SignerOfficialID = l.FormData, l.SignerOfficialID
		nl.TemplateID, nl.TemplateSHA256 = l.TemplateID, l.TemplateSHA256
		if err := nl.ValidateDraft(); err != nil {
			return err
		}
		if err := s.checkLetterRefs(tx, villageID, &nl); err != nil {
			return err
		}
		after, err = s.updateLetter(tx, before, map[string]any{
			"subject_resident_id": nl.SubjectResidentID, "subject_name": nl.SubjectName,
			"form_data": nl.FormData, "signer_official_id": nl.SignerOfficialID,
			"template_id": nl.TemplateID, "template_sha256": nl.TemplateSHA256,
		})
		if err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.update", "letter", l.ID, before, after, "")
	})
	if err != nil {
		return translate(fmt.Sprintf("update letter %d", l.ID), err)
	}
	*l = *after
	return nil
}

// updateLetter applies set to the letter locked as before, bumping its
// version and update time, and returns the row as stored. The WHERE clause
// repeats the version read, so a concurrent change is surat.ErrConflict even
// where rows are not locked.
func (s *Store) updateLetter(tx *gorm.DB, before *surat.Letter, set map[string]any) (*surat.Letter, error) {
	set["version"] = before.Version + 1
	set["updated_at"] = s.now()
	res := tx.Table("letters").Where("village_id = ? AND id = ? AND version = ?", before.VillageID, before.ID, before.Version).
		Updates(set)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, fmt.Errorf("letter %d changed meanwhile: %w", before.ID, surat.ErrConflict)
	}
	var after surat.Letter
	if err := tx.Table("letters").Where("id = ?", before.ID).Take(&after).Error; err != nil {
		return nil, err
	}
	return &after, nil
}

// moveLetter changes a letter's status to to in one transaction: it locks
// the letter, checks the workflow allows the move, lets prepare check the
// letter and add columns to set, writes, and audits as action.
func (s *Store) moveLetter(ctx context.Context, actor surat.Actor, villageID, id int64, to surat.LetterStatus,
	action string, prepare func(tx *gorm.DB, l *surat.Letter, set map[string]any) error) (*surat.Letter, error) {
	var after *surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		before, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		if err := surat.CheckTransition(id, before.Status, to); err != nil {
			return err
		}
		set := map[string]any{"status": to}
		if prepare != nil {
			if err := prepare(tx, before, set); err != nil {
				return err
			}
		}
		if after, err = s.updateLetter(tx, before, set); err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, action, "letter", id, before, after,
			string(before.Status)+" -> "+string(to))
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("%s %d", strings.ReplaceAll(action, ".", " "), id), err)
	}
	return after, nil
}

// Submit sends a draft for approval. The draft needs a signing official,
// and its subject and signer must still belong to the village; otherwise
// the result is a *surat.ValidationError.
//
// When the letter needs the sekretaris desa's verification
// (VerificationRequired) and the village has nobody who verifies, the
// result is a *surat.ValidationError too, so that no letter waits for
// someone who does not exist. The submission is announced in the outbox
// (surat.EventLetterSubmitted) in the same transaction.
func (s *Store) Submit(ctx context.Context, actor surat.Actor, villageID, id int64) (*surat.Letter, error) {
	return s.moveLetter(ctx, actor, villageID, id, surat.LetterSubmitted, "letter.submit",
		func(tx *gorm.DB, l *surat.Letter, set map[string]any) error {
			if l.SignerOfficialID == nil {
				return surat.Invalid("signer_official_id", surat.ProblemSignerRequired)
			}
			if err := s.checkLetterRefs(tx, villageID, l); err != nil {
				return err
			}
			required, err := s.verificationRequired(tx, villageID, l)
			if err != nil {
				return err
			}
			if required {
				var n int64
				if err := s.verifiersQuery(tx, villageID).Count(&n).Error; err != nil {
					return err
				}
				if n == 0 {
					return surat.Invalid("signer_official_id", surat.ProblemNoVerifier)
				}
			}
			set["verified_by"], set["verified_at"] = nil, nil
			return s.enqueueEvent(tx, villageID, surat.EventLetterSubmitted, id, actor)
		})
}

// Return sends a submitted or approved letter back to draft with the reason
// for the clerk; an empty reason is a *surat.ValidationError on "reason".
func (s *Store) Return(ctx context.Context, actor surat.Actor, villageID, id int64, reason string) (*surat.Letter, error) {
	if err := surat.ValidateReason("reason", reason); err != nil {
		return nil, err
	}
	return s.moveLetter(ctx, actor, villageID, id, surat.LetterDraft, "letter.return",
		func(tx *gorm.DB, _ *surat.Letter, set map[string]any) error {
			set["return_reason"] = strings.TrimSpace(reason)
			set["approved_by"] = nil
			set["verified_by"], set["verified_at"] = nil, nil
			return s.enqueueEvent(tx, villageID, surat.EventLetterReturned, id, actor)
		})
}

// Approve approves a submitted letter as the actor. version is the version
// the approver looked at: if the letter has changed since (returned, edited
// and submitted again), the result is surat.ErrConflict, so nobody approves
// content they have not seen.
//
// A letter that waits for the sekretaris desa's verification is
// surat.ErrVerificationPending.
func (s *Store) Approve(ctx context.Context, actor surat.Actor, villageID, id int64, version int) (*surat.Letter, error) {
	return s.moveLetter(ctx, actor, villageID, id, surat.LetterApproved, "letter.approve",
		func(tx *gorm.DB, l *surat.Letter, set map[string]any) error {
			if err := s.checkApprovable(tx, villageID, l, version); err != nil {
				return err
			}
			set["approved_by"] = optionalID(actor.UserID)
			return nil
		})
}

// checkApprovable checks, on the locked letter l, that it is the version
// the approver reviewed and is not waiting for verification.
func (s *Store) checkApprovable(tx *gorm.DB, villageID int64, l *surat.Letter, version int) error {
	if l.Version != version {
		return fmt.Errorf("letter %d changed since it was reviewed (version %d, reviewed %d): %w",
			l.ID, l.Version, version, surat.ErrConflict)
	}
	if l.VerifiedAt != nil {
		return nil
	}
	required, err := s.verificationRequired(tx, villageID, l)
	if err != nil {
		return err
	}
	if required {
		return fmt.Errorf("letter %d: %w", l.ID, surat.ErrVerificationPending)
	}
	return nil
}

// openStatuses are the statuses of a letter still on its way to signing.
var openStatuses = []surat.LetterStatus{surat.LetterDraft, surat.LetterSubmitted, surat.LetterApproved}

// Replace starts the correction of a signed letter: it creates a new draft
// with the same module, subject, form data and signer, linked to the
// original, and returns it. The original stays valid until the replacement
// is signed; FinalizeLetter then marks it diganti in the same transaction
// (if it has been revoked meanwhile, it stays dicabut). A letter that is not
// signed is a *surat.TransitionError; a letter that already has a
// replacement in progress is surat.ErrConflict.
func (s *Store) Replace(ctx context.Context, actor surat.Actor, villageID, id int64) (*surat.Letter, error) {
	var nl surat.Letter
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		old, err := s.lockLetter(tx, villageID, id)
		if err != nil {
			return err
		}
		if err := surat.CheckTransition(id, old.Status, surat.LetterReplaced); err != nil {
			return err
		}
		var open int64
		if err := tx.Table("letters").Where("village_id = ? AND replaces_id = ? AND status IN ?", villageID, id, openStatuses).
			Count(&open).Error; err != nil {
			return err
		}
		if open > 0 {
			return fmt.Errorf("letter %d already has a replacement in progress: %w", id, surat.ErrConflict)
		}
		nl = surat.Letter{
			VillageID: villageID, Module: old.Module, Status: surat.LetterDraft,
			SubjectResidentID: old.SubjectResidentID, SubjectName: old.SubjectName, FormData: old.FormData,
			CreatedBy: optionalID(actor.UserID), SignerOfficialID: old.SignerOfficialID, ReplacesID: &old.ID,
			TemplateID: old.TemplateID, TemplateSHA256: old.TemplateSHA256, Version: 1,
		}
		if err := tx.Table("letters").Create(&nl).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter.replace", "letter", nl.ID, nil, nl,
			fmt.Sprintf("replaces letter %d", id))
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("replace letter %d", id), err)
	}
	return &nl, nil
}

// FinalizeLetter numbers and signs an approved letter in one transaction:
// it locks the letter (which must be disetujui, so no letter is ever
// numbered twice), takes the next sequence of the letter's counter (per
// village, scope and year, the row locked until commit), formats the number,
// calls f to render and sign the PDF, stores number, artefact and status
// ditandatangani, marks a letter it replaces as diganti, audits, and
// commits. If anything fails, f included, nothing is stored and the sequence
// is not consumed: the next letter gets the same number, so there are no
// gaps.
//
// A transaction that MySQL picks as a deadlock victim, or that a Galera
// cluster refuses at commit (a certification conflict, reported as the same
// error 1213), is run again whole, f included: f may therefore be called
// more than once, and each call's artefact replaces the previous one (the
// caller discards an earlier PDF; see FinalizeFunc).
//
// The year and month come from the store's clock in surat.LetterTime, so the
// sequence restarts on 1 January. With the village's number scope "village"
// all letters share one sequence; with "module" each number series has its
// own (see surat.NumberFormat.Series: modules whose numbers look alike, e.g.
// two modules with kode surat 470, share one, since their numbers would
// otherwise collide). The kode surat is the village's setting for the module,
// or defaultKodeSurat (the module's default klasifikasi) when it has none.
//
// Errors: surat.ErrNotFound for a letter of another village, a
// *surat.TransitionError when the letter is not disetujui (e.g. already
// signed), a *surat.ValidationError when the number format is unusable,
// surat.ErrConflict when the number or verification code is taken, and f's
// error, wrapped.
func (s *Store) FinalizeLetter(ctx context.Context, actor surat.Actor, villageID, letterID int64,
	defaultKodeSurat string, f FinalizeFunc) (*surat.Letter, error) {
	ls, err := s.FinalizeLetters(ctx, actor, villageID, []FinalizeItem{{LetterID: letterID, DefaultKodeSurat: defaultKodeSurat}}, 1, f)
	var ie *FinalizeItemError
	if errors.As(err, &ie) {
		err = ie.Err
	}
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}

// FinalizeItem is one letter of FinalizeLetters: its id and the kode surat
// its number uses when the village has not set one for its module.
type FinalizeItem struct {
	LetterID         int64
	DefaultKodeSurat string
	// Approve lets a submitted (diajukan) letter be approved and signed in
	// the same transaction ("Setujui dan tandatangani"), when it is still
	// at Version and needs no verification (see Approve); an approved
	// letter is signed as usual.
	Approve bool
	Version int
}

// FinalizeItemError reports the letter of a FinalizeLetters call that
// failed (f's error, a refused status change, a letter of another
// village); nothing of the call was stored. Index is the item's position.
type FinalizeItemError struct {
	Index    int
	LetterID int64
	Err      error
}

func (e *FinalizeItemError) Error() string {
	return fmt.Sprintf("finalize letter %d: %v", e.LetterID, e.Err)
}

func (e *FinalizeItemError) Unwrap() error { return e.Err }

// maxFinalizeAttempts bounds the runs of one finalising transaction.
const maxFinalizeAttempts = maxTxAttempts + 2

// FinalizeLetters is FinalizeLetter for several approved letters of the
// village in one transaction: each is locked and numbered in the order of
// items (so their numbers follow that order), then f is called for all of
// them on up to workers goroutines at once (rendering and signing use every
// core while the counter rows stay locked); each letter is stored and
// audited once it and those before it are signed, while the workers sign
// the rest, and the transaction commits. Either all letters are signed or
// none is, and no number is consumed: a failure that belongs to one letter
// is a *FinalizeItemError naming it, so that the caller can finalise the
// others without it. f is called concurrently for different letters and,
// when the transaction is retried (see FinalizeLetter), again for the same
// letter.
func (s *Store) FinalizeLetters(ctx context.Context, actor surat.Actor, villageID int64, items []FinalizeItem,
	workers int, f FinalizeFunc) ([]*surat.Letter, error) {
	return s.FinalizeLettersPersist(ctx, actor, villageID, items, workers, f, nil)
}

// FinalizeLettersPersist is FinalizeLetters with persist, which runs in
// each attempt once f has run for every letter and their rows are
// written, before they are committed: the place to store what f made all
// together (files.Keeper.PutAll syncs a chunk's PDFs together instead of
// one after another between signatures). Like f it must not use the
// Store. Its error rolls everything back, as f's does, and is returned for
// the whole call rather than as a *FinalizeItemError. A nil persist is
// FinalizeLetters.
func (s *Store) FinalizeLettersPersist(ctx context.Context, actor surat.Actor, villageID int64, items []FinalizeItem,
	workers int, f FinalizeFunc, persist func() error) ([]*surat.Letter, error) {
	op := fmt.Sprintf("finalize %d letters", len(items))
	if len(items) == 1 {
		op = fmt.Sprintf("finalize letter %d", items[0].LetterID)
	}
	for attempt := 1; ; attempt++ {
		after, err := s.finalizeOnce(ctx, actor, villageID, items, max(1, workers), f, persist)
		if err == nil {
			return after, nil
		}
		var (
			missing *missingCounter
			item    *FinalizeItemError
		)
		switch {
		case attempt >= maxFinalizeAttempts:
		case retryable(err):
			// Checked first: on Galera any statement, the lock of a
			// letter row included (a *FinalizeItemError), can be
			// aborted by a write replicated from another node. The
			// whole transaction runs again, f included; the caller
			// removes the PDF of the earlier run.
			s.retries.Add(1)
			if err := sleepBackoff(ctx, attempt); err != nil {
				return nil, translate(op, err)
			}
			continue
		case errors.As(err, &item):
			item.Err = translate(op, item.Err)
			return nil, item
		case errors.As(err, &missing):
			if err := s.createCounter(ctx, missing); err != nil && !retryable(err) {
				return nil, translate(op, err)
			}
			continue
		}
		if errors.As(err, &item) {
			item.Err = translate(op, item.Err)
			return nil, item
		}
		return nil, translate(op, err)
	}
}

// missingCounter reports that the counter row of a scope and year does not
// exist yet. The finalising transaction does not create it itself: on
// MySQL, transactions queued behind a creator that rolls back (because
// signing failed) would deadlock on the gap the row leaves.
type missingCounter struct {
	villageID int64
	scope     string
	year      int
}

func (e *missingCounter) Error() string {
	return fmt.Sprintf("letter counter %q %d of village %d does not exist yet", e.scope, e.year, e.villageID)
}

// createCounter creates a counter row at 0 in its own short transaction, if
// it does not exist.
func (s *Store) createCounter(ctx context.Context, c *missingCounter) error {
	insert := "INSERT INTO letter_counters (village_id, scope, year, last_seq) VALUES (?, ?, ?, 0)" +
		s.onConflict([]string{"village_id", "scope", "year"}, "")
	if err := s.db.WithContext(ctx).Exec(insert, c.villageID, c.scope, c.year).Error; err != nil {
		return fmt.Errorf("create letter counter: %w", err)
	}
	return nil
}

// finalizing is one letter inside a finalising transaction.
type finalizing struct {
	// approve: the letter is diajukan and is approved by this transaction.
	approve bool
	before  *surat.Letter
	old     *surat.Letter // the signed letter this one replaces, locked
	n       *surat.LetterNumber
	art     FinalArtifact
}

// finalizeOnce is one attempt of FinalizeLetters, in one transaction.
func (s *Store) finalizeOnce(ctx context.Context, actor surat.Actor, villageID int64, items []FinalizeItem,
	workers int, f FinalizeFunc, persist func() error) ([]*surat.Letter, error) {
	out := make([]*surat.Letter, len(items))
	err := s.transactionOnce(ctx, func(tx *gorm.DB) error {
		ws := make([]finalizing, len(items))
		numbering := newNumberContext(tx, villageID, s.now())
		for i, it := range items {
			w := &ws[i]
			fail := func(err error) error { return &FinalizeItemError{Index: i, LetterID: it.LetterID, Err: err} }
			var err error
			if w.before, err = s.lockLetter(tx, villageID, it.LetterID); err != nil {
				return fail(err)
			}
			if it.Approve && w.before.Status == surat.LetterSubmitted {
				if err := s.checkApprovable(tx, villageID, w.before, it.Version); err != nil {
					return fail(err)
				}
				w.approve = true
			} else if err := surat.CheckTransition(it.LetterID, w.before.Status, surat.LetterSigned); err != nil {
				return fail(err)
			}
			if w.before.ReplacesID != nil {
				if w.old, err = s.lockLetter(tx, villageID, *w.before.ReplacesID); err != nil {
					return fail(err)
				}
				if w.old.Status != surat.LetterSigned && w.old.Status != surat.LetterRevoked {
					// Only another replacement can have got there first.
					return fail(fmt.Errorf("letter %d was already replaced: %w", w.old.ID, surat.ErrConflict))
				}
			}
			if w.n, err = numbering.allocate(w.before, it.DefaultKodeSurat); err != nil {
				var missing *missingCounter
				if errors.As(err, &missing) {
					return err // created and retried by FinalizeLetters
				}
				return fail(err)
			}
		}
		// Each letter's rows are written as soon as it and the letters
		// before it are signed, while the workers sign the rest: the
		// writes no longer wait for the whole chunk with the cores idle.
		signed := signedCounts{}
		err := runFinalizeFuncs(ws, items, workers, f, func(i int) error {
			after, err := s.storeFinalized(tx, actor, villageID, &ws[i], signed)
			out[i] = after
			return err
		})
		if err != nil {
			return err
		}
		if persist != nil {
			if err := persist(); err != nil {
				return fmt.Errorf("store signed letters: %w", err)
			}
		}
		return signed.flush(s, tx, villageID)
	})
	return out, err
}

// runFinalizeFuncs calls f for every letter on up to workers goroutines,
// checks each artefact and hands the letters to write in their order, on
// the calling goroutine, as soon as each and every letter before it is
// done. The first letter that fails is a *FinalizeItemError: the letters
// after it are no longer given to f, and the call returns once the workers
// have stopped. An error from write is returned as it is.
func runFinalizeFuncs(ws []finalizing, items []FinalizeItem, workers int, f FinalizeFunc, write func(i int) error) error {
	errs := make([]error, len(ws))
	done := make([]chan struct{}, len(ws))
	for i := range done {
		done[i] = make(chan struct{})
	}
	next := make(chan int)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	for range min(workers, len(ws)) {
		wg.Go(func() {
			for i := range next {
				w := &ws[i]
				art, err := f(*w.n)
				if err != nil {
					errs[i] = fmt.Errorf("sign letter %d as %s: %w", w.before.ID, w.n.Number, err)
				} else if err := art.check(); err != nil {
					errs[i] = fmt.Errorf("sign letter %d: %w", w.before.ID, err)
				} else {
					w.art = art
				}
				close(done[i])
			}
		})
	}
	go func() {
		defer close(next)
		for i := range ws {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)
	for i := range ws {
		<-done[i]
		if errs[i] != nil {
			return &FinalizeItemError{Index: i, LetterID: items[i].LetterID, Err: errs[i]}
		}
		if err := write(i); err != nil {
			return err
		}
	}
	return nil
}

// storeFinalized writes one numbered and signed letter inside the
// finalising transaction: status, number and artefact, the audit row, the
// deceased marked MATI, and the letter it replaces marked diganti. It
// counts the letter in signed, which the transaction adds to the counters
// at its end.
func (s *Store) storeFinalized(tx *gorm.DB, actor surat.Actor, villageID int64, w *finalizing, signed signedCounts) (*surat.Letter, error) {
	n, art, letterID := w.n, w.art, w.before.ID
	signedAt := art.SignedAt
	if signedAt.IsZero() {
		signedAt = s.now()
	}
	set := map[string]any{
		"status": surat.LetterSigned, "number": n.Number, "number_seq": n.Seq, "number_year": n.Year,
		"number_scope": n.Scope, "verify_code": art.VerifyCode, "pdf_path": art.PDFPath,
		"pdf_sha256": art.PDFSHA256, "certificate_id": art.CertificateID, "issued_at": n.Date.UTC(),
		"signed_at": signedAt.UTC(), "valid_until": utcPtr(art.ValidUntil),
	}
	if w.approve {
		set["approved_by"] = optionalID(actor.UserID)
	}
	after, err := s.updateLetter(tx, w.before, set)
	if err != nil {
		return nil, err
	}
	if err := clearPendingBlobs(tx, art.PDFPath); err != nil {
		return nil, err
	}
	if w.approve {
		if err := s.appendAudit(tx, actor, &villageID, "letter.approve", "letter", letterID, w.before, nil,
			"diajukan -> disetujui (bersama tanda tangan)"); err != nil {
			return nil, err
		}
	}
	if err := s.appendAudit(tx, actor, &villageID, "letter.finalize", "letter", letterID, w.before, after,
		"nomor "+n.Number); err != nil {
		return nil, err
	}
	signed.add(after.Module, signedAt)
	if err := s.insertMatchKeys(tx, villageID, letterID, art.Match); err != nil {
		return nil, err
	}
	if err := s.enqueueEvent(tx, villageID, surat.EventLetterSigned, letterID, actor); err != nil {
		return nil, err
	}
	for _, rid := range art.MarkDeadResidentIDs {
		if err := s.markDead(tx, actor, villageID, rid, letterID); err != nil {
			return nil, err
		}
	}
	if w.old != nil {
		// The letter it replaces now shows as replaced, or (revoked
		// before) names this one.
		if err := bumpPublicGeneration(tx); err != nil {
			return nil, err
		}
	}
	if w.old != nil && w.old.Status == surat.LetterSigned {
		oldAfter, err := s.updateLetter(tx, w.old, map[string]any{
			"status": surat.LetterReplaced, "replaced_by_id": letterID, "revoked_at": s.now(),
			"revoke_code": surat.ReasonReplaced, "revoke_reason": "Diganti dengan surat nomor " + n.Number,
		})
		if err != nil {
			return nil, err
		}
		if err := dropRevocationRequest(tx, villageID, w.old.ID); err != nil {
			return nil, err
		}
		if err := s.appendAudit(tx, actor, &villageID, "letter.replaced", "letter", w.old.ID, w.old, oldAfter,
			fmt.Sprintf("replaced by letter %d", letterID)); err != nil {
			return nil, err
		}
	}
	return after, nil
}

// markDead records a resident of the village as MATI because letter
// letterID (a death certificate) was signed, and audits it. A resident who
// is already MATI is left alone; one of another village is
// surat.ErrNotFound.
func (s *Store) markDead(tx *gorm.DB, actor surat.Actor, villageID, residentID, letterID int64) error {
	var before surat.Resident
	if err := s.lockRow(tx, "residents", villageID, residentID, &before); err != nil {
		return err
	}
	if before.LifeStatus == surat.LifeDead {
		return nil
	}
	if err := tx.Table("residents").Where("village_id = ? AND id = ?", villageID, residentID).Updates(map[string]any{
		"life_status": surat.LifeDead, "version": before.Version + 1, "updated_at": s.now(),
	}).Error; err != nil {
		return fmt.Errorf("mark resident %d dead: %w", residentID, err)
	}
	if err := addVillageStats(tx, villageID, villageDelta{alive: aliveDelta(before.LifeStatus, surat.LifeDead)}); err != nil {
		return err
	}
	after := before
	after.LifeStatus, after.Version = surat.LifeDead, before.Version+1
	return s.appendAudit(tx, actor, &villageID, "resident.mark_dead", "resident", residentID, before, after,
		fmt.Sprintf("status MATI by letter %d", letterID))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// numberContext allocates the numbers of one finalising transaction; it
// reads the village and each module's settings once.
type numberContext struct {
	tx        *gorm.DB
	villageID int64
	now       time.Time // the letters' date
	village   *surat.Village
	settings  map[string]*surat.LetterSettings // by module; nil: none stored
}

func newNumberContext(tx *gorm.DB, villageID int64, now time.Time) *numberContext {
	return &numberContext{tx: tx, villageID: villageID, now: now, settings: map[string]*surat.LetterSettings{}}
}

// moduleSettings is the village's settings row of a module, nil when it
// has none.
func (nc *numberContext) moduleSettings(module string) (*surat.LetterSettings, error) {
	if set, ok := nc.settings[module]; ok {
		return set, nil
	}
	var set surat.LetterSettings
	err := nc.tx.Table("letter_settings").Where("village_id = ? AND module = ?", nc.villageID, module).Take(&set).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		nc.settings[module] = nil
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("letter settings: %w", err)
	}
	nc.settings[module] = &set
	return &set, nil
}

// allocate takes the next sequence for letter l inside the transaction and
// formats its number. The counter row stays locked until the transaction
// ends. A counter that does not exist yet is a *missingCounter.
func (nc *numberContext) allocate(l *surat.Letter, defaultKodeSurat string) (*surat.LetterNumber, error) {
	tx := nc.tx
	if nc.village == nil {
		var v surat.Village
		if err := tx.Table("villages").Where("id = ?", l.VillageID).Take(&v).Error; err != nil {
			return nil, fmt.Errorf("village %d: %w", l.VillageID, err)
		}
		nc.village = &v
	}
	v := nc.village
	set, err := nc.moduleSettings(l.Module)
	if err != nil {
		return nil, err
	}
	sr, err := seriesOf(v, set, defaultKodeSurat)
	if err != nil {
		return nil, err
	}
	pattern, format, kode := sr.pattern, sr.format, sr.kode
	date := surat.LetterTime(nc.now)
	n := &surat.LetterNumber{
		NumberParts: surat.NumberParts{KodeSurat: kode, KodeDesa: v.Code, Month: int(date.Month()), Year: date.Year()},
		Date:        date,
		Format:      pattern,
		Letter:      *l,
	}
	if set != nil {
		n.ValidityDays = set.ValidityDays
	}
	n.Scope = sr.scope
	if l.ManualSeq != nil {
		// A number the admin desa chose: reserved (unique) since it was
		// set, skipped by the counter, and only good for the series and
		// year it was chosen in.
		if l.ManualScope == nil || *l.ManualScope != n.Scope || l.ManualYear == nil || *l.ManualYear != n.Year {
			return nil, surat.Invalid("manual_seq", surat.ProblemManualSeqStale)
		}
		n.Seq = *l.ManualSeq
		n.Number = format.Format(n.NumberParts)
		return n, nil
	}
	// Bumping the counter locks its row until this transaction ends, so
	// concurrent finalisations of the same scope queue here, and a rollback
	// takes the number back.
	res := tx.Exec("UPDATE letter_counters SET last_seq = last_seq + 1 WHERE village_id = ? AND scope = ? AND year = ?",
		l.VillageID, n.Scope, n.Year)
	if res.Error != nil {
		return nil, fmt.Errorf("lock letter counter: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, &missingCounter{villageID: l.VillageID, scope: n.Scope, year: n.Year}
	}
	var c struct{ LastSeq int }
	if err := tx.Table("letter_counters").Select("last_seq").
		Where("village_id = ? AND scope = ? AND year = ?", l.VillageID, n.Scope, n.Year).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("read letter counter: %w", err)
	}
	seq, err := nextFreeSeq(tx, l.VillageID, n.Scope, n.Year, c.LastSeq)
	if err != nil {
		return nil, err
	}
	if seq != c.LastSeq {
		if err := tx.Exec("UPDATE letter_counters SET last_seq = ? WHERE village_id = ? AND scope = ? AND year = ?",
			seq, l.VillageID, n.Scope, n.Year).Error; err != nil {
			return nil, fmt.Errorf("skip reserved numbers: %w", err)
		}
	}
	n.Seq = seq
	n.Number = format.Format(n.NumberParts)
	return n, nil
}

// nextFreeSeq is the first sequence from seq on that no letter of the
// village uses or reserves in scope and year: numbers the admin desa set by
// hand are never given out by the counter.
func nextFreeSeq(tx *gorm.DB, villageID int64, scope string, year, seq int) (int, error) {
	for range 10000 {
		var n int64
		if err := tx.Table("letters").Where("village_id = ? AND number_scope = ? AND number_year = ? AND number_seq = ?",
			villageID, scope, year, seq).Count(&n).Error; err != nil {
			return 0, fmt.Errorf("check number %d: %w", seq, err)
		}
		if n == 0 {
			if err := tx.Table("letters").Where("village_id = ? AND manual_scope = ? AND manual_year = ? AND manual_seq = ?",
				villageID, scope, year, seq).Count(&n).Error; err != nil {
				return 0, fmt.Errorf("check reserved number %d: %w", seq, err)
			}
		}
		if n == 0 {
			return seq, nil
		}
		seq++
	}
	return 0, fmt.Errorf("no free number after %d in %q %d: %w", seq, scope, year, surat.ErrConflict)
}

// SeriesOf is the numbering of a module's letters in village v with the
// village's settings for it (nil for none) and the module's default kode
// surat: the counter's scope key, the number format in force and the kode
// surat printed. It is what signing uses.
func SeriesOf(v *surat.Village, set *surat.LetterSettings, defaultKodeSurat string) (scope, pattern, kode string, err error) {
	sr, err := seriesOf(v, set, defaultKodeSurat)
	return sr.scope, sr.pattern, sr.kode, err
}

// series is the numbering a module's letters get in a village: the
// format in force, the kode surat and the counter's scope key.
type series struct {
	pattern string
	format  surat.NumberFormat
	kode    string
	scope   string
}

// seriesOf works out the series of a module from the village, the
// village's settings for the module (nil for none) and the module's
// default kode surat.
func seriesOf(v *surat.Village, set *surat.LetterSettings, defaultKodeSurat string) (series, error) {
	pattern := v.NumberFormat
	if set != nil && set.NumberFormat != "" {
		pattern = set.NumberFormat
	}
	if pattern == "" {
		pattern = surat.DefaultNumberFormat
	}
	format, err := surat.ParseNumberFormat(pattern)
	if err != nil {
		return series{}, err
	}
	kode := strings.TrimSpace(defaultKodeSurat)
	if set != nil && set.KodeSurat != "" {
		kode = set.KodeSurat
	}
	sr := series{pattern: pattern, format: format, kode: kode}
	if v.NumberScope != surat.ScopeVillage {
		sr.scope = format.Series(kode, v.Code)
	}
	return sr, nil
}

// LetterSettings returns the village's settings by module code. Modules
// without an entry use the catalogue's defaults.
func (s *Store) LetterSettings(ctx context.Context, villageID int64) (map[string]surat.LetterSettings, error) {
	var ls []surat.LetterSettings
	if err := s.db.WithContext(ctx).Table("letter_settings").Where("village_id = ?", villageID).
		Find(&ls).Error; err != nil {
		return nil, translate("letter settings", err)
	}
	out := make(map[string]surat.LetterSettings, len(ls))
	for _, l := range ls {
		out[l.Module] = l
	}
	return out, nil
}

// LetterSetting returns the village's settings for one module, or
// surat.ErrNotFound when the village uses the catalogue's defaults.
func (s *Store) LetterSetting(ctx context.Context, villageID int64, module string) (*surat.LetterSettings, error) {
	var ls surat.LetterSettings
	err := s.db.WithContext(ctx).Table("letter_settings").Where("village_id = ? AND module = ?", villageID, module).
		Take(&ls).Error
	if err != nil {
		return nil, translate("letter setting "+module, err)
	}
	return &ls, nil
}

// SaveLetterSetting validates ls and stores it as the village's settings for
// ls.Module, replacing earlier ones, and audits the change. The caller
// checks that the module exists in the catalogue.
func (s *Store) SaveLetterSetting(ctx context.Context, actor surat.Actor, villageID int64, ls *surat.LetterSettings) error {
	ls.VillageID = villageID
	if err := ls.Validate(); err != nil {
		return err
	}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		var before surat.LetterSettings
		err := tx.Table("letter_settings").Where("village_id = ? AND module = ?", villageID, ls.Module).Take(&before).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			ls.ID = 0
			if err := tx.Table("letter_settings").Create(ls).Error; err != nil {
				return err
			}
			return s.appendAudit(tx, actor, &villageID, "letter_setting.create", "letter_setting", ls.ID, nil, ls, ls.Module)
		case err != nil:
			return err
		}
		ls.ID, ls.CreatedAt, ls.UpdatedAt = before.ID, before.CreatedAt, s.now()
		if err := tx.Table("letter_settings").Where("id = ?", before.ID).Updates(map[string]any{
			"enabled": ls.Enabled, "kode_surat": ls.KodeSurat, "number_format": ls.NumberFormat,
			"validity_days": ls.ValidityDays, "online": ls.Online, "verification": ls.Verification,
			"requirements": ls.Requirements, "updated_at": ls.UpdatedAt,
		}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, actor, &villageID, "letter_setting.update", "letter_setting", ls.ID, &before, ls, ls.Module)
	})
	return translate("save letter setting "+ls.Module, err)
}
