package letters

import (
	"strings"
	"testing"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

func TestSettings(t *testing.T) {
	c := shipped(t)
	m := c.Module("sk_usaha")
	s := m.DefaultSettings()
	if !s.Enabled || s.KodeSurat != "500" || !s.Online || s.NumberFormat != "" || s.ValidityDays != 30 || s.Module != "sk_usaha" {
		t.Errorf("defaults %+v", s)
	}
	for _, m := range c.Modules() {
		s := m.DefaultSettings()
		if err := s.Validate(); err != nil {
			t.Errorf("%s: default settings rejected by surat.LetterSettings.Validate: %v", m.Code, err)
		}
	}

	text := func(s *surat.LetterSettings) string {
		in := Demo(m, testNow)
		in.Settings = s
		doc, err := c.Build(in)
		if err != nil {
			t.Fatal(err)
		}
		return PlainText(doc)
	}
	// The village's validity reaches the letter.
	s.ValidityDays = 7
	if got := text(&s); !strings.Contains(got, "berlaku sampai dengan 30 November 2026") {
		t.Errorf("validity override not printed:\n%s", got)
	}
	// 0 is the module's own period (sk_usaha: 1 bulan), as with no settings.
	s.ValidityDays = 0
	if got := text(&s); !strings.Contains(got, "berlaku sampai dengan 23 Desember 2026") {
		t.Errorf("ValidityDays 0 does not use the module's period:\n%s", got)
	}
	if got, want := text(&s), text(nil); got != want {
		t.Errorf("ValidityDays 0 differs from no settings:\n%s\n---\n%s", got, want)
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{
		0: "nol", 1: "satu", 11: "sebelas", 12: "dua belas", 19: "sembilan belas", 20: "dua puluh",
		21: "dua puluh satu", 100: "seratus", 110: "seratus sepuluh", 999: "sembilan ratus sembilan puluh sembilan",
		1000: "seribu", 1500: "seribu lima ratus", 2000: "dua ribu", 100000: "seratus ribu",
		1500000: "satu juta lima ratus ribu", 18500000: "delapan belas juta lima ratus ribu",
		2000000000: "dua miliar", 1000000000000: "satu triliun",
	} {
		if got := terbilang(n); got != want {
			t.Errorf("terbilang(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "Rp 0", 999: "Rp 999", 1000: "Rp 1.000", 1500000: "Rp 1.500.000"} {
		if got := FormatRupiah(n); got != want {
			t.Errorf("FormatRupiah(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]int64{"1500000": 1500000, "1.500.000": 1500000, "Rp 1.500.000": 1500000,
		"Rp1.500.000,00": 1500000, "rp. 750.000,-": 750000} {
		if got, ok := parseAmount(in, true); !ok || got != want {
			t.Errorf("parseAmount(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"1,5 juta", "1.50.000", "-5", "Rp", "12345678901234567"} {
		if _, ok := parseAmount(in, true); ok {
			t.Errorf("parseAmount(%q) accepted", in)
		}
	}
	for in, want := range map[string]string{"Persyaratan kerja": "persyaratan kerja", "KPR subsidi": "KPR subsidi",
		"x": "x", "": "", "Éclair": "éclair"} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"Selesai..": "Selesai.", "Tunggu...": "Tunggu...",
		"Tanpa titik": "Tanpa titik.", "Sebagai berikut:": "Sebagai berikut:", "a.. b": "a. b.",
		"Dan lain-lain... lalu..": "Dan lain-lain... lalu."} {
		if got := tidyParagraph(in); got != want {
			t.Errorf("tidyParagraph(%q) = %q, want %q", in, got, want)
		}
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		birth time.Time
		want  string
	}{{day(2026, 11, 14), "9 hari"}, {day(2026, 8, 23), "3 bulan"}, {day(2026, 8, 24), "2 bulan"},
		{day(2025, 11, 23), "1 tahun"}, {day(2026, 11, 24), ""}} {
		if got := ageText(tt.birth, testNow); got != tt.want {
			t.Errorf("ageText(%v) = %q, want %q", tt.birth, got, tt.want)
		}
	}
}

func TestRelativeDemoDates(t *testing.T) {
	for in, want := range map[string]time.Time{
		"hari ini": testNow, "-3 hari": testNow.AddDate(0, 0, -3), "+2 minggu": testNow.AddDate(0, 0, 14),
		"-1 bulan": testNow.AddDate(0, -1, 0), "-5 tahun": testNow.AddDate(-5, 0, 0),
	} {
		if got, ok := relativeDate(in, testNow); !ok || !got.Equal(want) {
			t.Errorf("relativeDate(%q) = %v, %v", in, got, ok)
		}
	}
	for _, in := range []string{"3 hari", "-3 jam", "2026-01-01", "besok"} {
		if _, ok := relativeDate(in, testNow); ok {
			t.Errorf("relativeDate(%q) accepted", in)
		}
	}
}
