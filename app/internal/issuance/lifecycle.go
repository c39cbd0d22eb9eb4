package issuance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The letter's life after drafting: submitting, approving, returning,
// revoking and replacing. Every change goes through the service, which is
// the only caller of the store's letter writes; the store locks the letter,
// checks the workflow (surat.CheckTransition) on the locked row, writes and
// audits in one transaction.

// Submit sends a draft of the village for approval. Errors:
// surat.ErrNotFound (also another village's letter), *surat.TransitionError
// for a letter that is not a draft, *surat.ValidationError when the draft
// has no signer or its subject or signer has left the village.
func (s *Service) Submit(ctx context.Context, actor surat.Actor, villageID, letterID int64) (*surat.Letter, error) {
	l, err := s.d.Store.Submit(ctx, actor, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: submit letter %d: %w", letterID, err)
	}
	return l, nil
}

// Approve approves a submitted letter as it was at version, the version the
// signer reviewed: a letter changed since is surat.ErrConflict, so nobody
// approves content they have not seen. Other errors as Submit.
func (s *Service) Approve(ctx context.Context, actor surat.Actor, villageID, letterID int64, version int) (*surat.Letter, error) {
	l, err := s.d.Store.Approve(ctx, actor, villageID, letterID, version)
	if err != nil {
		return nil, fmt.Errorf("issuance: approve letter %d: %w", letterID, err)
	}
	return l, nil
}

// Return sends a submitted or approved letter back to draft with reason
// (required, for the clerk). Errors: a *surat.ValidationError on "reason",
// otherwise as Submit.
func (s *Service) Return(ctx context.Context, actor surat.Actor, villageID, letterID int64, reason string) (*surat.Letter, error) {
	l, err := s.d.Store.Return(ctx, actor, villageID, letterID, reason)
	if err != nil {
		return nil, fmt.Errorf("issuance: return letter %d: %w", letterID, err)
	}
	return l, nil
}

// Revoke withdraws a signed letter of the village at once for r: the
// letter becomes dicabut, or diganti when r names the signed letter that
// replaces it (r.ReplacedBy, another signed letter of the village issued
// separately; the reason is then surat.ReasonReplaced), and its verification page says so at once with r's public
// reason (never r's note). Only a signer of the village may revoke
// directly; a clerk asks with RequestRevocation. A pending request of the
// letter is dropped.
//
// Errors: ErrNotRevoker, a *surat.ValidationError on "reason_code", "note"
// or "replaced_by", surat.ErrNotFound, *surat.TransitionError for a letter
// that is not signed.
func (s *Service) Revoke(ctx context.Context, actor surat.Actor, villageID, letterID int64, r surat.Revocation) (*surat.Letter, error) {
	if err := s.mayRevoke(ctx, actor, villageID); err != nil {
		return nil, err
	}
	l, err := s.d.Store.Revoke(ctx, actor, villageID, letterID, r)
	if err != nil {
		return nil, fmt.Errorf("issuance: revoke letter %d: %w", letterID, err)
	}
	return l, nil
}

// RequestRevocation records a clerk's (operator's or village admin's)
// request to revoke a signed letter of the village for r; the letter stays
// valid until a signer of the village confirms it (ConfirmRevocation) or
// rejects it (RejectRevocation). Errors: surat.ErrForbidden for another
// role, surat.ErrRevocationPending when the letter already has a request,
// and those of Revoke.
func (s *Service) RequestRevocation(ctx context.Context, actor surat.Actor, villageID, letterID int64, r surat.Revocation) (*surat.RevocationRequest, error) {
	if actor.Role != surat.RoleAdminDesa && actor.Role != surat.RoleOperator {
		return nil, fmt.Errorf("issuance: %s requests a revocation: %w", actor.Role, surat.ErrForbidden)
	}
	q, err := s.d.Store.RequestRevocation(ctx, actor, villageID, letterID, r)
	if err != nil {
		return nil, fmt.Errorf("issuance: request revocation of letter %d: %w", letterID, err)
	}
	return q, nil
}

// ConfirmRevocation carries out the pending revocation request of a letter
// of the village as a signer of the village. Errors: ErrNotRevoker,
// surat.ErrNoRevocationRequest, and those of Revoke.
func (s *Service) ConfirmRevocation(ctx context.Context, actor surat.Actor, villageID, letterID int64) (*surat.Letter, error) {
	if err := s.mayRevoke(ctx, actor, villageID); err != nil {
		return nil, err
	}
	l, err := s.d.Store.ConfirmRevocation(ctx, actor, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: confirm revocation of letter %d: %w", letterID, err)
	}
	return l, nil
}

// RejectRevocation turns down the pending revocation request of a letter
// of the village, for reason (required, for the clerk); the letter stays
// valid. Errors: ErrNotRevoker, a *surat.ValidationError on "reason",
// surat.ErrNoRevocationRequest, surat.ErrNotFound.
func (s *Service) RejectRevocation(ctx context.Context, actor surat.Actor, villageID, letterID int64, reason string) (*surat.RevocationRequest, error) {
	if err := s.mayRevoke(ctx, actor, villageID); err != nil {
		return nil, err
	}
	q, err := s.d.Store.RejectRevocation(ctx, actor, villageID, letterID, reason)
	if err != nil {
		return nil, fmt.Errorf("issuance: reject revocation of letter %d: %w", letterID, err)
	}
	return q, nil
}

// RevocationRequest is the pending revocation request of a letter of the
// village, or surat.ErrNotFound.
func (s *Service) RevocationRequest(ctx context.Context, villageID, letterID int64) (*surat.RevocationRequest, error) {
	return s.d.Store.RevocationRequest(ctx, villageID, letterID)
}

// mayRevoke checks that actor is a signer of the village: a penandatangan
// whose account is linked to one of its officials.
func (s *Service) mayRevoke(ctx context.Context, actor surat.Actor, villageID int64) error {
	if actor.Role != surat.RoleSigner {
		return ErrNotRevoker
	}
	if _, err := s.signingOfficial(ctx, actor, villageID); errors.Is(err, ErrNotSigner) {
		return ErrNotRevoker
	} else if err != nil {
		return err
	}
	return nil
}

// Replace starts the correction of a signed letter: a new draft with the
// old one's request, ReplacesID set. The old letter becomes diganti when
// the new one is signed. Errors: *surat.TransitionError for a letter that
// is not signed, surat.ErrConflict when a replacement is already in
// progress, surat.ErrNotFound.
func (s *Service) Replace(ctx context.Context, actor surat.Actor, villageID, letterID int64) (*surat.Letter, error) {
	l, err := s.d.Store.Replace(ctx, actor, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: replace letter %d: %w", letterID, err)
	}
	return l, nil
}

// FormOutcome is what became of a "new letter" form sent with
// CreateDraftOnce.
type FormOutcome int

// The outcomes of CreateDraftOnce.
const (
	// FormCreated: this submission created the draft.
	FormCreated FormOutcome = iota + 1
	// FormRepeated: the same form was sent before and created the draft
	// returned; nothing new was stored.
	FormRepeated
	// FormInProgress: the same form's first submission is still being
	// processed after the wait; its letter will appear in the archive.
	FormInProgress
)

// A repeated submission looks for the first one's outcome formPolls times,
// formPoll apart: five seconds in all.
const (
	formPolls = 50
	formPoll  = 100 * time.Millisecond
)

// CreateDraftOnce is CreateDraft for a form that carries an idempotency
// token: the same form sent twice (a double click, a resend after a slow
// answer) creates one letter. The first submission claims the token; a
// repeat waits up to five seconds for the first one's outcome and returns
// its letter id (FormRepeated), takes over the claim when the first was
// refused (and is validated afresh), or gives up (FormInProgress). A
// refused submission releases the token, so the corrected form, which
// carries the same token, can be sent again. Errors are CreateDraft's, and
// a *surat.ValidationError on "form_token" for a missing token.
func (s *Service) CreateDraftOnce(ctx context.Context, actor surat.Actor, villageID int64, token string, req Request) (int64, FormOutcome, error) {
	for range formPolls {
		existing, claimed, err := s.d.Store.ClaimLetterForm(ctx, villageID, actor.UserID, token)
		switch {
		case err != nil:
			return 0, 0, fmt.Errorf("issuance: claim letter form: %w", err)
		case existing != 0:
			return existing, FormRepeated, nil
		case claimed:
			l, err := s.CreateDraft(ctx, actor, villageID, req)
			if err != nil {
				if rerr := s.d.Store.ReleaseLetterForm(ctx, villageID, token); rerr != nil {
					return 0, 0, fmt.Errorf("issuance: release letter form: %w (after %w)", rerr, err)
				}
				return 0, 0, err
			}
			if err := s.d.Store.BindLetterForm(ctx, villageID, token, l.ID); err != nil {
				return 0, 0, fmt.Errorf("issuance: bind letter form: %w", err)
			}
			return l.ID, FormCreated, nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(formPoll):
		}
	}
	return 0, FormInProgress, nil
}
