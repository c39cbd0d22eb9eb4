package surat

import (
	"testing"
	"time"
)

func TestIndonesianDates(t *testing.T) {
	d := time.Date(2026, 11, 23, 15, 4, 0, 0, time.UTC)
	if got := FormatDate(d); got != "23 November 2026" {
		t.Errorf("FormatDate = %q", got)
	}
	if got := DayName(d.Weekday()); got != "Senin" {
		t.Errorf("DayName = %q", got)
	}
	if got := FormatDate(time.Time{}); got != "" {
		t.Errorf("zero date = %q", got)
	}
	// A one-digit day and a short year print as written, unpadded.
	if got := FormatDate(time.Date(987, 1, 5, 0, 0, 0, 0, time.UTC)); got != "5 Januari 987" {
		t.Errorf("FormatDate = %q", got)
	}
	// Letters are dated in WIB: 18:00 UTC on 31 December is 1 January.
	if got := FormatDate(LetterTime(time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC))); got != "1 Januari 2027" {
		t.Errorf("FormatDate(LetterTime) = %q", got)
	}
	want := []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}
	months := []string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
		"September", "Oktober", "November", "Desember"}
	for m := time.January; m <= time.December; m++ {
		if got := RomanMonth(m); got != want[m-1] {
			t.Errorf("RomanMonth(%d) = %q", m, got)
		}
		if got := MonthName(m); got != months[m-1] {
			t.Errorf("MonthName(%d) = %q", m, got)
		}
	}
	if RomanMonth(0) != "" || RomanMonth(13) != "" || MonthName(13) != "" {
		t.Error("out-of-range month named")
	}
}

func TestAgeOn(t *testing.T) {
	birth := time.Date(1980, 2, 29, 0, 0, 0, 0, time.UTC)
	for at, want := range map[time.Time]int{
		time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC): 45,
		time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC):  46,
		time.Date(1979, 1, 1, 0, 0, 0, 0, time.UTC):  0,
	} {
		if got := AgeOn(birth, at); got != want {
			t.Errorf("AgeOn(%v) = %d, want %d", at, got, want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(1980, 1, 15, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"1980-01-15", "15-01-1980", "15/01/1980", " 15/1/1980 "} {
		if got, err := ParseDate(s); err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "31-02-1980", "1980/01/15", "kemarin"} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
}

func TestPersonValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	p := Problems{}
	(&Person{NIK: "123", BirthDate: now.AddDate(0, 0, 1), Sex: 9}).Validate(p, "subject.saksi", now)
	for _, k := range []string{"subject.saksi.nik", "subject.saksi.nama", "subject.saksi.tanggal_lahir",
		"subject.saksi.jenis_kelamin"} {
		if p[k] == "" {
			t.Errorf("no message for %s: %v", k, p)
		}
	}
	p = Problems{}
	(&Person{Name: "Sukardi"}).Validate(p, "x", now)
	if len(p) != 0 {
		t.Errorf("a name alone is a valid identity: %v", p)
	}
}
