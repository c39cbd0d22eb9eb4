package surat

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLetterTransitions(t *testing.T) {
	allowed := map[[2]LetterStatus]bool{
		{LetterDraft, LetterSubmitted}:    true,
		{LetterSubmitted, LetterApproved}: true,
		{LetterSubmitted, LetterDraft}:    true,
		{LetterApproved, LetterSigned}:    true,
		{LetterApproved, LetterDraft}:     true,
		{LetterSigned, LetterRevoked}:     true,
		{LetterSigned, LetterReplaced}:    true,
	}
	for _, from := range LetterStatuses() {
		for _, to := range LetterStatuses() {
			want := allowed[[2]LetterStatus{from, to}]
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s -> %s: got %v, want %v", from, to, got, want)
			}
			err := CheckTransition(1, from, to)
			if want != (err == nil) {
				t.Errorf("CheckTransition(%s, %s) = %v", from, to, err)
			}
			if err != nil {
				var te *TransitionError
				if !errors.As(err, &te) || !errors.Is(err, ErrInvalidTransition) || !errors.Is(err, ErrConflict) {
					t.Errorf("CheckTransition(%s, %s) = %#v, want a *TransitionError matching both sentinels", from, to, err)
				}
				if te.Message() == "" || strings.Contains(te.Message(), "%") {
					t.Errorf("message %q", te.Message())
				}
			}
		}
	}
	if LetterStatus("x").Valid() || !LetterSigned.Valid() {
		t.Error("Valid")
	}
	e := &TransitionError{From: LetterSigned, To: LetterSigned}
	if got, want := e.Message(), "Surat ini sudah berstatus Ditandatangani."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &TransitionError{From: LetterApproved, To: LetterSubmitted}
	if got, want := e.Message(), "Surat berstatus Disetujui tidak dapat diajukan."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNumberFormat(t *testing.T) {
	parts := NumberParts{KodeSurat: "470", KodeDesa: "3505122001", Seq: 7, Month: 11, Year: 2026}
	tests := []struct {
		pattern, want, series string
	}{
		{DefaultNumberFormat, "470/007/3505122001/XI/2026", "470/{n}/3505122001/{m}/{y}"},
		{"[kode_surat]/[nomor_surat, 3]/Ds.RS/[Tahun]", "470/007/Ds.RS/2026", "470/{n}/Ds.RS/{y}"},
		{"[kode_surat]/[nomor_surat]/PEM/[tahun]", "470/7/PEM/2026", "470/{n}/PEM/{y}"},
		{"[NOMOR_SURAT,4]/[BULAN_ROMAWI]/[TAHUN]", "0007/XI/2026", "{n}/{m}/{y}"},
	}
	for _, tt := range tests {
		f, err := ParseNumberFormat(tt.pattern)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if got := f.Format(parts); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.pattern, got, tt.want)
		}
		if got := f.Series("470", "3505122001"); got != tt.series {
			t.Errorf("%q series: got %q, want %q", tt.pattern, got, tt.series)
		}
	}
	f, _ := ParseNumberFormat(DefaultNumberFormat)
	if got := f.Format(NumberParts{KodeSurat: "470", KodeDesa: "1", Seq: 12345, Month: 1, Year: 2027}); got != "470/12345/1/I/2027" {
		t.Errorf("wide sequence: %q", got)
	}

	bad := map[string]string{
		"":                                                "wajib",
		"[kode_surat]/[tahun]":                            "[nomor_surat]",
		"[nomor_surat]/[nomor_surat]/[tahun]":             "tepat satu kali",
		"[nomor_surat]/[kode_desa]":                       "[tahun]",
		"[nomor_surat]/[tanggal]/[tahun]":                 "[tanggal] tidak dikenal",
		"[nomor_surat,0]/[tahun]":                         "1 sampai 10",
		"[nomor_surat,x]/[tahun]":                         "1 sampai 10",
		"[tahun,2]/[nomor_surat]":                         "tidak memakai angka",
		"[nomor_surat]/[tahun]/[":                         "Tanda [",
		strings.Repeat("x", 151) + "[nomor_surat][tahun]": "150",
	}
	for pattern, want := range bad {
		_, err := ParseNumberFormat(pattern)
		fields, ok := FieldErrors(err)
		if !ok || !strings.Contains(fields["number_format"], want) {
			t.Errorf("%q: got %v, want a number_format message with %q", pattern, err, want)
		}
	}

	long, _ := ParseNumberFormat(strings.Repeat("x", 80) + strings.Repeat("[kode_surat]", 4) + "[nomor_surat][tahun]")
	if s := long.Series(strings.Repeat("k", 30), "3505122001"); !strings.HasPrefix(s, "sha256:") || len(s) > 191 {
		t.Errorf("long series %q", s)
	}
}

func TestLetterTime(t *testing.T) {
	// 17:00 UTC on 31 December is midnight of 1 January in WIB.
	got := LetterTime(time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC))
	if got.Year() != 2027 || got.Month() != time.January || got.Day() != 1 || got.Hour() != 0 {
		t.Errorf("got %v", got)
	}
}

func TestLetterSettingsValidate(t *testing.T) {
	good := LetterSettings{Module: "sk_domisili", Enabled: true, KodeSurat: " 400.12.2.1 ", ValidityDays: 30}
	if err := good.Validate(); err != nil || good.KodeSurat != "400.12.2.1" {
		t.Errorf("good settings: %v (%q)", err, good.KodeSurat)
	}
	bad := LetterSettings{Module: "SK domisili", KodeSurat: "470_PEM", NumberFormat: "[nomor_surat]", ValidityDays: -1}
	fields, ok := FieldErrors(bad.Validate())
	for _, f := range []string{"module", "kode_surat", "number_format", "validity_days"} {
		if !ok || fields[f] == "" {
			t.Errorf("no message for %s: %v", f, fields)
		}
	}
}

func TestLetterValidateDraft(t *testing.T) {
	l := Letter{Module: "sk_domisili"}
	if err := l.ValidateDraft(); err != nil || l.FormData != "{}" {
		t.Errorf("empty form data: %v %q", err, l.FormData)
	}
	for _, fd := range []string{"[]", "null", "{", `"x"`} {
		l := Letter{Module: "sk_domisili", FormData: fd}
		if fields, ok := FieldErrors(l.ValidateDraft()); !ok || fields["form_data"] == "" {
			t.Errorf("form data %q accepted", fd)
		}
	}
	if fields, ok := FieldErrors((&Letter{Module: "../etc"}).ValidateDraft()); !ok || fields["module"] == "" {
		t.Error("bad module accepted")
	}
	if fields, ok := FieldErrors(ValidateReason("reason", "  ")); !ok || fields["reason"] == "" {
		t.Error("blank reason accepted")
	}
}
