package surat

import (
	"strings"
	"time"
)

// APIKey is an institution's key (a bank, a school) for the bulk check of
// letters, issued and revoked by a kabupaten admin. The key itself is shown
// once at issue; only its SHA-256 is kept.
type APIKey struct {
	ID          int64
	Institution string
	// KeyPrefix is the key's first characters, shown so that an admin can
	// tell keys apart.
	KeyPrefix  string
	KeyHash    string
	CreatedBy  *int64 // user id
	CreatedAt  time.Time
	RevokedAt  *time.Time
	RevokedBy  *int64 // user id
	LastUsedAt *time.Time
	Uses       int64
}

// Active reports whether the key still opens the bulk check.
func (k *APIKey) Active() bool { return k.RevokedAt == nil }

// ValidateInstitution checks the name of the institution a key is issued
// to and reports a problem on "institution".
func ValidateInstitution(name string) error {
	p := Problems{}
	switch n := len([]rune(strings.TrimSpace(name))); {
	case n == 0:
		p.Add("institution", "Nama lembaga wajib diisi")
	case n > 150:
		p.Add("institution", "Nama lembaga paling banyak 150 karakter")
	}
	return p.Err()
}
