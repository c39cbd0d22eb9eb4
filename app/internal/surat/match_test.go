package surat

import (
	"strings"
	"testing"
)

func TestNormalizeMatchName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Sulastri Widya Ningrum", "sulastri widya ningrum", true},
		{"  SULASTRI   widya-ningrum. ", "sulastri widya ningrum", true},
		{"Siti Ma'rufah, S.Pd.", "siti ma rufah s pd", true},
		{"Ni Luh Putu Ayu", "ni luh putu ayu", true},
		{"Agus\tPratama\n", "agus pratama", true},
		{"Ğülşen Öztürk", "ğülşen öztürk", true},
		{"", "", false},
		{"  .,- ", "", false},
		{"12345", "", false},
		{strings.Repeat("a", 101), "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeMatchName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeMatchName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeMatchNIK(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"3505125708850003", "3505125708850003", true},
		{"3505 1257 0885 0003", "3505125708850003", true},
		{"35.05.12.570885.0003", "3505125708850003", true},
		{"3505-1257-0885-0003", "3505125708850003", true},
		{"350512570885000", "", false},
		{"35051257088500031", "", false},
		{"3505125708850O03", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeMatchNIK(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeMatchNIK(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestMatchKey: digests depend on the secret, the kind and the letter, so
// the stored table links nobody across letters and a changed secret is
// recognised by its key id.
func TestMatchKey(t *testing.T) {
	if NewMatchKey("") != nil {
		t.Error("an empty secret made a key")
	}
	a, b := NewMatchKey("secret-one-0123456789abcdefghijkl"), NewMatchKey("secret-two-0123456789abcdefghijkl")
	if a.ID() == b.ID() || len(a.ID()) != 16 {
		t.Errorf("key ids %q and %q", a.ID(), b.ID())
	}
	if NewMatchKey("secret-one-0123456789abcdefghijkl").ID() != a.ID() {
		t.Error("the same secret gives another key id")
	}
	nik := "3505125708850003"
	d := a.Digest(MatchNIK, 7, nik)
	for name, other := range map[string]string{
		"other secret": b.Digest(MatchNIK, 7, nik),
		"other letter": a.Digest(MatchNIK, 8, nik),
		"other kind":   a.Digest(MatchName, 7, nik),
		"other value":  a.Digest(MatchNIK, 7, "3505125708850004"),
	} {
		if other == d {
			t.Errorf("%s gives the same digest", name)
		}
	}
	if d != a.Digest(MatchNIK, 7, nik) || len(d) != 64 || strings.Contains(d, nik) {
		t.Errorf("digest %q", d)
	}
	if p := a.Pseudonym("client", "192.0.2.1"); len(p) != 32 || strings.Contains(p, "192") || p == a.Pseudonym("client", "192.0.2.2") {
		t.Errorf("pseudonym %q", p)
	}
}

func TestRevocationValidate(t *testing.T) {
	tests := []struct {
		name   string
		r      Revocation
		fields []string // fields with a problem
	}{
		{"data error", Revocation{Reason: ReasonDataError}, nil},
		{"other with a note", Revocation{Reason: ReasonOther, Note: " Pemohon meninggal "}, nil},
		{"replacement, reason filled in", Revocation{ReplacedBy: 9}, nil},
		{"no reason", Revocation{Note: "x"}, []string{"reason_code"}},
		{"unknown reason", Revocation{Reason: "keliru"}, []string{"reason_code"}},
		{"other without a note", Revocation{Reason: ReasonOther, Note: "  "}, []string{"note"}},
		{"replaced without a letter", Revocation{Reason: ReasonReplaced}, []string{"replaced_by"}},
		{"a letter with another reason", Revocation{Reason: ReasonDataError, ReplacedBy: 9}, []string{"reason_code"}},
		{"long note", Revocation{Reason: ReasonDataError, Note: strings.Repeat("é", 501)}, []string{"note"}},
	}
	for _, tt := range tests {
		r := tt.r
		r.Normalize()
		fields, _ := FieldErrors(r.Validate())
		if len(fields) != len(tt.fields) {
			t.Errorf("%s: problems %v, want on %v", tt.name, fields, tt.fields)
			continue
		}
		for _, f := range tt.fields {
			if fields[f] == "" {
				t.Errorf("%s: no problem on %s (%v)", tt.name, f, fields)
			}
		}
	}
	for _, r := range append(RevocationReasons(), ReasonReplaced) {
		if r.Label() == "" || !r.Valid() {
			t.Errorf("reason %q has no label", r)
		}
	}
}
