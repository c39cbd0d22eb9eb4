package surat

import (
	"strings"
	"testing"
)

func TestValidVerifyCode(t *testing.T) {
	ok := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for code, want := range map[string]bool{
		ok:                                 true,
		"234567ABCDEFGHIJKLMNOPQRST":       true,
		strings.ToLower(ok):                false,
		ok[:25]:                            false,
		ok + "A":                           false,
		"":                                 false,
		"0BCDEFGHIJKLMNOPQRSTUVWXYZ":       false, // 0, 1, 8 and 9 are not base32
		"1BCDEFGHIJKLMNOPQRSTUVWXYZ":       false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY8":       false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY9":       false,
		"ABCDEFGHIJKLMNOPQRSTUVWX=Z":       false,
		"ABCDEFGHIJKLMNOPQRSTUVWX@Z":       false, // just below A
		"ABCDEFGHIJKLMNOPQRSTUVWX[Z":       false, // just above Z
		"ABCDEFGHIJKLMNOPQRSTUVWX\u00c9":   false, // 26 bytes, 25 characters
		"ABCDEFGHIJKLMNOPQRSTUVWXY\x00":    false,
		" ABCDEFGHIJKLMNOPQRSTUVWXY":       false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY\n":      false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY/":       false,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ\u0301": false,
	} {
		if got := ValidVerifyCode(code); got != want {
			t.Errorf("ValidVerifyCode(%q) = %v, want %v", code, got, want)
		}
	}
}
