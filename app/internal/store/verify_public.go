package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// PublicLetter is what the public verification page needs of a signed
// letter and its signer certificate, read in one query because every
// scanned QR code asks for it (docs/design.md §7, §11). It carries no personal
// data beyond the subject's name, which the page masks, and none of the
// form data. The village and the official are looked up by id separately:
// they are few and the page caches them.
type PublicLetter struct {
	ID               int64
	VillageID        int64
	Module           string
	Status           surat.LetterStatus
	SubjectName      string
	Number           *string
	VerifyCode       string
	PDFSHA256        string
	IssuedAt         *time.Time
	SignedAt         *time.Time
	ValidUntil       *time.Time
	SignerOfficialID *int64
	// RevokedAt and RevokeCode (the public reason) are set when the letter
	// was revoked or replaced; ReplacedByID names the replacing letter. The
	// staff's note on the revocation is not read.
	RevokedAt    *time.Time
	RevokeCode   surat.RevocationReason
	ReplacedByID *int64
	// TemplateID is the stored version of the module file the letter was
	// built with, nil for a built-in file (its title names the letter type).
	TemplateID *int64

	// The signer certificate, nil for a letter signed without a stored one.
	CertSerial      *string
	CertFingerprint *string
	CertNotBefore   *time.Time
	CertNotAfter    *time.Time
	CertRevokedAt   *time.Time
}

// publicLetterSQL reads a signed letter and its certificate; %s is the
// placeholder of the code (publicLetterQuery). It is kept to two tables on
// purpose: a five-table join cost three times as much to run as this one (letters +
// certificate) in a benchmark on 20,000 letters.
const publicLetterSQL = `SELECT l.id, l.village_id, l.module, l.status, l.subject_name, l.number,
	l.verify_code, l.pdf_sha256, %[2]s, %[3]s, %[4]s, l.signer_official_id,
	%[5]s, l.revoke_code, l.replaced_by_id, l.template_id,
	c.serial, c.fingerprint, %[6]s, %[7]s, %[8]s
FROM letters l LEFT JOIN signer_certificates c ON c.id = l.certificate_id
WHERE l.verify_code = %[1]s AND l.signed_at IS NOT NULL`

// publicTimeColumns are the time columns of publicLetterSQL, in order.
var publicTimeColumns = []any{"l.issued_at", "l.signed_at", "l.valid_until", "l.revoked_at",
	"c.not_before", "c.not_after", "c.revoked_at"}

// publicLetterQuery is publicLetterSQL of each dialect.
//
// On SQLite a bare "?" compared with an indexed column makes the planner
// consult sqlite_stat4 (written by ANALYZE) with the bound value, which
// marks the statement to be compiled a second time at its first step once
// the code is bound: every lookup then parsed the SQL twice, a quarter of
// the page's CPU time. The CAST hides the value from the planner, which
// cannot matter for a unique index, and leaves the lookup an index search.
//
// The SQLite driver turns a DATETIME column into a time.Time by trying a
// layout that never matches what it wrote before the one that does, which
// allocated an error for each of the seven times of every lookup; read as
// text (an expression has no declared type), they are parsed by dbTime
// with the driver's own layout first.
var publicLetterQuery = map[string]string{
	"sqlite": fmt.Sprintf(publicLetterSQL, append([]any{"CAST(? AS TEXT)"}, textColumns(publicTimeColumns)...)...),
	"mysql":  fmt.Sprintf(publicLetterSQL, append([]any{"?"}, publicTimeColumns...)...),
}

// textColumns wraps each SQLite column in a cast to text.
func textColumns(cols []any) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = fmt.Sprintf("CAST(%s AS TEXT)", c)
	}
	return out
}

// PublicLetterByVerifyCode returns the public facts of the signed (or since
// revoked or replaced) letter with that verification code, of any village,
// or surat.ErrNotFound for an unknown or malformed code. Like
// LetterByVerifyCode it is not village-scoped: the public page serves every
// village.
//
// It is the hottest read of the application, so it goes straight to
// database/sql with a statement prepared once per store and scans into
// typed variables, without GORM's statement building and reflection. The
// row is read fresh on every call: a revocation shows at once, in every
// process.
func (s *Store) PublicLetterByVerifyCode(ctx context.Context, code string) (*PublicLetter, error) {
	if !surat.ValidVerifyCode(code) {
		return nil, fmt.Errorf("store: public letter by verify code: %w", surat.ErrNotFound)
	}
	var (
		l                                          PublicLetter
		status, revokeCode                         string
		number, certSerial, certFP                 sql.NullString
		issued, signed, validUntil, revoked        dbTime
		certNotBefore, certNotAfter, certRevokedAt dbTime
		signer, replacedBy, templateID             sql.NullInt64
	)
	stmt, err := s.publicLetterStmt(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: public letter by verify code: %w", err)
	}
	// Public lookups queue here in arrival order rather than in the
	// connection pool, which hands a freed connection to a random waiter:
	// under a flood of scans that left some requests waiting many times
	// the median (p99 of 60-110 ms at 50 connections). The gate also
	// leaves connections free for the staff's pages.
	select {
	case s.publicGate <- struct{}{}:
		defer func() { <-s.publicGate }()
	case <-ctx.Done():
		return nil, fmt.Errorf("store: public letter by verify code: %w", ctx.Err())
	}
	if s.dialect == "sqlite" {
		// A cancellable context costs two goroutines per query (database/sql
		// and the driver each watch it) for a lookup that runs in-process in
		// tens of microseconds; MySQL keeps the request's context, since a
		// network round trip can hang.
		ctx = context.WithoutCancel(ctx)
	}
	err = stmt.QueryRowContext(ctx, code).Scan(
		&l.ID, &l.VillageID, &l.Module, &status, &l.SubjectName, &number,
		&l.VerifyCode, &l.PDFSHA256, &issued, &signed, &validUntil, &signer,
		&revoked, &revokeCode, &replacedBy, &templateID,
		&certSerial, &certFP, &certNotBefore, &certNotAfter, &certRevokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: public letter by verify code: %w", surat.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: public letter by verify code: %w", err)
	}
	l.Status, l.RevokeCode = surat.LetterStatus(status), surat.RevocationReason(revokeCode)
	l.Number, l.CertSerial, l.CertFingerprint = nullString(number), nullString(certSerial), nullString(certFP)
	l.IssuedAt, l.SignedAt, l.ValidUntil, l.RevokedAt = issued.ptr(), signed.ptr(), validUntil.ptr(), revoked.ptr()
	l.CertNotBefore, l.CertNotAfter, l.CertRevokedAt = certNotBefore.ptr(), certNotAfter.ptr(), certRevokedAt.ptr()
	l.SignerOfficialID, l.ReplacedByID = nullInt64(signer), nullInt64(replacedBy)
	l.TemplateID = nullInt64(templateID)
	return &l, nil
}

// publicLookupSlots is how many public lookups may run at once with a pool
// of maxOpen connections (0: unlimited): all but a quarter of them, at
// least one.
func publicLookupSlots(maxOpen int) int {
	if maxOpen <= 0 {
		return 64
	}
	return max(1, maxOpen-max(1, maxOpen/4))
}

// publicLetterStmt returns the store's prepared lookup, preparing it at the
// first call. On MySQL this saves the prepare and close round trips that
// database/sql otherwise makes for every query with arguments (158 -> 73 µs
// per lookup in BenchmarkPublicLetterByVerifyCode); on SQLite
// (modernc.org/sqlite) the compiled statement is kept and reused. A failed
// prepare is not remembered.
func (s *Store) publicLetterStmt(ctx context.Context) (*sql.Stmt, error) {
	s.publicMu.Lock()
	defer s.publicMu.Unlock()
	if s.publicStmt != nil {
		return s.publicStmt, nil
	}
	st, err := s.sqlDB.PrepareContext(ctx, publicLetterQuery[s.dialect])
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	s.publicStmt = st
	return st, nil
}

func nullString(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

// dbTime scans a nullable time column: a time.Time from MySQL, or the text
// of a SQLite DATETIME read with CAST(... AS TEXT) (publicLetterQuery).
type dbTime struct {
	t     time.Time
	valid bool
}

// sqliteTimeLayouts are the layouts the SQLite driver (modernc.org/sqlite)
// reads DATETIME text with; the first is the one it writes.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	*d = dbTime{}
	var s string
	switch v := v.(type) {
	case nil:
		return nil
	case time.Time:
		*d = dbTime{t: v, valid: true}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("store: cannot scan %T as a time", v)
	}
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*d = dbTime{t: t, valid: true}
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse time %q", s)
}

func (d dbTime) ptr() *time.Time {
	if !d.valid {
		return nil
	}
	return &d.t
}

func nullInt64(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}
