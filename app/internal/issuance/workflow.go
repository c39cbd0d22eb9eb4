package issuance

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The ways out of a letter's dead ends (issue 18): delete a draft,
// withdraw a submitted letter, the sekretaris desa's verification, approve
// and sign in one step, a new signer, a number chosen by hand and where a
// number sequence starts.

// DeleteDraft deletes a draft of the village (a draft made of a resident's
// request returns that request to the clerks' queue). Errors:
// surat.ErrNotFound, a *surat.TransitionError (Delete set) for a letter
// past draft.
func (s *Service) DeleteDraft(ctx context.Context, actor surat.Actor, villageID, letterID int64) error {
	if err := s.d.Store.DeleteDraft(ctx, actor, villageID, letterID); err != nil {
		return fmt.Errorf("issuance: delete draft %d: %w", letterID, err)
	}
	return nil
}

// Withdraw takes a submitted (diajukan) letter back to draft so the clerk
// can correct it. Errors: surat.ErrNotFound, *surat.TransitionError for any
// other status.
func (s *Service) Withdraw(ctx context.Context, actor surat.Actor, villageID, letterID int64) (*surat.Letter, error) {
	l, err := s.d.Store.Withdraw(ctx, actor, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: withdraw letter %d: %w", letterID, err)
	}
	return l, nil
}

// verifyingOfficial is the official the actor verifies as: an active
// official who signs a.n. (the sekretaris desa), linked to the actor's
// login. Anyone else is surat.ErrNotVerifier.
func (s *Service) verifyingOfficial(ctx context.Context, actor surat.Actor, villageID int64) (*surat.Official, error) {
	id, err := s.signingOfficial(ctx, actor, villageID)
	if errors.Is(err, ErrNotSigner) {
		return nil, surat.ErrNotVerifier
	} else if err != nil {
		return nil, err
	}
	o, err := s.d.Store.OfficialByID(ctx, villageID, id)
	if errors.Is(err, surat.ErrNotFound) {
		return nil, surat.ErrNotVerifier
	} else if err != nil {
		return nil, fmt.Errorf("issuance: official %d: %w", id, err)
	}
	if !o.Active || !o.CanSignAN {
		return nil, surat.ErrNotVerifier
	}
	return o, nil
}

// IsVerifier reports whether the actor verifies letters of the village.
func (s *Service) IsVerifier(ctx context.Context, actor surat.Actor, villageID int64) (bool, error) {
	_, err := s.verifyingOfficial(ctx, actor, villageID)
	if errors.Is(err, surat.ErrNotVerifier) {
		return false, nil
	}
	return err == nil, err
}

// Verify records the sekretaris desa's verification of a submitted letter
// at version, the version they reviewed; the signer is told it waits for
// them. Errors: surat.ErrNotVerifier, surat.ErrNotFound,
// *surat.TransitionError, surat.ErrConflict (changed since, or needs no
// verification).
func (s *Service) Verify(ctx context.Context, actor surat.Actor, villageID, letterID int64, version int) (*surat.Letter, error) {
	// Another village's letter is not found, whoever asks.
	if _, err := s.d.Store.LetterByID(ctx, villageID, letterID); err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	if _, err := s.verifyingOfficial(ctx, actor, villageID); err != nil {
		return nil, err
	}
	l, err := s.d.Store.VerifyLetter(ctx, actor, villageID, letterID, version)
	if err != nil {
		return nil, fmt.Errorf("issuance: verify letter %d: %w", letterID, err)
	}
	return l, nil
}

// VerificationPending reports whether letter l of the village waits for the
// sekretaris desa's verification.
func (s *Service) VerificationPending(ctx context.Context, villageID int64, l *surat.Letter) (bool, error) {
	if l.Status != surat.LetterSubmitted || l.VerifiedAt != nil {
		return false, nil
	}
	return s.d.Store.VerificationRequired(ctx, villageID, l)
}

// approvableBy checks a diajukan letter as read before the key is opened:
// official signs it, the signer reviewed version, and no verification is
// pending. The store checks all of it again on the locked row.
func (s *Service) approvableBy(ctx context.Context, l *surat.Letter, official int64, version int) error {
	if l.SignerOfficialID == nil || *l.SignerOfficialID != official {
		return ErrNotSigner
	}
	if l.Status != surat.LetterSubmitted && l.Status != surat.LetterApproved {
		return surat.CheckTransition(l.ID, l.Status, surat.LetterSigned)
	}
	if l.Status == surat.LetterSubmitted {
		if l.Version != version {
			return fmt.Errorf("letter %d changed since it was reviewed: %w", l.ID, surat.ErrConflict)
		}
		pending, err := s.VerificationPending(ctx, l.VillageID, l)
		if err != nil {
			return err
		}
		if pending {
			return fmt.Errorf("letter %d: %w", l.ID, surat.ErrVerificationPending)
		}
	}
	return nil
}

// ApproveAndSign is "Setujui dan tandatangani": a letter the actor signs,
// diajukan at version (the version reviewed) or already disetujui, is
// approved and signed in one transaction with the passphrase, so it never
// stays half-way. Errors as Sign, and surat.ErrVerificationPending,
// surat.ErrConflict for a letter changed since it was reviewed.
func (s *Service) ApproveAndSign(ctx context.Context, actor surat.Actor, villageID, letterID int64, version int,
	passphrase string) (*surat.Letter, error) {
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	official, err := s.signingOfficial(ctx, actor, villageID)
	if err != nil {
		return nil, err
	}
	if err := s.approvableBy(ctx, l, official, version); err != nil {
		return nil, err
	}
	u, err := s.unlock(ctx, villageID, official, passphrase)
	if err != nil {
		return nil, err
	}
	defer u.key.Wipe()
	job, err := s.signJobOf(ctx, l)
	if err != nil {
		return nil, err
	}
	job.approve = l.Status == surat.LetterSubmitted
	ls, err := s.finalize(ctx, actor, villageID, []*signJob{job}, u)
	var ie *store.FinalizeItemError
	if errors.As(err, &ie) {
		err = ie.Err
	}
	if err != nil {
		return nil, fmt.Errorf("issuance: approve and sign letter %d: %w", letterID, err)
	}
	return ls[0], nil
}

// ApproveAndSignBatch approves (when diajukan, at the item's version) and
// signs several letters with one passphrase, as SignBatch does: a letter
// that cannot be is left out and reported, the others are signed.
func (s *Service) ApproveAndSignBatch(ctx context.Context, actor surat.Actor, villageID int64, items []SignItem,
	passphrase string) ([]BatchResult, error) {
	for i := range items {
		items[i].Approve = true
	}
	return s.signItems(ctx, actor, villageID, items, passphrase)
}

// SignerStates says for every official of the village whether they can
// sign now, and why not.
func (s *Service) SignerStates(ctx context.Context, villageID int64) ([]surat.SignerState, error) {
	st, err := s.d.Store.SignerStates(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: signer states: %w", err)
	}
	return st, nil
}

// ChangeSigner gives a letter that is not signed yet a new signing official
// who can sign now; a submitted or approved letter goes back to the new
// signer as diajukan. Errors: *surat.ValidationError on
// "signer_official_id", *surat.TransitionError, surat.ErrNotFound.
func (s *Service) ChangeSigner(ctx context.Context, actor surat.Actor, villageID, letterID, officialID int64) (*surat.Letter, error) {
	l, err := s.d.Store.ChangeSigner(ctx, actor, villageID, letterID, officialID)
	if err != nil {
		return nil, fmt.Errorf("issuance: change signer of letter %d: %w", letterID, err)
	}
	return l, nil
}

// SetManualNumber reserves sequence seq (0 clears it) of the letter's
// number series this year for a letter not yet signed, for reason. Only an
// admin desa may (surat.ErrForbidden for anyone else). Errors: a
// *surat.ValidationError on "manual_seq" or "manual_reason",
// *surat.TransitionError, surat.ErrNotFound.
func (s *Service) SetManualNumber(ctx context.Context, actor surat.Actor, villageID, letterID int64, seq int,
	reason string) (*surat.Letter, error) {
	if actor.Role != surat.RoleAdminDesa {
		return nil, fmt.Errorf("issuance: manual number by %s: %w", actor.Role, surat.ErrForbidden)
	}
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	kode := ""
	if m := s.d.Catalogue.Module(l.Module); m != nil {
		kode = m.Klasifikasi
	}
	l, err = s.d.Store.SetManualNumber(ctx, actor, villageID, letterID, seq, reason, kode)
	if err != nil {
		return nil, fmt.Errorf("issuance: manual number of letter %d: %w", letterID, err)
	}
	return l, nil
}

// NumberSeries is one number sequence of a village this year: the format
// in force, the modules that share it, the last number given and the one
// the next letter gets.
type NumberSeries struct {
	Scope   string
	Format  string
	Modules []string // titles
	Year    int
	// LastSeq is the last sequence given out (0: none yet).
	LastSeq    int
	LastNumber string
	// Next is the number the next letter of the series gets this month.
	Next string
}

// NumberSeriesOf lists the village's number sequences of the current year:
// one for the whole village, or one per series of its enabled modules.
func (s *Service) NumberSeriesOf(ctx context.Context, villageID int64) ([]NumberSeries, error) {
	v, err := s.d.Store.VillageByID(ctx, villageID)
	if err != nil {
		return nil, fmt.Errorf("issuance: village %d: %w", villageID, err)
	}
	vms, err := s.VillageModules(ctx, villageID)
	if err != nil {
		return nil, err
	}
	now := surat.LetterTime(s.d.Now())
	counters, err := s.d.Store.CounterStates(ctx, villageID, now.Year())
	if err != nil {
		return nil, fmt.Errorf("issuance: counters: %w", err)
	}
	byScope := map[string]*NumberSeries{}
	var order []string
	for _, vm := range vms {
		scope, pattern, kode, err := store.SeriesOf(v, vm.Settings, vm.Klasifikasi)
		if err != nil {
			return nil, err
		}
		ns := byScope[scope]
		if ns == nil {
			ns = &NumberSeries{Scope: scope, Format: pattern, Year: now.Year()}
			c := counters[scope]
			ns.LastSeq, ns.LastNumber = c.LastSeq, c.LastNumber
			f, err := surat.ParseNumberFormat(pattern)
			if err != nil {
				return nil, err
			}
			ns.Next = f.Format(surat.NumberParts{KodeSurat: kode, KodeDesa: v.Code, Seq: c.LastSeq + 1,
				Month: int(now.Month()), Year: now.Year()})
			byScope[scope] = ns
			order = append(order, scope)
		}
		ns.Modules = append(ns.Modules, vm.Title)
	}
	out := make([]NumberSeries, 0, len(order))
	for _, sc := range order {
		sort.Strings(byScope[sc].Modules)
		out = append(out, *byScope[sc])
	}
	return out, nil
}

// SetSeriesStart makes number sequence scope continue at next this year.
// Only an admin desa may (surat.ErrForbidden). Errors: a
// *surat.ValidationError on "next" for a number already passed.
func (s *Service) SetSeriesStart(ctx context.Context, actor surat.Actor, villageID int64, scope string, next int) error {
	if actor.Role != surat.RoleAdminDesa {
		return fmt.Errorf("issuance: number start by %s: %w", actor.Role, surat.ErrForbidden)
	}
	series, err := s.NumberSeriesOf(ctx, villageID)
	if err != nil {
		return err
	}
	known := false
	for _, ns := range series {
		known = known || ns.Scope == scope
	}
	if !known {
		return fmt.Errorf("issuance: number series %q: %w", scope, surat.ErrNotFound)
	}
	year := surat.LetterTime(s.d.Now()).Year()
	if err := s.d.Store.SetCounterNext(ctx, actor, villageID, scope, year, next); err != nil {
		return fmt.Errorf("issuance: number start: %w", err)
	}
	return nil
}
