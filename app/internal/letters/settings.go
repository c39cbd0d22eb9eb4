package letters

import (
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Per-village settings of a module are surat.LetterSettings, stored by the
// store; letter numbers are formatted by surat.NumberFormat. This file only
// derives the defaults from the module file and applies the settings to a
// letter.

// DefaultSettings are the settings of a village that has changed nothing:
// enabled, the module's klasifikasi as kode surat, the village's number
// format, the module's validity in days (Validity.Days) and its online
// offer.
func (m *Module) DefaultSettings() surat.LetterSettings {
	return surat.LetterSettings{Module: m.Code, Enabled: true, KodeSurat: m.Klasifikasi,
		ValidityDays: m.Validity.Days(), Online: m.Online}
}

// Days is the period in days, counting a month as 30 days and a year as
// 365, for a settings form that edits validity in days.
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

// ValidUntil is the last day a letter issued on issued is valid, and false
// when it does not expire. With nil settings the module's own period
// applies in calendar units ("1 bulan" from 31 January is 3 March); with
// settings, ValidityDays days, and 0 means the letter does not expire.
func (m *Module) ValidUntil(issued time.Time, s *surat.LetterSettings) (time.Time, bool) {
	if s == nil {
		return m.Validity.Until(issued), true
	}
	if s.ValidityDays <= 0 {
		return time.Time{}, false
	}
	return issued.AddDate(0, 0, s.ValidityDays), true
}

// kodeSurat is the kode surat a letter prints: the village's, else the
// module's klasifikasi.
func (m *Module) kodeSurat(s *surat.LetterSettings) string {
	if s != nil && s.KodeSurat != "" {
		return s.KodeSurat
	}
	return m.Klasifikasi
}
