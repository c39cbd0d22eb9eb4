package surat

import (
	"fmt"
	"strconv"
	"time"
)

// NIKInfo is what a Nomor Induk Kependudukan encodes: the region where it was
// issued (digits 1-6), the holder's birth date (7-12, with 40 added to the day
// for women) and a serial (13-16).
type NIKInfo struct {
	Region    string
	BirthDate time.Time
	Sex       int
}

// ValidateDigits16 checks that s is exactly sixteen ASCII digits, the shape
// shared by NIK and No. KK. It returns an Indonesian message, or "" when valid.
func ValidateDigits16(s, what string) string {
	if len(s) != 16 {
		return fmt.Sprintf("%s harus 16 digit angka (sekarang %d karakter)", what, len([]rune(s)))
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Sprintf("%s hanya boleh berisi angka", what)
		}
	}
	return ""
}

// ParseNIK checks a NIK's shape and its date part and returns what it
// encodes. The error message is Indonesian and meant for the clerk.
func ParseNIK(nik string) (NIKInfo, error) {
	if msg := ValidateDigits16(nik, "NIK"); msg != "" {
		return NIKInfo{}, fmt.Errorf("%s", msg)
	}
	if nik[:6] == "000000" {
		return NIKInfo{}, fmt.Errorf("kode wilayah NIK (digit 1-6) tidak boleh 000000")
	}
	day, _ := strconv.Atoi(nik[6:8])
	month, _ := strconv.Atoi(nik[8:10])
	yy, _ := strconv.Atoi(nik[10:12])
	sex := SexMale
	if day > 40 {
		day -= 40
		sex = SexFemale
	}
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return NIKInfo{}, fmt.Errorf("tanggal lahir dalam NIK (digit 7-12) bukan tanggal yang benar")
	}
	// The year has two digits; the same two digits in two centuries are
	// resolved later against the recorded birth date. Here any century gives
	// the same validity except 29 February, so test it in a leap century.
	d := time.Date(2000+yy, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if d.Day() != day {
		return NIKInfo{}, fmt.Errorf("tanggal lahir dalam NIK (digit 7-12) bukan tanggal yang benar")
	}
	return NIKInfo{Region: nik[:6], BirthDate: d, Sex: sex}, nil
}

// NIKWarnings compares a valid NIK with the recorded birth date and sex and
// returns Indonesian warnings for the clerk. A mismatch is not an error: real
// registers hold NIKs issued with mistakes, but the clerk must see it.
func NIKWarnings(nik string, birthDate time.Time, sex int) []string {
	info, err := ParseNIK(nik)
	if err != nil {
		return nil
	}
	var w []string
	if !birthDate.IsZero() {
		if birthDate.Day() != info.BirthDate.Day() || birthDate.Month() != info.BirthDate.Month() ||
			birthDate.Year()%100 != info.BirthDate.Year()%100 {
			w = append(w, fmt.Sprintf("Tanggal lahir dalam NIK (%s) berbeda dengan tanggal lahir tercatat (%s).",
				info.BirthDate.Format("02-01-")+nik[10:12], birthDate.Format("02-01-2006")))
		}
	}
	if sex == SexMale || sex == SexFemale {
		if sex != info.Sex {
			w = append(w, fmt.Sprintf("NIK menunjukkan jenis kelamin %s, tetapi tercatat %s.",
				Sex.Label(info.Sex), Sex.Label(sex)))
		}
	}
	return w
}
