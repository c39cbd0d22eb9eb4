package store

import (
	"context"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// RequestCounts counts the village's resident requests by the status they
// show (surat.DeriveRequestStatus), for the dashboard.
func (s *Store) RequestCounts(ctx context.Context, villageID int64) (map[surat.RequestStatus]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.db.WithContext(ctx).Table("letter_requests AS r").
		Select(effectiveStatusSQL+" AS status, COUNT(*) AS n").
		Joins("LEFT JOIN letters AS l ON l.id = r.letter_id AND l.village_id = r.village_id").
		Where("r.village_id = ?", villageID).
		Group(effectiveStatusSQL).Scan(&rows).Error
	if err != nil {
		return nil, translate("request counts", err)
	}
	counts := make(map[surat.RequestStatus]int64, len(rows))
	for _, r := range rows {
		counts[surat.RequestStatus(r.Status)] = r.N
	}
	return counts, nil
}
