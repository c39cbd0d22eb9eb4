package mandiri

import (
	"context"
	"fmt"
	"strings"

	"github.com/suratdesa/suratdesa/app/internal/store"
	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// OpenRequest is the clerk's "Proses": it turns the village's request under
// review into a letter draft prefilled from the resident's form, or, when
// the request already has a letter that is back in draft (after the
// resident's correction), refreshes that draft, and returns the letter's
// id. The request stays sedang diperiksa; it shows menunggu tanda tangan
// once the letter is submitted and siap diambil once it is signed.
//
// A request in any other status is a *surat.RequestStateError, also for
// the clerk who loses a race to open the same request (no letter is stored
// for them); a form the module's rules no longer accept (say, a resident
// whose data changed) is a *surat.ValidationError for the clerk to read
// before returning the request; another village's request is
// surat.ErrNotFound.
func (s *Service) OpenRequest(ctx context.Context, actor surat.Actor, villageID, id int64) (int64, error) {
	r, err := s.d.Store.RequestByID(ctx, villageID, id)
	if err != nil {
		return 0, err
	}
	if r.Effective != surat.RequestInReview {
		return 0, &surat.RequestStateError{From: r.Effective, Action: surat.RequestOpen}
	}
	f, err := r.Form()
	if err != nil {
		return 0, err
	}
	req := issuanceRequest(r.Module, f)
	if r.LetterID != nil {
		l, err := s.d.Store.LetterByID(ctx, villageID, *r.LetterID)
		if err != nil {
			return 0, err
		}
		if l.Status == surat.LetterDraft {
			if l, err = s.d.Issuance.UpdateDraft(ctx, actor, villageID, l.ID, l.Version, req); err != nil {
				return 0, err
			}
		}
		if _, err := s.d.Store.OpenRequest(ctx, actor, villageID, r.ID, l.ID); err != nil {
			return 0, err
		}
		return l.ID, nil
	}
	// The draft is stored in the same transaction that claims the request,
	// so a clerk who loses a race leaves no letter behind.
	l, err := s.d.Issuance.NewDraft(ctx, villageID, req)
	if err != nil {
		return 0, err
	}
	if _, err := s.d.Store.OpenRequestDraft(ctx, actor, villageID, r.ID, l); err != nil {
		return 0, err
	}
	return l.ID, nil
}

// ReturnRequest sends the village's request under review back to the
// resident as incomplete with the clerk's message saying what is missing.
// An empty or overlong message is a *surat.ValidationError on "message"; a
// request whose letter is already submitted or signed is a
// *surat.RequestStateError (return the letter to draft first).
func (s *Service) ReturnRequest(ctx context.Context, actor surat.Actor, villageID, id int64, message string) error {
	message = strings.TrimSpace(message)
	switch {
	case message == "":
		return &surat.ValidationError{Fields: map[string]string{"message": "Tuliskan apa yang perlu dilengkapi pemohon"}}
	case len([]rune(message)) > store.MaxRequestMessage:
		return &surat.ValidationError{Fields: map[string]string{"message": fmt.Sprintf(
			"Pesan paling banyak %d karakter", store.MaxRequestMessage)}}
	}
	_, err := s.d.Store.ReturnRequest(ctx, actor, villageID, id, message)
	return err
}

// CollectRequest records that the resident collected the signed letter on
// paper at the office: siap diambil becomes sudah diambil. It reports
// whether the request changed; a request already taken is left as it is.
// Any other status is a *surat.RequestStateError.
func (s *Service) CollectRequest(ctx context.Context, actor surat.Actor, villageID, id int64) (bool, error) {
	_, changed, err := s.d.Store.CollectRequest(ctx, actor, villageID, id)
	return changed, err
}
