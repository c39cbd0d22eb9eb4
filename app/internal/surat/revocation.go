package surat

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// RevocationReason is why a signed letter stopped being valid, chosen from
// a fixed list. Only the reason's label is ever public (the verification
// page, its JSON twin, the bulk check); the clerk's free-text note stays
// internal, since a note may name a person, a NIK or an address.
type RevocationReason string

// The revocation reasons, stored as these codes in letters.revoke_code.
const (
	// ReasonDataError: the letter states something wrong (a name, a date).
	ReasonDataError RevocationReason = "data_error"
	// ReasonReplaced: a new letter replaces this one; the letter records
	// which, and its public page links to it. Set by a replacement only.
	ReasonReplaced RevocationReason = "replaced"
	// ReasonApplicantRequest: the person the letter is about asked for it.
	ReasonApplicantRequest RevocationReason = "applicant_request"
	// ReasonCancelledByOfficial: the signing official or the village
	// government withdrew it.
	ReasonCancelledByOfficial RevocationReason = "cancelled_by_official"
	// ReasonOther: none of the above; the note says what. Letters revoked
	// before reasons were coded carry it too (migration 00040), so that
	// their free text is never published.
	ReasonOther RevocationReason = "other"
)

// RevocationReasons lists the reasons a clerk or signer may choose for a
// plain revocation, in the order forms show them. ReasonReplaced is not
// among them: it comes with a replacing letter.
func RevocationReasons() []RevocationReason {
	return []RevocationReason{ReasonDataError, ReasonApplicantRequest, ReasonCancelledByOfficial, ReasonOther}
}

// Label is the reason as the public reads it.
func (r RevocationReason) Label() string {
	switch r {
	case ReasonDataError:
		return "Data dalam surat keliru"
	case ReasonReplaced:
		return "Diganti dengan surat baru"
	case ReasonApplicantRequest:
		return "Atas permintaan pemohon"
	case ReasonCancelledByOfficial:
		return "Dibatalkan oleh pejabat yang berwenang"
	case ReasonOther:
		return "Alasan lain (tidak diumumkan)"
	}
	return ""
}

// Valid reports whether r is one of the reasons.
func (r RevocationReason) Valid() bool { return r.Label() != "" }

// maxRevocationNote bounds the internal note of a revocation.
const maxRevocationNote = 500

// Revocation is what a clerk or signer gives to revoke a signed letter:
// the public reason, an internal note and, for a replacement, the signed
// letter of the same village that replaces it.
type Revocation struct {
	Reason RevocationReason
	// Note is for the village's staff only, never shown publicly.
	Note string
	// ReplacedBy is the id of the replacing letter, 0 for none. With it the
	// letter becomes diganti and Reason must be ReasonReplaced (or empty).
	ReplacedBy int64
}

// Normalize trims the note and fills in ReasonReplaced for a replacement
// that names no reason.
func (r *Revocation) Normalize() {
	r.Note = strings.TrimSpace(r.Note)
	if r.ReplacedBy != 0 && r.Reason == "" {
		r.Reason = ReasonReplaced
	}
}

// Validate checks a normalised revocation: a known reason (ReasonReplaced
// exactly when a replacing letter is named), a note of at most 500
// characters, required for ReasonOther. Problems are a *ValidationError on
// "reason_code", "note" and "replaced_by".
func (r *Revocation) Validate() error {
	p := Problems{}
	switch {
	case r.Reason == "":
		p.AddCode("reason_code", ProblemRevocationReasonRequired)
	case !r.Reason.Valid():
		p.AddCode("reason_code", ProblemRevocationReasonUnknown)
	case r.Reason == ReasonReplaced && r.ReplacedBy == 0:
		p.AddCode("replaced_by", ProblemReplacementRequired)
	case r.Reason != ReasonReplaced && r.ReplacedBy != 0:
		p.AddCode("reason_code", ProblemRevocationReasonReplaced)
	}
	switch n := len([]rune(r.Note)); {
	case n > maxRevocationNote:
		p.AddCode("note", ProblemNoteTooLong)
	case n == 0 && r.Reason == ReasonOther:
		p.AddCode("note", ProblemNoteRequired)
	}
	return p.Err()
}

// RevocationRequest is a clerk's request to revoke a signed letter, waiting
// for a signer of the village to confirm or reject it: an operator alone
// cannot withdraw a signed letter.
type RevocationRequest struct {
	ID        int64
	VillageID int64
	LetterID  int64
	Reason    RevocationReason `gorm:"column:reason_code"`
	Note      string
	// ReplacedByID is the replacing letter of a request to mark the letter
	// diganti, nil otherwise.
	ReplacedByID *int64 `gorm:"column:replaced_by_id"`
	RequestedBy  *int64 // user id
	CreatedAt    time.Time
}

// Revocation is the request as a Revocation to carry out.
func (q *RevocationRequest) Revocation() Revocation {
	r := Revocation{Reason: q.Reason, Note: q.Note}
	if q.ReplacedByID != nil {
		r.ReplacedBy = *q.ReplacedByID
	}
	return r
}

// ErrRevocationPending means a revocation of the letter was already
// requested and waits for a signer. It matches ErrConflict.
var ErrRevocationPending = fmt.Errorf("revocation already requested: %w", ErrConflict)

// ErrNoRevocationRequest means a signer confirmed or rejected a revocation
// request that does not exist (any more).
var ErrNoRevocationRequest = errors.New("no revocation request")
