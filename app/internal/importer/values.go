package importer

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// cleanText trims spaces (including no-break and zero-width ones), the
// apostrophe Excel users type to force text, and treats a lone "-" as empty,
// as OpenSID's import does.
func cleanText(s string) string {
	s = strings.TrimFunc(s, isSpace)
	s = strings.TrimPrefix(s, "'")
	s = strings.TrimFunc(s, isSpace)
	if s == "-" {
		return ""
	}
	return s
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u200b', '\u200c', '\u200d', '\ufeff', '\u2007', '\u202f':
		return true
	}
	return false
}

// collapseSpaces turns any run of white space into one space.
func collapseSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

const lostDigits = "tersimpan sebagai angka di Excel sehingga digit terakhir hilang; format kolom sebagai Teks lalu ketik ulang"

// parseNumber16 reads a NIK or No. KK cell. what is "NIK" or "Nomor KK".
// Excel keeps 15 significant digits of a number, so a 16-digit number typed
// into a General cell is saved with its last digit turned to 0 (and shown as
// 3,50512E+15). Such a value can never be trusted: a numeric cell holding 16
// digits ending in 0, or a value in exponent form, is refused with a message
// telling the clerk to format the column as text. A numeric cell with a
// non-zero last digit was written exactly by another program and is kept.
func parseNumber16(c cell, what string) (string, string) {
	s := cleanText(c.text)
	if s == "" {
		return "", ""
	}
	compact := strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	if looksExponent(compact) {
		return "", what + " " + lostDigits
	}
	if c.numeric {
		digits := compact
		if !isDigits(digits) {
			f, ok := new(big.Float).SetString(compact)
			if !ok {
				return compact, ""
			}
			digits = f.Text('f', 0)
		}
		if len(digits) == 16 && digits[15] == '0' || len(digits) > 16 {
			return "", what + " " + lostDigits
		}
		if len(digits) < 16 {
			return digits, fmt.Sprintf("%s harus 16 digit angka (sekarang %d digit; kolom tersimpan sebagai angka di Excel — format kolom sebagai Teks)", what, len(digits))
		}
		return digits, ""
	}
	return compact, ""
}

// looksExponent reports whether s is a number in exponent form such as
// 3.50512E+15 or 3,50512E+15 (the comma of an Indonesian Excel).
func looksExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	mant, exp := s[:i], strings.TrimPrefix(s[i+1:], "+")
	mant = strings.Replace(mant, ",", ".", 1)
	if _, err := strconv.ParseFloat(mant, 64); err != nil {
		return false
	}
	return isDigits(exp)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dateLayouts are the written date forms accepted, day first as in
// Indonesia. ISO first so 2006-01-02 is never read as a day.
var dateLayouts = []string{"2006-1-2", "2006/1/2", "2-1-2006", "2/1/2006", "2.1.2006"}

var monthNames = map[string]time.Month{
	"januari": 1, "jan": 1, "january": 1,
	"februari": 2, "feb": 2, "pebruari": 2, "peb": 2, "february": 2,
	"maret": 3, "mar": 3, "march": 3,
	"april": 4, "apr": 4,
	"mei": 5, "may": 5,
	"juni": 6, "jun": 6, "june": 6,
	"juli": 7, "jul": 7, "july": 7,
	"agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "okt": 10, "oct": 10, "october": 10,
	"november": 11, "nov": 11, "nopember": 11, "nop": 11,
	"desember": 12, "des": 12, "dec": 12, "december": 12,
}

// parseDate reads a date cell: an Excel date serial (a numeric cell), an ISO
// date-time cell, or text as YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY, DD.MM.YYYY
// or "17 Agustus 1945". A time part after the date is ignored. The result is
// midnight UTC. what names the field for the message.
func parseDate(c cell, date1904 bool, what string) (time.Time, string) {
	s := cleanText(c.text)
	if s == "" {
		return time.Time{}, ""
	}
	bad := fmt.Sprintf("%s %q tidak dikenali; tulis sebagai DD-MM-YYYY (mis. 17-08-1980) atau YYYY-MM-DD", what, s)
	if c.numeric {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, bad
		}
		d, ok := excelSerial(f, date1904)
		if !ok {
			return time.Time{}, bad
		}
		return d, ""
	}
	if i := strings.IndexAny(s, " T"); i >= 8 && (s[i] == 'T' || strings.Contains(s[i:], ":")) {
		s = s[:i] // 1980-01-15 00:00:00 or 1980-01-15T00:00:00Z
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, ""
		}
	}
	if parts := strings.Fields(s); len(parts) == 3 {
		day, err1 := strconv.Atoi(parts[0])
		year, err2 := strconv.Atoi(parts[2])
		month, ok := monthNames[strings.ToLower(strings.TrimSuffix(parts[1], "."))]
		if err1 == nil && err2 == nil && ok && year >= 1000 {
			t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
			if t.Day() == day {
				return t, ""
			}
		}
	}
	return time.Time{}, bad
}

// excelSerial converts an Excel date serial to a date. Excel counts days from
// 1899-12-31 as day 1 and wrongly treats 1900 as a leap year (serial 60 is
// 29 February 1900, a day that never was); workbooks with the 1904 date
// system count from 1904-01-01 as day 0.
func excelSerial(f float64, date1904 bool) (time.Time, bool) {
	days := math.Floor(f)
	if days < 1 || days > 2958465 { // 9999-12-31
		return time.Time{}, false
	}
	n := int(days)
	if date1904 {
		return time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), true
	}
	switch {
	case n == 60:
		return time.Time{}, false
	case n < 60:
		return time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), true
	default:
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n), true
	}
}

// enumAliases are the other spellings found in real registers, Dukcapil
// (SIAK) exports and OpenSID's import (Import_model's kode tambahan), keyed by
// normLabel.
var enumAliases = map[string]map[string]int{
	surat.Sex.Name: {
		"L": 1, "LK": 1, "LAKI": 1, "LAKI LAKI": 1, "LAKI2": 1, "PRIA": 1, "MALE": 1,
		"P": 2, "PR": 2, "WANITA": 2, "FEMALE": 2,
	},
	surat.Religion.Name: {
		"PROTESTAN": 2, "KRISTEN PROTESTAN": 2, "KATOLIK": 3, "KRISTEN KATOLIK": 3, "KATHOLIK": 3,
		"BUDDHA": 5, "KONGHUCU": 6, "KONG HU CU": 6, "KHONG HU CU": 6,
		"KEPERCAYAAN": 7, "KEPERCAYAAN TERHADAP TUHAN YME": 7, "KEPERCAYAAN TERHADAP TUHAN YANG MAHA ESA": 7, "LAINNYA": 7,
	},
	surat.MaritalStatus.Name: {
		"BK": 1, "K": 2, "CH": 3, "CM": 4, "BELUM MENIKAH": 1, "MENIKAH": 2,
		"KAWIN TERCATAT": 2, "KAWIN BELUM TERCATAT": 2, "KAWIN TIDAK TERCATAT": 2,
	},
	surat.FamilyRelation.Name: {
		"KEPALA": 1, "KK": 1, "KEPALA KK": 1, "ORANG TUA": 7, "FAMILI": 9, "FAMILI LAINNYA": 9,
	},
	surat.Education.Name: {
		"TIDAK/BLM SEKOLAH": 1, "TIDAK/BELUM SEKOLAH": 1, "BELUM SEKOLAH": 1, "TIDAK SEKOLAH": 1,
		"TIDAK TAMAT SD/SEDERAJAT": 2, "BELUM TAMAT SD": 2, "TIDAK TAMAT SD": 2,
		"SD": 3, "TAMAT SD": 3, "SD/SEDERAJAT": 3, "SLTP": 4, "SMP": 4, "SMP/SEDERAJAT": 4,
		"SLTA": 5, "SMA": 5, "SMK": 5, "SMA/SEDERAJAT": 5, "D1": 6, "D2": 6, "D-I": 6, "D-II": 6,
		"AKADEMI/DIPLOMA III/SARJANA MUDA": 7, "D3": 7, "D-III": 7, "DIPLOMA III": 7,
		"D4": 8, "S1": 8, "DIPLOMA IV/STRATA I": 8, "STRATA I": 8,
		"S2": 9, "STRATA-II": 9, "S3": 10, "STRATA-III": 10,
	},
	surat.Occupation.Name: {
		"TIDAK BEKERJA": 1, "BELUM BEKERJA": 1, "IRT": 2, "PELAJAR": 3, "MAHASISWA": 3,
		"PNS": 5, "TNI": 6, "POLRI": 7, "PETANI": 9, "PEKEBUN": 9, "NELAYAN": 11,
		"BURUH TANI": 20, "SWASTA": 15,
	},
	surat.Citizenship.Name: {"INDONESIA": 1, "WARGA NEGARA INDONESIA": 1, "ASING": 2, "WARGA NEGARA ASING": 2},
	surat.BloodType.Name:   {"TIDAK DIKETAHUI": 13, "TDK TAHU": 13},
	surat.LifeStatus.Name: {
		"MENINGGAL": 2, "MENINGGAL DUNIA": 2, "WAFAT": 2,
		"PINDAH DALAM NEGERI": 3, "PINDAH LUAR NEGERI": 3, "PINDAH KELUAR": 3,
	},
}

// normLabel matches surat.Enum.Lookup's normalization: upper case, single
// spaces, no spaces around slashes.
func normLabel(s string) string {
	s = strings.ToUpper(collapseSpaces(s))
	s = strings.ReplaceAll(s, " /", "/")
	return strings.ReplaceAll(s, "/ ", "/")
}

// parseEnum reads an enumeration cell as OpenSID's numeric id or as a label.
// An empty cell gives 0 (the register's rules decide whether that is
// allowed).
func parseEnum(e *surat.Enum, c cell, what string) (int, string) {
	s := cleanText(c.text)
	if s == "" {
		return 0, ""
	}
	if isDigits(s) || (c.numeric && strings.HasSuffix(s, ".0")) {
		id, err := strconv.Atoi(strings.TrimSuffix(s, ".0"))
		if err == nil && e.Valid(id) {
			return id, ""
		}
		return 0, fmt.Sprintf("kode %s %s tidak dikenal (%s)", what, s, enumCodes(e))
	}
	if id, ok := e.Lookup(s); ok {
		return id, ""
	}
	if id, ok := enumAliases[e.Name][normLabel(s)]; ok {
		return id, ""
	}
	return 0, fmt.Sprintf("%s %q tidak dikenal (%s)", what, s, enumCodes(e))
}

// enumCodes describes the accepted values briefly, e.g. "isi kode 1-7 atau
// nama seperti ISLAM".
func enumCodes(e *surat.Enum) string {
	lo, hi := e.Options[0].ID, e.Options[len(e.Options)-1].ID
	return fmt.Sprintf("isi kode %d-%d atau nama seperti %s", lo, hi, e.Options[0].Label)
}

// cleanArea normalizes RT and RW: Excel turns 001 into the number 1, so
// numbers of up to three digits are written with three, as on KK cards.
func cleanArea(s string) string {
	s = cleanText(s)
	if isDigits(s) && len(s) < 3 {
		return strings.Repeat("0", 3-len(s)) + s
	}
	return s
}

// cleanDusun drops a "Dusun " prefix (the letter prints "Dusun <name>"
// itself) and OpenSID's underscores.
func cleanDusun(s string) string {
	s = collapseSpaces(strings.ReplaceAll(cleanText(s), "_", " "))
	if len(s) > 6 && strings.EqualFold(s[:6], "dusun ") {
		s = strings.TrimSpace(s[6:])
	}
	return s
}

// cleanPhone restores the leading 0 Excel drops from a phone number stored
// as a number (812... for 0812...).
func cleanPhone(c cell) string {
	s := cleanText(c.text)
	if c.numeric && isDigits(s) && strings.HasPrefix(s, "8") && len(s) >= 8 && len(s) <= 13 {
		return "0" + s
	}
	return s
}
