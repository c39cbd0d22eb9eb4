package surat

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var monthNames = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

var dayNames = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}

var romanMonths = [...]string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

// MonthName is the Indonesian name of m ("Januari" ... "Desember"), or ""
// for a value outside 1-12.
func MonthName(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return monthNames[m-1]
}

// DayName is the Indonesian name of d ("Minggu" ... "Sabtu").
func DayName(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return ""
	}
	return dayNames[d]
}

// RomanMonth is m in Roman numerals ("I" ... "XII"), as letter numbers print
// the month; "" for a value outside 1-12.
func RomanMonth(m time.Month) string {
	if m < time.January || m > time.December {
		return ""
	}
	return romanMonths[m-1]
}

// FormatDate prints t the way Indonesian letters do: "23 November 2026".
// The zero time prints as "".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, m, d := t.Date()
	b := make([]byte, 0, 20)
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, ' ')
	b = append(b, MonthName(m)...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(y), 10)
	return string(b)
}

// AgeOn is the age in whole years of someone born on birth, on day at.
// It is 0 for a zero birth date or a birth after at.
func AgeOn(birth, at time.Time) int {
	if birth.IsZero() || birth.After(at) {
		return 0
	}
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		age--
	}
	return age
}

// ParseDate reads a date typed in a form: "2006-01-02" (HTML date input),
// "02-01-2006" or "02/01/2006". The result is midnight UTC.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02-01-2006", "02/01/2006", "2-1-2006", "2/1/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("tanggal %q tidak dikenali; gunakan format HH-BB-TTTT", s)
}
