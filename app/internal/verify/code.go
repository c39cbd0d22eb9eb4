package verify

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// NormalizeCode returns a verification code from a URL in its canonical,
// upper-case form, so that a code typed in lower case still works, and
// whether it has the shape of a code at all (surat.ValidVerifyCode).
func NormalizeCode(raw string) (code string, ok bool) {
	code = strings.ToUpper(raw)
	return code, surat.ValidVerifyCode(code)
}

// CodeFromInput reads a code typed or pasted into the lookup form: spaces
// and dashes are ignored, case does not matter, and a whole verification
// link may be pasted (the part after /v/ counts). ok is false when what
// remains is not a code.
func CodeFromInput(raw string) (code string, ok bool) {
	code = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(raw)))
	if i := strings.LastIndex(code, "/V/"); i >= 0 {
		code = code[i+3:]
	}
	return code, surat.ValidVerifyCode(code)
}

// MaskName keeps the first letter of every word of a name, upper-cased,
// and replaces the rest with four asterisks whatever the word's length, so
// the mask does not give away how long the name is:
// "Budi Santoso" -> "B**** S****".
func MaskName(name string) string {
	words := strings.Fields(name)
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + "****"
	}
	return strings.Join(words, " ")
}
