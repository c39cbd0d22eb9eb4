package verify

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// Matching the paper ("Cocokkan dengan kertas"): the teller types the NIK or
// the full name printed on the paper, and learns only whether it is that of
// one of the letter's subjects. What is compared are keyed hashes stored at
// signing (surat.MatchKey); the typed value is hashed the same way, compared
// in constant time and forgotten: it is never stored, logged or shown back.

// The limits of the paper match, held in the database (so they hold across
// replicas and restarts): MatchPerClient tries per letter per client, and
// MatchPerLetter tries per letter from all clients together, per
// MatchWindow. The second bounds guessing from many addresses: a NIK cannot
// be found by trying, nor a name by a list of common names.
const (
	MatchPerClient = 5
	MatchPerLetter = 20
	MatchWindow    = time.Hour
)

// Errors of the paper match.
var (
	// ErrNotMatchable means the letter was revoked or replaced: the paper
	// is not valid whatever is printed on it, so nothing is compared.
	ErrNotMatchable = errors.New("verify: letter is no longer valid; no match")
	// ErrMatchUnavailable means the letter has no stored data to compare
	// this kind of value with (signed before the paper match existed and
	// not yet backfilled, or its subjects have no NIK).
	ErrMatchUnavailable = errors.New("verify: letter cannot be matched")
)

// LimitedError is a match or bulk check refused by its limit; Retry is how
// long until the next try is counted. It matches surat.ErrLocked.
type LimitedError struct{ Retry time.Duration }

func (e *LimitedError) Error() string { return "verify: limit reached, retry in " + e.Retry.String() }

// Is lets errors.Is(err, surat.ErrLocked) match.
func (e *LimitedError) Is(target error) bool { return target == surat.ErrLocked }

// MatchInput is what was typed: a NIK or a full name, exactly one.
type MatchInput struct {
	NIK  string
	Name string
}

// parse checks the input and returns what to compare. Problems are a
// *surat.ValidationError on "nik" or "nama".
func (in MatchInput) parse() (surat.MatchKind, string, error) {
	nik, name := strings.TrimSpace(in.NIK), strings.TrimSpace(in.Name)
	switch {
	case (nik == "") == (name == ""):
		p := surat.Problems{}
		p.AddCode("nik", surat.ProblemMatchOneValue)
		return "", "", p.Err()
	case nik != "":
		v, ok := surat.NormalizeMatchNIK(nik)
		if !ok {
			return "", "", surat.Invalid("nik", surat.ProblemMatchNIKMalformed)
		}
		return surat.MatchNIK, v, nil
	}
	v, ok := surat.NormalizeMatchName(name)
	if !ok {
		return "", "", surat.Invalid("nama", surat.ProblemMatchNameMalformed)
	}
	return surat.MatchName, v, nil
}

// MatchOutcome is the answer of a paper match: whether the typed NIK or
// name is that of one of the letter's subjects, and nothing else.
type MatchOutcome struct {
	Kind  surat.MatchKind
	Match bool
}

// Title is the verdict word: COCOK or TIDAK COCOK.
func (o *MatchOutcome) Title() string {
	if o.Match {
		return "COCOK"
	}
	return "TIDAK COCOK"
}

// Message says what the verdict means, in plain words.
func (o *MatchOutcome) Message() string {
	what, same := "Nama", "nama"
	if o.Kind == surat.MatchNIK {
		what, same = "NIK", "NIK"
	}
	if o.Match {
		return what + " yang Anda ketik sama dengan " + same + " orang yang disebut dalam surat ini."
	}
	return what + " yang Anda ketik tidak sama dengan " + same + " orang mana pun yang disebut dalam surat ini. " +
		"Periksa ketikan Anda; bila tetap tidak cocok, jangan anggap kertas ini sebagai surat dengan kode ini."
}

// Match compares what a client typed from the paper with the subjects of
// the letter r (a Lookup result). client identifies the caller for the
// limit (its IP address); it is kept only as a keyed hash.
//
// Errors: ErrNotMatchable for a revoked or replaced letter, a
// *surat.ValidationError for a malformed NIK or name (not counted),
// ErrMatchUnavailable when there is nothing to compare with (not
// counted), *LimitedError once MatchPerClient or MatchPerLetter tries
// were used in the window; other errors are the database's.
func (s *Service) Match(ctx context.Context, r *Result, in MatchInput, client string) (*MatchOutcome, error) {
	if r.Status != Authentic && r.Status != Expired {
		return nil, ErrNotMatchable
	}
	kind, value, err := in.parse()
	if err != nil {
		return nil, err
	}
	if s.key == nil {
		return nil, ErrMatchUnavailable
	}
	stored, err := s.store.MatchDigests(ctx, r.letterID, s.key.ID(), kind)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if len(stored) == 0 {
		return nil, ErrMatchUnavailable
	}
	if err := s.countMatch(ctx, r.Code, client); err != nil {
		return nil, err
	}
	typed := []byte(s.key.Digest(kind, r.letterID, value))
	match := 0
	for _, d := range stored {
		// Every digest is compared, so the time taken does not depend on
		// which one (if any) matched.
		match |= subtle.ConstantTimeCompare(typed, []byte(d))
	}
	return &MatchOutcome{Kind: kind, Match: match == 1}, nil
}

// countMatch counts a try against the client's and the letter's limits.
func (s *Service) countMatch(ctx context.Context, code, client string) error {
	buckets := []struct {
		name  string
		limit int
	}{
		{"match:" + code + ":" + s.key.Pseudonym("client", client), MatchPerClient},
		{"match:" + code, MatchPerLetter},
	}
	for _, b := range buckets {
		ok, retry, err := s.store.HitLimit(ctx, b.name, b.limit, MatchWindow)
		if err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if !ok {
			return &LimitedError{Retry: retry}
		}
	}
	return nil
}
