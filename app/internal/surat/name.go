package surat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateName returns an Indonesian message when name cannot be a
// person's or an account's name, or "": it must not hold control
// characters (a line break would split the Nama row of a letter), bidi
// overrides or isolates (U+202A-202E, U+2066-2069, which make a name read
// differently than it is stored) or other invisible format characters
// such as zero-width spaces, and it must show at least one letter or
// digit (a zero-width-only name printed a blank Nama on a signed letter).
// It must also be valid UTF-8: a form can send any bytes, which MySQL
// refuses to store and SQLite stores as they are. Length and emptiness
// are the caller's rules.
func ValidateName(name string) string {
	if !utf8.ValidString(name) {
		return "Nama memuat karakter yang tidak sah (bukan teks UTF-8)"
	}
	visible := false
	for _, r := range name {
		switch {
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return "Nama tidak boleh memuat karakter pengubah arah teks"
		case unicode.IsControl(r):
			return "Nama tidak boleh memuat karakter kendali (mis. baris baru atau tab)"
		case unicode.Is(unicode.Cf, r):
			return "Nama tidak boleh memuat karakter tak terlihat (mis. spasi lebar nol)"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			visible = true
		}
	}
	if !visible && strings.TrimSpace(name) != "" {
		return "Nama harus memuat huruf yang terlihat"
	}
	return ""
}

// UnprintableMessage is the message for text, labelled label, that holds c:
// a character the letters' fonts cannot draw, which a letter would print
// as "?".
func UnprintableMessage(label string, c rune) string {
	return fmt.Sprintf("%s memuat karakter %q yang tidak dapat dicetak pada surat; tulis dengan huruf Latin", label, string(c))
}
