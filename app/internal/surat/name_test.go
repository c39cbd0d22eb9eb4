package surat

import "testing"

func TestValidateName(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"Budi Santoso", true},
		{"Ni Luh Putu Ayu", true},
		{"Muhammad 'Ali", true},
		{"Siti Nur\u2019aini", true},
		{"Budi\nSantoso", false},      // a control character
		{"Budi\tSantoso", false},      // a tab
		{"\u202eosotnaS iduB", false}, // right-to-left override
		{"Budi \u2066Santoso\u2069", false},
		{"\u200b\u200b", false},      // zero-width only
		{"Bu\u200bdi", false},        // a zero-width space inside
		{"\ufeff", false},            // byte-order mark
		{"...", false},               // nothing to read
		{"", true},                   // emptiness is the caller's rule
		{"Budi \xff Santoso", false}, // not UTF-8
		{"Siti \xc3", false},         // a sequence cut short
		{"Budi \ufffd", true},        // the replacement character itself is text
	} {
		if got := ValidateName(tt.name); (got == "") != tt.ok {
			t.Errorf("ValidateName(%q) = %q, want ok %v", tt.name, got, tt.ok)
		}
	}
}
