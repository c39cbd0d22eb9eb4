package verify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// The bulk check for institutions: a bank or a school checks up to MaxBatch
// codes at once with an API key a kabupaten admin issued to it. A verdict
// carries what the verification page shows, no more.

// MaxBatch is the most codes one bulk check takes.
const MaxBatch = 100

// The limit of the bulk check: BatchPerKey requests per key per
// BatchWindow, held in the database.
const (
	BatchPerKey = 30
	BatchWindow = time.Minute
)

// apiKeyPrefix starts every key, so that a key found in a log or a
// repository is recognisable as ours.
const apiKeyPrefix = "sdv_"

// keyPrefixLen is how much of a key is kept in the clear to tell keys
// apart: the prefix and eight characters, 40 of the key's 256 random bits.
const keyPrefixLen = len(apiKeyPrefix) + 8

// BatchVerdict is the answer for one code of a bulk check: its status, and
// the letter's public facts unless it is TIDAK DITEMUKAN (an unknown or
// malformed code).
type BatchVerdict struct {
	Code   string // as sent
	Status Status
	Result *Result // nil for NotFound
}

// Batch checks codes (1 to MaxBatch; malformed ones are TIDAK DITEMUKAN)
// for the institution of key, in the order given. Errors: a
// *surat.ValidationError on "codes" for an empty or too large batch,
// surat.ErrUnauthorized for an unknown or revoked key, *LimitedError when
// the key has used BatchPerKey requests in the window; other errors are
// the database's.
func (s *Service) Batch(ctx context.Context, key string, codes []string) ([]BatchVerdict, error) {
	k, err := s.apiKey(ctx, key)
	if err != nil {
		return nil, err
	}
	switch {
	case len(codes) == 0:
		return nil, surat.Invalid("codes", surat.ProblemBatchEmpty)
	case len(codes) > MaxBatch:
		return nil, &surat.ValidationError{Fields: map[string]string{
			"codes": "Paling banyak " + strconv.Itoa(MaxBatch) + " kode sekali periksa"}}
	}
	ok, retry, err := s.store.HitLimit(ctx, "batch:"+strconv.FormatInt(k.ID, 10), BatchPerKey, BatchWindow)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if !ok {
		return nil, &LimitedError{Retry: retry}
	}
	if err := s.store.TouchAPIKey(ctx, k.ID); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	out := make([]BatchVerdict, len(codes))
	for i, raw := range codes {
		out[i] = BatchVerdict{Code: raw, Status: NotFound}
		code, ok := NormalizeCode(strings.TrimSpace(raw))
		if !ok {
			continue
		}
		r, err := s.Lookup(ctx, code)
		if errors.Is(err, surat.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].Status, out[i].Result = r.Status, r
	}
	return out, nil
}

// apiKey returns the active key whose text is raw, or
// surat.ErrUnauthorized.
func (s *Service) apiKey(ctx context.Context, raw string) (*surat.APIKey, error) {
	if !strings.HasPrefix(raw, apiKeyPrefix) || len(raw) > 128 {
		return nil, fmt.Errorf("verify: malformed api key: %w", surat.ErrUnauthorized)
	}
	k, err := s.store.APIKeyByHash(ctx, hashAPIKey(raw))
	if errors.Is(err, surat.ErrNotFound) {
		return nil, fmt.Errorf("verify: unknown api key: %w", surat.ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if !k.Active() {
		return nil, fmt.Errorf("verify: api key %d is revoked: %w", k.ID, surat.ErrUnauthorized)
	}
	return k, nil
}

// hashAPIKey is what is stored of a key: its SHA-256. A key has 256 random
// bits, so a fast hash is enough; nothing can be guessed from it.
func hashAPIKey(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// IssueAPIKey creates a key for an institution as the actor, who must be
// a kabupaten admin, and returns the key's text, shown once and never
// stored, with its record. Errors: surat.ErrForbidden for another role, a
// *surat.ValidationError on "institution".
func (s *Service) IssueAPIKey(ctx context.Context, actor surat.Actor, institution string) (string, *surat.APIKey, error) {
	if actor.Role != surat.RoleAdminKabupaten {
		return "", nil, fmt.Errorf("verify: %s issues an api key: %w", actor.Role, surat.ErrForbidden)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("verify: api key: %w", err)
	}
	raw := apiKeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	k := &surat.APIKey{Institution: institution, KeyPrefix: raw[:keyPrefixLen], KeyHash: hashAPIKey(raw)}
	if err := s.store.CreateAPIKey(ctx, actor, k); err != nil {
		return "", nil, fmt.Errorf("verify: %w", err)
	}
	return raw, k, nil
}

// RevokeAPIKey revokes key id as the actor, a kabupaten admin; from then
// on the key opens nothing. Errors: surat.ErrForbidden, surat.ErrNotFound.
func (s *Service) RevokeAPIKey(ctx context.Context, actor surat.Actor, id int64) (*surat.APIKey, error) {
	if actor.Role != surat.RoleAdminKabupaten {
		return nil, fmt.Errorf("verify: %s revokes an api key: %w", actor.Role, surat.ErrForbidden)
	}
	k, err := s.store.RevokeAPIKey(ctx, actor, id)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return k, nil
}

// APIKeys lists every key for the actor, a kabupaten admin. Errors:
// surat.ErrForbidden.
func (s *Service) APIKeys(ctx context.Context, actor surat.Actor) ([]surat.APIKey, error) {
	if actor.Role != surat.RoleAdminKabupaten {
		return nil, fmt.Errorf("verify: %s lists api keys: %w", actor.Role, surat.ErrForbidden)
	}
	ks, err := s.store.APIKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return ks, nil
}

// PurgeAttempts deletes the counters of match and bulk-check windows that
// ended a day or more ago.
func (s *Service) PurgeAttempts(ctx context.Context) (int64, error) {
	return s.store.PurgeAttempts(ctx, s.now().Add(-24*time.Hour))
}
