package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// NumberQuery finds a letter by what is printed on it, for someone who has
// the paper but cannot scan its QR code: its number and date, and the
// issuing village when the deployment serves several.
type NumberQuery struct {
	// VillageCode is the kode desa; "" when the deployment has one village.
	VillageCode string
	// Number as printed, e.g. "470/001/3505122001/XI/2026"; spaces and
	// case do not matter.
	Number string
	// Date is the letter's date (year, month, day; the time is ignored).
	Date time.Time
}

// maxNumberInput bounds a typed letter number (the column holds 255).
const maxNumberInput = 100

// FindByNumber returns the verification code of the signed (or since
// revoked or replaced) letter with q's number and date, whose page then
// says everything else. The number and the date must both be right: a
// letter with that number but another date is not found, so that numbers,
// which follow each other, cannot be walked through without knowing the
// dates.
//
// Errors: a *surat.ValidationError on "nomor", "tanggal" or "desa" (a
// village is required when there are several), surat.ErrNotFound when no
// letter fits (the same for a wrong number, date or village); other errors
// are the database's.
func (s *Service) FindByNumber(ctx context.Context, q NumberQuery) (string, error) {
	p := surat.Problems{}
	number := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, q.Number)
	switch {
	case number == "":
		p.Add("nomor", "Nomor surat wajib diisi")
	case len([]rune(number)) > maxNumberInput:
		p.Add("nomor", "Nomor surat terlalu panjang")
	}
	if q.Date.IsZero() {
		p.Add("tanggal", "Tanggal surat wajib diisi")
	}
	villages, err := s.Villages(ctx)
	if err != nil {
		return "", err
	}
	var villageCode string
	switch {
	case q.VillageCode != "":
		villageCode = q.VillageCode
	case len(villages) == 1:
		villageCode = villages[0].Code
	default:
		p.Add("desa", "Pilih desa yang menerbitkan surat")
	}
	if err := p.Err(); err != nil {
		return "", err
	}
	v, err := s.store.VillageByCode(ctx, villageCode)
	if err != nil {
		return "", fmt.Errorf("verify: village of number lookup: %w", err)
	}
	code, issued, err := s.store.PublicCodeByNumber(ctx, v.ID, number)
	if errors.Is(err, surat.ErrNotFound) && strings.ToUpper(number) != number {
		// Roman months are printed in capitals: "xi" typed is "XI".
		code, issued, err = s.store.PublicCodeByNumber(ctx, v.ID, strings.ToUpper(number))
	}
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	if got, want := surat.LetterTime(issued).Format(time.DateOnly), q.Date.Format(time.DateOnly); got != want {
		return "", fmt.Errorf("verify: letter %s is not dated %s: %w", number, want, surat.ErrNotFound)
	}
	return code, nil
}
