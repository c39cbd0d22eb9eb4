package letters

import (
	"fmt"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Per-village settings of a module are surat.LetterSettings, stored by the
// store; letter numbers are formatted by surat.NumberFormat. This file only
// derives the defaults from the module file and applies the settings to a
// letter.

// DefaultSettings are what a village's settings form starts from: enabled,
// the module's klasifikasi as kode surat, the village's number format, the
// module's validity expressed in days (Validity.Days) and its online offer.
//
// ValidityDays means the same everywhere: in surat.LetterSettings, in the
// letter_settings table and in surat.LetterNumber, 0 (or no settings row)
// is "the module's own period" (Module.Validity, in calendar units: "1
// bulan" from 31 January ends on 28 February) and N > 0 is N days. A letter
// always has an end of validity. Until a village saves its settings, its
// letters use the calendar period; once saved, the day count it saved.
func (m *Module) DefaultSettings() surat.LetterSettings {
	return surat.LetterSettings{Module: m.Code, Enabled: true, KodeSurat: m.Klasifikasi,
		ValidityDays: m.Validity.Days(), Online: m.Online}
}

// Days is the period in days, counting a month as 30 days and a year as
// 365: the figure a settings form shows as the module's default when a
// village edits validity in days.
func (v Validity) Days() int {
	switch v.Unit {
	case "hari":
		return v.Count
	case "minggu":
		return 7 * v.Count
	case "bulan":
		return 30 * v.Count
	}
	return 365 * v.Count
}

// ValidUntil is the last day a letter issued on issued is valid. Without
// settings, or with ValidityDays 0, the module's own period applies in
// calendar units ("1 bulan" from 31 January is 28 February); otherwise the
// village's ValidityDays days.
//
// ok reports whether the letter expires. Every module file must declare a
// validity and no setting removes it, so ok is true for every letter today;
// it is kept so that callers (the signing step stores it as the letter's
// valid_until) already handle a letter type without an end date.
func (m *Module) ValidUntil(issued time.Time, s *surat.LetterSettings) (until time.Time, ok bool) {
	if s == nil || s.ValidityDays <= 0 {
		return m.Validity.Until(issued), true
	}
	return issued.AddDate(0, 0, s.ValidityDays), true
}

// ValidityText is the validity a village's letters of m have, as shown to
// clerks and residents: the module's period ("1 bulan") without settings or
// with ValidityDays 0, else "N hari" — the same reading as ValidUntil.
func (m *Module) ValidityText(s *surat.LetterSettings) string {
	if s == nil || s.ValidityDays <= 0 {
		return m.Validity.String()
	}
	return fmt.Sprintf("%d hari", s.ValidityDays)
}

// kodeSurat is the kode surat a letter prints: the village's, else the
// module's klasifikasi.
func (m *Module) kodeSurat(s *surat.LetterSettings) string {
	if s != nil && s.KodeSurat != "" {
		return s.KodeSurat
	}
	return m.Klasifikasi
}
