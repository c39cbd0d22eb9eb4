package store

import (
	"context"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// EffectiveStatusSQL evaluates effectiveStatusSQL for a request stored with
// status whose linked letter has letter ("" for a request without one,
// which the LEFT JOIN leaves NULL).
func (s *Store) EffectiveStatusSQL(ctx context.Context, status surat.RequestStatus, letter surat.LetterStatus) (surat.RequestStatus, error) {
	var got string
	err := s.db.WithContext(ctx).Raw("SELECT "+effectiveStatusSQL+" FROM (SELECT ? AS status) AS r "+
		"LEFT JOIN (SELECT ? AS status) AS l ON ?", string(status), string(letter), letter != "").Row().Scan(&got)
	return surat.RequestStatus(got), err
}
