package surat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
)

// Matching a paper letter without disclosure: when a letter is signed, a
// keyed hash of each subject's NIK and normalised full name is stored
// (never the NIK itself); a bank teller who types the NIK or name printed
// on the paper learns only whether it is one of them.

// MatchKind is what a match compares: a NIK or a full name.
type MatchKind string

// The kinds of match, stored as these strings in letter_match_keys.kind.
const (
	MatchNIK  MatchKind = "nik"
	MatchName MatchKind = "nama"
)

// MatchKey is the secret behind the keyed hashes of a deployment,
// derived from its APP_SECRET. Build it with NewMatchKey; a nil *MatchKey
// (no secret configured) hashes nothing.
type MatchKey struct {
	key []byte
	id  string
}

// NewMatchKey derives the match key from the deployment secret, or returns
// nil when secret is empty. The derivation is labelled, so the key is
// independent of the other uses of the same secret (the CSRF key).
func NewMatchKey(secret string) *MatchKey {
	if secret == "" {
		return nil
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("suratdesa/letter-match/v1"))
	k := &MatchKey{key: m.Sum(nil)}
	k.id = k.mac("key-id")[:16]
	return k
}

// ID names the key without revealing it: it is stored with every digest,
// so digests made under another secret (APP_SECRET was changed) are told
// apart from a mismatch and recomputed (see issuance.BackfillMatchKeys).
func (k *MatchKey) ID() string { return k.id }

// Digest is the stored form of a normalised value of kind for the letter:
// HMAC-SHA256, hex. The letter id is part of the input, so the same NIK on
// two letters gives two unrelated digests and the table reveals nothing
// about who holds several letters.
func (k *MatchKey) Digest(kind MatchKind, letterID int64, normalized string) string {
	return k.mac(string(kind), strconv.FormatInt(letterID, 10), normalized)
}

// Pseudonym is a keyed hash of value for a purpose (a client address in a
// rate-limit bucket), so that counters name no address in the clear.
func (k *MatchKey) Pseudonym(purpose, value string) string {
	return k.mac("pseudonym", purpose, value)[:32]
}

func (k *MatchKey) mac(parts ...string) string {
	m := hmac.New(sha256.New, k.key)
	for i, p := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// maxMatchName bounds a name typed to be matched, as a person's name is
// bounded (Person.Validate).
const maxMatchName = 100

// NormalizeMatchNIK reads a NIK as typed from paper: spaces, dots and
// dashes between the digits are ignored. ok is false unless 16 digits
// remain.
func NormalizeMatchNIK(raw string) (nik string, ok bool) {
	nik = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		return r
	}, raw)
	if len(nik) != 16 {
		return "", false
	}
	for i := 0; i < len(nik); i++ {
		if nik[i] < '0' || nik[i] > '9' {
			return "", false
		}
	}
	return nik, true
}

// NormalizeMatchName folds a full name so that the way it is printed or
// typed does not matter: lower case, every run of spaces and punctuation
// one space, none at the ends ("SITI  Ma'RUFAH, S.Pd." and
// "siti ma rufah s pd" are the same). ok is false for a name with no
// letter, or longer than 100 characters.
func NormalizeMatchName(raw string) (name string, ok bool) {
	if len([]rune(raw)) > maxMatchName {
		return "", false
	}
	var b strings.Builder
	gap, letters := false, 0
	for _, r := range raw {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			gap = b.Len() > 0
			continue
		}
		if gap {
			b.WriteByte(' ')
			gap = false
		}
		if unicode.IsLetter(r) {
			letters++
		}
		b.WriteRune(unicode.ToLower(r))
	}
	if letters == 0 {
		return "", false
	}
	return b.String(), true
}
