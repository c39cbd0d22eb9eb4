// Package auth hashes passwords and PINs with Argon2id and makes the random
// tokens used for sessions, API access and verification codes.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
)

// Params are the Argon2id cost settings. Defaults follow RFC 9106's second
// recommended option scaled for a 2-core server: 64 MiB, 3 passes.
type Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams is what production uses.
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 2}

// ErrMismatch is returned by Verify when the password is wrong.
var ErrMismatch = errors.New("password mismatch")

// Hash returns an encoded Argon2id hash of password in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash), so parameters can change
// later without invalidating stored hashes.
func Hash(password string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// DummyHash returns a hash in Hash's format with parameters p that no
// password matches: its salt and key are random bytes, not derived from a
// password. Verify against it runs the same Argon2id derivation as against a
// real hash with p, so a login for an unknown account costs what a real one
// does; unlike Hash, making it costs nothing (no 64 MiB at start-up).
func DummyHash(p Params) (string, error) {
	b := make([]byte, 16+32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: dummy hash: %w", err)
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(b[:16]), base64.RawStdEncoding.EncodeToString(b[16:])), nil
}

// Verify checks password against an encoded hash in constant time. It
// returns ErrMismatch for a wrong password and another error for a malformed
// hash.
func Verify(password, encoded string) error {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("auth: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("auth: unsupported argon2 version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("auth: parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("auth: salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("auth: hash: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// NewToken returns n random bytes as URL-safe base64 without padding.
func NewToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// TokenHash is the SHA-256 of a token in hex: what the database stores, so a
// leaked database does not leak live sessions.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// minPasswordGuesses is how many guesses zxcvbn must estimate a new
// password needs. 10^5 refuses every password of its common-password,
// keyboard-pattern and dictionary lists and small variations of them
// (12345678, password, admin123, bismillah, the username, the village
// name), while a word with a few digits such as the demo's demo12345
// passes: online guessing is held back by the lock-outs, offline
// guessing by Argon2id.
const minPasswordGuesses = 1e5

// strengthRunes is how much of a password the strength estimate reads;
// zxcvbn's matching grows faster than linearly with the length, and 64
// characters are strong enough on their own.
const strengthRunes = 64

// ValidatePassword returns an Indonesian message when a new password is too
// weak, or "". related are words the password must not be built on: the
// username, the person's name, the village's name.
func ValidatePassword(pw string, related ...string) string {
	if len([]rune(pw)) < 8 {
		return "Kata sandi minimal 8 karakter"
	}
	if len(pw) > 128 {
		return "Kata sandi paling banyak 128 karakter"
	}
	inputs := make([]string, 0, len(related)*2)
	for _, r := range related {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" {
			inputs = append(inputs, r)
			inputs = append(inputs, strings.Fields(r)...)
		}
	}
	check := pw
	if rs := []rune(pw); len(rs) > strengthRunes {
		check = string(rs[:strengthRunes])
	}
	if zxcvbn.PasswordStrength(check, inputs).Guesses < minPasswordGuesses {
		return "Kata sandi terlalu mudah ditebak (misalnya 12345678, password, nama pengguna atau nama desa). " +
			"Pakai gabungan beberapa kata dengan angka atau tanda baca."
	}
	return ""
}
