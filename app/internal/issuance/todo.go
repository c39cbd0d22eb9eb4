package issuance

import (
	"context"
	"errors"
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The to-do lists of "Menunggu Anda" (issue 18 §9): what waits for a clerk
// and for a signer.

// todoLimit bounds each list; the counts stay exact.
const todoLimit = surat.MaxSignBatch

// SignerWork is what waits for a signer: letters to verify (for the
// sekretaris desa), and the letters they sign that wait for their approval
// or their signature.
type SignerWork struct {
	// OfficialID is the official the signer signs as, 0 when their login is
	// linked to none.
	OfficialID int64
	Verifier   bool
	ToVerify   []surat.Letter
	// ToApprove are diajukan letters the signer signs, verified or not
	// needing verification: they are approved and signed in one step.
	ToApprove []surat.Letter
	ToSign    []surat.Letter
	// Others are open letters of the village the signer neither verifies
	// nor signs (other signers' queues), for reading.
	Others []surat.Letter
}

// Count is how many letters wait for the signer's action.
func (w *SignerWork) Count() int { return len(w.ToVerify) + len(w.ToApprove) + len(w.ToSign) }

// WorkOfSigner lists what waits for the actor, a penandatangan of the
// village.
func (s *Service) WorkOfSigner(ctx context.Context, actor surat.Actor, villageID int64) (*SignerWork, error) {
	w := &SignerWork{}
	official, err := s.signingOfficial(ctx, actor, villageID)
	switch {
	case errors.Is(err, ErrNotSigner):
	case err != nil:
		return nil, err
	default:
		w.OfficialID = official
	}
	if w.Verifier, err = s.IsVerifier(ctx, actor, villageID); err != nil {
		return nil, err
	}
	page, err := s.d.Store.ListLetters(ctx, villageID, store.LetterFilter{
		Statuses: []surat.LetterStatus{surat.LetterSubmitted, surat.LetterApproved}, PerPage: 100})
	if err != nil {
		return nil, fmt.Errorf("issuance: open letters: %w", err)
	}
	letters := page.Letters
	for p := 2; int64(len(letters)) < page.Total && len(letters) < 2*todoLimit; p++ {
		more, err := s.d.Store.ListLetters(ctx, villageID, store.LetterFilter{
			Statuses: []surat.LetterStatus{surat.LetterSubmitted, surat.LetterApproved}, PerPage: 100, Page: p})
		if err != nil {
			return nil, fmt.Errorf("issuance: open letters: %w", err)
		}
		if len(more.Letters) == 0 {
			break
		}
		letters = append(letters, more.Letters...)
	}
	rule, err := s.verificationRule(ctx, villageID)
	if err != nil {
		return nil, err
	}
	// Oldest first: the queue is served in order.
	for i := len(letters) - 1; i >= 0; i-- {
		l := letters[i]
		mine := w.OfficialID != 0 && l.SignerOfficialID != nil && *l.SignerOfficialID == w.OfficialID
		pending := l.Status == surat.LetterSubmitted && l.VerifiedAt == nil && rule.required(&l)
		switch {
		case pending && w.Verifier:
			w.ToVerify = append(w.ToVerify, l)
		case mine && l.Status == surat.LetterApproved:
			w.ToSign = append(w.ToSign, l)
		case mine && !pending:
			w.ToApprove = append(w.ToApprove, l)
		default:
			w.Others = append(w.Others, l)
		}
	}
	return w, nil
}

// verificationRule evaluates surat.VerificationRequired for many letters of
// one village with the settings read once.
type verificationRule struct {
	villageOn bool
	modules   map[string]surat.LetterSettings
	an        map[int64]bool // officials who sign a.n.
}

func (s *Service) verificationRule(ctx context.Context, villageID int64) (*verificationRule, error) {
	ws, err := s.d.Store.WorkflowSettings(ctx, villageID)
	if err != nil {
		return nil, err
	}
	mods, err := s.d.Store.LetterSettings(ctx, villageID)
	if err != nil {
		return nil, err
	}
	os, err := s.d.Store.Officials(ctx, villageID)
	if err != nil {
		return nil, err
	}
	r := &verificationRule{villageOn: ws.VerifySekdes, modules: mods, an: map[int64]bool{}}
	for _, o := range os {
		r.an[o.ID] = o.CanSignAN && !o.IsHead
	}
	return r, nil
}

func (r *verificationRule) required(l *surat.Letter) bool {
	an := l.SignerOfficialID != nil && r.an[*l.SignerOfficialID]
	return surat.VerificationRequired(r.villageOn, r.modules[l.Module].Verification, an)
}

// ClerkWork is what waits for a clerk: drafts a signer returned, and open
// letters whose signer cannot sign (no certificate, no login) and so need
// a new signer.
type ClerkWork struct {
	Returned   []surat.Letter
	NeedSigner []surat.Letter
	// Why says, by official id, why that signer cannot sign.
	Why map[int64]string
}

// WorkOfClerk lists what waits for the clerks of the village.
func (s *Service) WorkOfClerk(ctx context.Context, villageID int64) (*ClerkWork, error) {
	w := &ClerkWork{Why: map[int64]string{}}
	ret, err := s.d.Store.ListLetters(ctx, villageID, store.LetterFilter{Returned: true, PerPage: 100})
	if err != nil {
		return nil, fmt.Errorf("issuance: returned letters: %w", err)
	}
	w.Returned = ret.Letters
	states, err := s.SignerStates(ctx, villageID)
	if err != nil {
		return nil, err
	}
	var notReady []int64
	for _, st := range states {
		if !st.Ready() {
			w.Why[st.Official.ID] = st.Why()
			notReady = append(notReady, st.Official.ID)
		}
	}
	for _, id := range notReady {
		page, err := s.d.Store.ListLetters(ctx, villageID, store.LetterFilter{SignerOfficialID: id, PerPage: 100,
			Statuses: []surat.LetterStatus{surat.LetterDraft, surat.LetterSubmitted, surat.LetterApproved}})
		if err != nil {
			return nil, fmt.Errorf("issuance: letters of official %d: %w", id, err)
		}
		w.NeedSigner = append(w.NeedSigner, page.Letters...)
	}
	return w, nil
}
