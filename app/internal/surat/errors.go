// Package surat holds the domain of suratdesa: villages, residents, households,
// officials, users and the rules that govern them. It imports only the standard
// library; storage, HTTP and rendering live in their own packages.
package surat

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors shared by every layer. Stores and services wrap them with
// fmt.Errorf("...: %w", err); callers test them with errors.Is.
var (
	// ErrNotFound means the thing does not exist or belongs to another village;
	// callers must not be able to tell the two apart.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a uniqueness rule or a concurrent change blocked the write.
	ErrConflict = errors.New("conflict")
	// ErrForbidden means the actor is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthorized means the caller is not authenticated.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrLocked means the account is locked after repeated failed logins.
	ErrLocked = errors.New("account locked")
)

// ValidationError carries field-by-field messages in Indonesian, keyed by the
// field's machine name. It is what a form re-renders and what the API returns
// as 422.
type ValidationError struct {
	Fields map[string]string
}

// Error lists the failing fields in a stable order.
func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Problems collects field messages; its Err returns nil when nothing failed.
type Problems map[string]string

// Add records msg for field unless the field already has a message, so the
// first (most basic) problem of a field is the one shown.
func (p Problems) Add(field, msg string) {
	if _, ok := p[field]; !ok {
		p[field] = msg
	}
}

// Err returns a *ValidationError, or nil when there are no problems.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: map[string]string(p)}
}

// FieldErrors returns the field messages of err when it is a *ValidationError.
func FieldErrors(err error) (map[string]string, bool) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Fields, true
	}
	return nil, false
}

// LimitError is a request refused because it would go beyond a quota (open
// requests of a resident, bytes of a request or of a village's storage,
// forms kept while signed out). Msg is Indonesian, names the limit and is
// shown to the caller as it is.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return "limit exceeded: " + e.Msg }
