package issuance

import (
	"context"
	"errors"
	"fmt"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// NewResidentFromLetter is the register record that a signed letter of the
// village offers to add: the person its module's new_resident names (the
// newborn of an SK Kelahiran, typed without NIK), pre-filled from the
// letter for the resident form, in the KK of the mother or father when
// they are residents. Nothing is stored; the clerk completes the NIK once
// Dukcapil issues it and saves the form.
//
// surat.ErrNotFound when the letter does not exist in the village, is not
// signed, its module offers no new resident, or the person is already a
// resident. A letter whose residents have since left the register is a
// *surat.ValidationError.
func (s *Service) NewResidentFromLetter(ctx context.Context, villageID, letterID int64) (*surat.Resident, error) {
	l, err := s.d.Store.LetterByID(ctx, villageID, letterID)
	if err != nil {
		return nil, fmt.Errorf("issuance: letter %d: %w", letterID, err)
	}
	m, err := s.LetterModule(ctx, villageID, l)
	if err != nil && !errors.Is(err, surat.ErrNotFound) {
		return nil, err
	}
	if l.Status != surat.LetterSigned || m == nil || !m.OffersNewResident() {
		return nil, fmt.Errorf("issuance: letter %d offers no new resident: %w", letterID, surat.ErrNotFound)
	}
	p, err := s.prepareLetter(ctx, villageID, l)
	if err != nil {
		return nil, err
	}
	in := p.in
	in.Date = surat.LetterTime(s.d.Now())
	if l.IssuedAt != nil {
		in.Date = surat.LetterTime(*l.IssuedAt)
	}
	if l.Number != nil {
		in.Number = *l.Number
	}
	r, ok, err := m.NewResident(in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("issuance: letter %d: its person is already a resident: %w", letterID, surat.ErrNotFound)
	}
	r.VillageID = villageID
	return r, nil
}
