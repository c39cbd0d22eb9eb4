package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"

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

// publicColumnsSQL and publicFromSQL make the public query: they read
// signed letters and their certificates. %[1]s to %[7]s of the columns are
// the time columns (publicTimeColumns), %s of the FROM part the condition on
// the code (publicQuery). It is kept to two tables on purpose: a five-table
// join cost three times as much to run as this one (letters + certificate)
// in a benchmark on 20,000 letters.
const (
	publicColumnsSQL = `l.id, l.village_id, l.module, l.status, l.subject_name, l.number,
	l.verify_code, l.pdf_sha256, %[1]s, %[2]s, %[3]s, l.signer_official_id,
	%[4]s, l.revoke_code, l.replaced_by_id, l.template_id,
	c.serial, c.fingerprint, %[5]s, %[6]s, %[7]s`
	publicFromSQL = `FROM letters l %s LEFT JOIN signer_certificates c ON c.id = l.certificate_id
WHERE l.verify_code %s AND l.signed_at IS NOT NULL`
)

// publicIndexHint names letters_public (migration 00110), the index that
// holds every letter column of publicColumnsSQL: the lookup searches it
// and never reads the letter's row. Left to themselves, both planners take
// the unique index on verify_code and then read the row: 800 bytes of
// form data and all, on a page of its own in a table of 1,000,000 letters.
var publicIndexHint = map[string]string{"sqlite": "INDEXED BY letters_public", "mysql": "FORCE INDEX (letters_public)"}

// publicQueryPrefix precedes the lookup in dialect. letters_public is not a
// unique index (the code is unique, the index's other columns are there to
// be read), so for each code of "verify_code IN (...)" MariaDB's planner
// first searches the index to estimate how many rows the code has (an
// index dive, up to eq_range_index_dive_limit codes, 200 by default), and
// then searches it again to read them: twice the B-tree descents, for a
// plan FORCE INDEX has chosen already. With a limit of 1 it takes the
// estimate from the index's statistics. Measured on 1,000,000 letters,
// prepared statements from two connections, MariaDB's CPU per code:
//
//	                 8 codes      32 codes
//	with dives       13.8-14.9    13.8 µs
//	without          12.0-12.3     7.5 µs
//
// The prefix is a MariaDB executable comment, which MySQL and TiDB read as
// a comment.
var publicQueryPrefix = map[string]string{"mysql": "/*M!100102 SET STATEMENT eq_range_index_dive_limit=1 FOR */ "}

// publicTimeColumns are the time columns of publicColumnsSQL, in order.
var publicTimeColumns = []any{"l.issued_at", "l.signed_at", "l.valid_until", "l.revoked_at",
	"c.not_before", "c.not_after", "c.revoked_at"}

// publicQuery is the public query in dialect for n codes: verify_code = ?
// for one, verify_code IN (?, ...) for more (verify_batch.go).
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
func publicQuery(dialect string, n int) string {
	cols, from := publicQueryParts(dialect, n)
	return publicQueryPrefix[dialect] + "SELECT " + cols + "\n" + from
}

// publicQueryParts are the column list and the FROM part of publicQuery.
func publicQueryParts(dialect string, n int) (cols, from string) {
	param, times := "?", publicTimeColumns
	if dialect == "sqlite" {
		param, times = "CAST(? AS TEXT)", textColumns(publicTimeColumns)
	}
	cond := "= " + param
	if n > 1 {
		cond = "IN (" + strings.TrimSuffix(strings.Repeat(param+", ", n), ", ") + ")"
	}
	return fmt.Sprintf(publicColumnsSQL, times...), fmt.Sprintf(publicFromSQL, publicIndexHint[dialect], cond)
}

// publicPackedQuery is the SQLite lookup of one code with the columns
// packed into one JSON array (json_array), which unpackRow reads back.
//
// The driver reads every column of a row through several calls into
// SQLite, each taking the connection's mutex, and asks each statement's
// column names and declared types again on every query. On the
// benchmark's database of 1,000,000 letters, the query took 25-26 µs with
// the 21 columns and 16-17 µs packed; under wrk, the lookup's share of the
// server's CPU for letters not cached went from 38-40% to 33-36%.
func publicPackedQuery() string {
	cols, from := publicQueryParts("sqlite", 1)
	return "SELECT json_array(" + cols + ")\n" + from
}

// unpackRow reads a row packed by json_array into dest, one value per
// element: an int64, a string or nil. SQLite writes such an array without
// spaces, integers in decimal, and a string as its UTF-8 text between
// quotes, escaping only quotes, backslashes and control characters; a row
// without a backslash is read by slicing it, one with a backslash (a name
// with a quote in it) by encoding/json.
func unpackRow(packed string, dest []driver.Value) error {
	if strings.IndexByte(packed, '\\') >= 0 {
		return unpackEscapedRow(packed, dest)
	}
	if !strings.HasPrefix(packed, "[") || !strings.HasSuffix(packed, "]") {
		return fmt.Errorf("packed row: not an array: %.40q", packed)
	}
	rest := packed[1 : len(packed)-1]
	var ok bool
	for i := range dest {
		if i > 0 {
			if rest, ok = strings.CutPrefix(rest, ","); !ok {
				return fmt.Errorf("packed row: %d values, want %d", i, len(dest))
			}
		}
		switch {
		case strings.HasPrefix(rest, "null"):
			dest[i], rest = nil, rest[len("null"):]
		case strings.HasPrefix(rest, `"`):
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return errors.New("packed row: unterminated string")
			}
			dest[i], rest = rest[1:1+end], rest[2+end:]
		default:
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			n, err := strconv.ParseInt(rest[:end], 10, 64)
			if err != nil {
				return fmt.Errorf("packed row: value %d: %w", i, err)
			}
			dest[i], rest = n, rest[end:]
		}
	}
	if rest != "" {
		return fmt.Errorf("packed row: more than %d values", len(dest))
	}
	return nil
}

// unpackEscapedRow is unpackRow for a row with escapes in its strings.
func unpackEscapedRow(packed string, dest []driver.Value) error {
	d := json.NewDecoder(strings.NewReader(packed))
	d.UseNumber()
	var vals []any
	if err := d.Decode(&vals); err != nil {
		return fmt.Errorf("packed row: %w", err)
	}
	if d.InputOffset() != int64(len(packed)) {
		return errors.New("packed row: text after the array")
	}
	if len(vals) != len(dest) {
		return fmt.Errorf("packed row: %d values, want %d", len(vals), len(dest))
	}
	for i, v := range vals {
		switch v := v.(type) {
		case nil, string:
			dest[i] = v
		case json.Number:
			n, err := v.Int64()
			if err != nil {
				return fmt.Errorf("packed row: value %d: %w", i, err)
			}
			dest[i] = n
		default:
			return fmt.Errorf("packed row: value %d: unexpected %T", i, v)
		}
	}
	return nil
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
// It is the hottest read of the application, so it runs a statement
// prepared once, without GORM's statement building and reflection: on
// SQLite straight on the driver (publicLookupDirect), on MySQL through
// database/sql, with the lookups that wait for a connection at the same
// time read in one query (verify_batch.go). The row is read fresh on every
// call, from the database as it is after the call began; package verify
// caches it per replica until the public generation moves
// (PublicGeneration), and reads it with PublicLetterSeenSince.
func (s *Store) PublicLetterByVerifyCode(ctx context.Context, code string) (*PublicLetter, error) {
	return s.publicLetter(ctx, code, time.Time{})
}

// PublicLetterSeenSince is PublicLetterByVerifyCode reading the database as
// it was at some moment after since, a time of this process's clock: every
// change committed before since is seen, one committed later may not be.
// A letter that such a read does not find is looked up again as the
// database is now, so that a letter signed after since is found.
//
// On SQLite a reader keeps the read transaction a lookup began for the
// lookups after it, for up to maxSnapshotAge, while since is not later
// than its start. Beginning and ending a read transaction took a fifth of
// a lookup at 1,000,000 letters: 44-46 against 35-36 µs, two goroutines
// looking up random letters. On MySQL every lookup reads the database as
// it is.
func (s *Store) PublicLetterSeenSince(ctx context.Context, code string, since time.Time) (*PublicLetter, error) {
	if since.IsZero() {
		return nil, errors.New("store: public letter seen since: no time given")
	}
	return s.publicLetter(ctx, code, since)
}

// publicLetter reads the letter with code, in a snapshot begun after since
// (zero: as the database is now).
func (s *Store) publicLetter(ctx context.Context, code string, since time.Time) (*PublicLetter, error) {
	if !surat.ValidVerifyCode(code) {
		return nil, fmt.Errorf("store: public letter by verify code: %w", surat.ErrNotFound)
	}
	s.publicCodes.Add(1)
	var l *PublicLetter
	var err error
	if s.publicReaders != nil {
		var vals [publicColumns]driver.Value
		if err = s.publicLookupDirect(ctx, code, since, vals[:]); err == nil {
			l, err = publicLetterFrom(vals[:])
		}
	} else {
		l, err = s.publicBatches.lookup(ctx, code)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: public letter by verify code: %w", surat.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: public letter by verify code: %w", err)
	}
	return l, nil
}

// PublicReads is what the public lookups of a store have read from the
// database since it opened: Codes looked up, with Queries. A query reads
// one code, or on MySQL the codes of a batch (verify_batch.go); a lookup
// in a kept SQLite snapshot that does not find its code queries again.
// Scans that package verify answers from its letter cache read nothing.
type PublicReads struct {
	Codes, Queries int64
}

// PublicReads returns the counts of the store's public lookups.
func (s *Store) PublicReads() PublicReads {
	r := PublicReads{Codes: s.publicCodes.Load(), Queries: s.publicQueries.Load()}
	if s.publicBatches != nil {
		r.Queries += s.publicBatches.queries.Load()
	}
	return r
}

// publicColumns is the number of columns the public query selects.
const publicColumns = 21

// publicReader is a SQLite connection of the public lookups' own, with the
// lookup prepared on it.
type publicReader struct {
	conn driver.Conn
	stmt driver.StmtQueryContext
	// queries counts the queries run (the store's publicQueries).
	queries *atomic.Int64
	// snapshot is when the read transaction the reader keeps open began,
	// before its first read; zero when none is open.
	snapshot time.Time
}

// maxSnapshotAge bounds how long a reader keeps a read transaction open:
// an open one holds the write-ahead log's frames after it back from the
// database file, so a reader left idle has its transaction ended by
// sweepSnapshots.
const maxSnapshotAge = 200 * time.Millisecond

func (r *publicReader) close() {
	if c, ok := r.stmt.(driver.Stmt); ok {
		c.Close()
	}
	r.conn.Close()
}

// exec runs a statement without a result on the reader's connection.
func (r *publicReader) exec(query string) error {
	_, err := r.conn.(driver.ExecerContext).ExecContext(context.Background(), query, nil)
	return err
}

// begin opens a read transaction to keep; its snapshot is taken by the
// first lookup in it, after the time begin records.
func (r *publicReader) begin() error {
	start := time.Now()
	if err := r.exec("BEGIN DEFERRED"); err != nil {
		return err
	}
	r.snapshot = start
	return nil
}

// expired says whether the reader's open transaction is maxSnapshotAge
// old.
func (r *publicReader) expired() bool {
	return time.Since(r.snapshot) >= maxSnapshotAge
}

// end ends the reader's read transaction, if one is open.
func (r *publicReader) end() error {
	if r.snapshot.IsZero() {
		return nil
	}
	r.snapshot = time.Time{}
	return r.exec("COMMIT")
}

// lookup reads the letter with code into dest, in a snapshot begun after
// since; a zero since reads in a transaction of the lookup's own, as the
// database is now. A snapshot kept from before since, or older than
// maxSnapshotAge, is ended first.
func (r *publicReader) lookup(code string, since time.Time, dest []driver.Value) error {
	if !r.snapshot.IsZero() && (since.IsZero() || r.snapshot.Before(since) || r.expired()) {
		if err := r.end(); err != nil {
			return err
		}
	}
	reused := !r.snapshot.IsZero()
	if !reused && !since.IsZero() {
		if err := r.begin(); err != nil {
			return err
		}
	}
	err := r.query(code, dest)
	if errors.Is(err, sql.ErrNoRows) && reused {
		// Signed after the snapshot began, perhaps: look again as the
		// database is now.
		if err := r.end(); err != nil {
			return err
		}
		return r.query(code, dest)
	}
	return err
}

// query runs the prepared lookup of code.
func (r *publicReader) query(code string, dest []driver.Value) error {
	r.queries.Add(1)
	rows, err := r.stmt.QueryContext(context.Background(), []driver.NamedValue{{Ordinal: 1, Value: code}})
	if err != nil {
		return err
	}
	var packed [1]driver.Value
	err = rows.Next(packed[:])
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, io.EOF) {
		return sql.ErrNoRows
	}
	if err != nil {
		return err
	}
	switch p := packed[0].(type) {
	case string:
		return unpackRow(p, dest)
	case []byte:
		return unpackRow(string(p), dest)
	}
	return fmt.Errorf("packed row: unexpected %T", packed[0])
}

// publicLookupDirect runs the lookup on SQLite through one of the store's
// publicReaders, straight on the driver: database/sql's bookkeeping for a
// pooled statement (finding the connection's copy of it, a Rows, a
// conversion per column) cost a third of a lookup (21.6 vs 15.1 us in a
// benchmark), and its pool hands a freed connection to a random waiter,
// which under a flood of scans left some requests waiting many times the
// median. Readers are taken in arrival order and opened at first use; one
// that fails is closed and opened again next time. The query runs without
// the request's cancellation: watching it cost the driver a goroutine per
// query for a lookup of tens of microseconds, and a reader never waits for
// a lock (WAL).
func (s *Store) publicLookupDirect(ctx context.Context, code string, since time.Time, dest []driver.Value) (err error) {
	var r *publicReader
	select {
	case r = <-s.publicReaders:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() {
		if err != nil && !errors.Is(err, sql.ErrNoRows) && r != nil {
			r.close()
			r = nil
		}
		s.publicReaders <- r
	}()
	if s.closed.Load() {
		return errors.New("store is closed")
	}
	if r == nil {
		if r, err = s.openPublicReader(); err != nil {
			return err
		}
	}
	err = r.lookup(code, since, dest)
	if !r.snapshot.IsZero() {
		s.scheduleSweep()
	}
	return err
}

// scheduleSweep has sweepSnapshots run in maxSnapshotAge, unless it is
// scheduled already.
func (s *Store) scheduleSweep() {
	if s.sweepPending.CompareAndSwap(false, true) {
		time.AfterFunc(maxSnapshotAge, s.sweepSnapshots)
	}
}

// sweepSnapshots ends the read transactions of the idle readers that are
// maxSnapshotAge old, so that a reader the traffic left does not keep one
// open, and runs again later while a reader keeps one or is in use.
func (s *Store) sweepSnapshots() {
	idle := make([]*publicReader, 0, cap(s.publicReaders))
take:
	for range cap(s.publicReaders) {
		select {
		case r := <-s.publicReaders:
			idle = append(idle, r)
		default:
			break take
		}
	}
	again := len(idle) < cap(s.publicReaders) // some are in use
	for i, r := range idle {
		if r == nil || r.snapshot.IsZero() {
			continue
		}
		if !r.expired() {
			again = true
			continue
		}
		if err := r.end(); err != nil {
			r.close()
			idle[i] = nil
		}
	}
	s.sweepPending.Store(false)
	for _, r := range idle {
		s.publicReaders <- r
	}
	if again && !s.closed.Load() {
		s.scheduleSweep()
	}
}

// openPublicReader opens a SQLite connection with the readers' pragmas
// (publicReaderDSN) and prepares the lookup on it.
func (s *Store) openPublicReader() (*publicReader, error) {
	c, err := (&msqlite.Driver{}).Open(s.readerDSN)
	if err != nil {
		return nil, fmt.Errorf("open reader: %w", err)
	}
	st, err := c.(driver.ConnPrepareContext).PrepareContext(context.Background(), publicPackedQuery())
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("prepare: %w", err)
	}
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		st.Close()
		c.Close()
		return nil, errors.New("sqlite statement cannot query with a context")
	}
	return &publicReader{conn: c, stmt: q, queries: &s.publicQueries}, nil
}

// closePublicReaders closes the readers once every lookup in flight has
// given its reader back.
func (s *Store) closePublicReaders() {
	if s.publicReaders == nil {
		return
	}
	s.closed.Store(true)
	n := cap(s.publicReaders)
	for range n {
		if r := <-s.publicReaders; r != nil {
			r.close()
		}
	}
	for range n {
		s.publicReaders <- nil
	}
}

// publicLetterBox is a PublicLetter with room for the values its pointers
// point to, so that publicLetterFrom allocates a letter once, not once for
// each optional value.
type publicLetterBox struct {
	PublicLetter
	number, certSerial, certFingerprint string
	signer, replacedBy, template        int64
	times                               [len(publicTimes)]time.Time
}

// publicTimes are the indexes of the time columns in the public query, in
// the order of publicTimeColumns.
var publicTimes = [...]int{8, 9, 10, 12, 18, 19, 20}

// publicLetterFrom reads the columns of the public query as the driver
// gives them: int64, string or []byte, and time.Time (MySQL) or text
// (SQLite) for the times. A []byte may be the driver's buffer, which the
// next row overwrites: such texts are copied, into one string for the
// letter.
func publicLetterFrom(v []driver.Value) (*PublicLetter, error) {
	box := new(publicLetterBox)
	var text strings.Builder
	size := 0
	for _, x := range v {
		if b, ok := x.([]byte); ok {
			size += len(b)
		}
	}
	text.Grow(size)
	var ends [publicColumns]int
	for i, x := range v {
		if b, ok := x.([]byte); ok {
			text.Write(b)
			ends[i] = text.Len()
		}
	}
	copied := text.String()
	var err error
	str := func(i int) string {
		switch x := v[i].(type) {
		case string:
			return x
		case []byte:
			return copied[ends[i]-len(x) : ends[i]]
		case nil:
			return ""
		}
		err = cmp.Or(err, fmt.Errorf("column %d: unexpected %T", i, v[i]))
		return ""
	}
	optStr := func(i int, into *string) *string {
		if v[i] == nil {
			return nil
		}
		*into = str(i)
		return into
	}
	optInt := func(i int, into *int64) *int64 {
		switch x := v[i].(type) {
		case nil:
			return nil
		case int64:
			*into = x
			return into
		}
		err = cmp.Or(err, fmt.Errorf("column %d: unexpected %T", i, v[i]))
		return nil
	}
	num := func(i int) int64 {
		var n int64
		if optInt(i, &n) == nil {
			err = cmp.Or(err, fmt.Errorf("column %d is null", i))
		}
		return n
	}
	var when [len(publicTimes)]*time.Time
	for k, i := range publicTimes {
		var t dbTime
		err = cmp.Or(err, t.Scan(v[i]))
		if t.valid {
			box.times[k] = t.t
			when[k] = &box.times[k]
		}
	}
	l := &box.PublicLetter
	l.ID, l.VillageID, l.Module, l.Status = num(0), num(1), str(2), surat.LetterStatus(str(3))
	l.SubjectName, l.Number, l.VerifyCode, l.PDFSHA256 = str(4), optStr(5, &box.number), str(6), str(7)
	l.IssuedAt, l.SignedAt, l.ValidUntil, l.SignerOfficialID = when[0], when[1], when[2], optInt(11, &box.signer)
	l.RevokedAt, l.RevokeCode = when[3], surat.RevocationReason(str(13))
	l.ReplacedByID, l.TemplateID = optInt(14, &box.replacedBy), optInt(15, &box.template)
	l.CertSerial, l.CertFingerprint = optStr(16, &box.certSerial), optStr(17, &box.certFingerprint)
	l.CertNotBefore, l.CertNotAfter, l.CertRevokedAt = when[4], when[5], when[6]
	if err != nil {
		return nil, err
	}
	return l, nil
}

// publicLookupSlots is how many public lookups (or batches of them) may
// run at once with a pool of maxOpen connections (0: unlimited): all but a
// quarter of them, at least one, so that the staff keep connections under
// a flood of scans.
func publicLookupSlots(maxOpen int) int {
	if maxOpen <= 0 {
		return 64
	}
	return max(1, maxOpen-max(1, maxOpen/4))
}

// dbTime scans a nullable time column: a time.Time from MySQL, or the text
// of a SQLite DATETIME read with CAST(... AS TEXT) (publicQuery).
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
	if t, ok := parseUTC(s); ok {
		*d = dbTime{t: t, valid: true}
		return nil
	}
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*d = dbTime{t: t, valid: true}
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse time %q", s)
}

// parseUTC reads the shape the SQLite driver writes a UTC time in,
// "2006-01-02 15:04:05.999999999+00:00" (the fraction optional), which
// is every time the application stores, as a time in UTC; ok is
// false for anything else, which Scan gives to time.Parse. The public
// lookup reads seven times a scan: time.Parse took 1.5% of the server's
// CPU under scripts/bench-verify.sh's load at 1,000,000 letters.
func parseUTC(s string) (t time.Time, ok bool) {
	const prefix, zone = len("2006-01-02 15:04:05"), "+00:00"
	rest := len(s) - len(zone)
	if rest < prefix || s[rest:] != zone || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec := num(11, 13), num(14, 16), num(17, 19)
	nsec := 0
	if frac := s[prefix:rest]; frac != "" {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		if nsec = num(prefix+1, rest); nsec < 0 {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			nsec *= 10
		}
	}
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
		sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}
