package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// The pooled public lookups (MySQL, and an in-memory SQLite database) are
// batched: a lookup that finds every slot busy joins the batch waiting for
// the next free slot, and that batch reads all its codes with one query
// (verify_code IN (...)). On MySQL most of a lookup's cost is a
// statement's round trip, in the application and in the server alike, not
// the index search: at 1,000,000 letters scanned evenly, some 44 µs of the
// database server's CPU and 27 µs of the application's per lookup. A flood
// of scans then costs one round trip per batch of up to maxPublicBatch
// codes. A lookup that finds a slot free runs at once, alone, so a quiet
// server adds no wait.
//
// Every code joins its batch before the batch's query starts, so a lookup
// reads the database as it was after the lookup began, as an unbatched one
// does (verify's letter cache relies on it).
//
// At most publicBatchSlots queries run at once, fewer with a small pool
// (publicLookupSlots). Fewer slots make larger batches: at 1,000,000
// letters on MariaDB, scanned evenly by wrk (50 connections) on a
// two-core machine, with the server's CPU per scan (application +
// database):
//
//	unbatched, 19 lookups at once   14,100 req/s   74 + 48 µs   p99 11 ms
//	batched, 19 slots               15,100-16,100   64-71 + 40-42 µs
//	batched, 8 slots                19,500-20,300   52 + 27-28 µs
//	batched, 4 slots                21,000-21,200   50-51 + 21-22 µs   p99 8-9 ms
//	batched, 2 slots                20,700-23,500   45-53 + 17-19 µs
//
// While MariaDB searched the index twice for every code (publicQueryPrefix
// says why), a code cost it the same in a batch of any size, and one slot
// took about as much of its CPU as two, and no less of the application's.
// Without the second search a code costs less in a larger batch, and one
// slot makes batches of some 17 codes instead of 9. On another machine,
// alternating the three builds, with the share of the bare handler's req/s
// in the same run:
//
//	2 slots, two searches a code   0.26-0.34 (7 runs)   42-57 + 17-20 µs
//	2 slots, one search            0.28-0.36 (7 runs)   41-62 + 15-22 µs
//	1 slot, one search             0.31-0.34 (5 runs)   43-50 + 12-14 µs   p99 6-8 ms
//
// One slot queues the scans behind the query running, and leaves the rest
// of the pool to the staff: with a database 1 ms away, a batch of
// maxPublicBatch codes (a round trip and some 0.25 ms of the query) still
// serves some 25,000 scans a second per replica.
const (
	publicBatchSlots = 1
	publicBatchShift = 5
	maxPublicBatch   = 1 << publicBatchShift
	// publicBatchTimeout bounds a batch's query. A batch runs without the
	// cancellation of the requests in it (one leaving must not fail the
	// others); it is skipped when every request has left
	// (publicBatch.waiting).
	publicBatchTimeout = 10 * time.Second
)

// publicBatch is a set of codes looked up with one query.
type publicBatch struct {
	codes []string
	// waiting is how many lookups still wait for the result; a batch none
	// waits for by the time it gets a slot is not run. Guarded by the
	// batcher's mu.
	waiting int
	// letters and err are the result, set before done is closed: the
	// letter of codes[i] at i, nil when no signed letter has that code.
	letters []*PublicLetter
	err     error
	done    chan struct{}
}

// publicBatcher runs the pooled public lookups of a store.
type publicBatcher struct {
	// slots bounds the queries running at once (publicBatchSlots), and so
	// leaves the pool's other connections to the staff. Channel senders are
	// served in arrival order, so batches run in the order they formed.
	slots chan struct{}
	query func(ctx context.Context, codes []string) ([]*PublicLetter, error)

	mu      sync.Mutex
	pending *publicBatch // the batch taking codes, nil when none

	// The queries run (Store.PublicReads) and, for tests, the lookups
	// that joined a batch.
	queries, joined atomic.Int64
}

func newPublicBatcher(slots int, query func(context.Context, []string) ([]*PublicLetter, error)) *publicBatcher {
	return &publicBatcher{slots: make(chan struct{}, max(1, slots)), query: query}
}

// lookup reads the signed letter with code, or returns sql.ErrNoRows.
func (b *publicBatcher) lookup(ctx context.Context, code string) (*PublicLetter, error) {
	// A free slot: run alone, now.
	select {
	case b.slots <- struct{}{}:
		b.queries.Add(1)
		letters, err := b.query(ctx, []string{code})
		<-b.slots
		return pick(letters, err, 0)
	default:
	}
	b.mu.Lock()
	p := b.pending
	start := p == nil
	if start {
		p = &publicBatch{done: make(chan struct{})}
		b.pending = p
	}
	i := len(p.codes)
	p.codes = append(p.codes, code)
	p.waiting++
	b.joined.Add(1)
	if len(p.codes) == maxPublicBatch {
		b.pending = nil // full: the next lookup starts a batch of its own
	}
	b.mu.Unlock()
	if start {
		go b.run(p)
	}
	select {
	case <-p.done:
		return pick(p.letters, p.err, i)
	case <-ctx.Done():
		b.mu.Lock()
		p.waiting--
		b.mu.Unlock()
		return nil, ctx.Err()
	}
}

// run waits for a slot and runs p's query.
func (b *publicBatcher) run(p *publicBatch) {
	defer close(p.done)
	b.slots <- struct{}{}
	defer func() { <-b.slots }()
	b.mu.Lock()
	if b.pending == p {
		b.pending = nil // no code joins p once its query may start
	}
	codes, waiting := p.codes, p.waiting
	b.mu.Unlock()
	if waiting == 0 {
		p.err = context.Canceled
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), publicBatchTimeout)
	defer cancel()
	b.queries.Add(1)
	p.letters, p.err = b.query(ctx, codes)
}

// pick is the letter at i of a batch's result.
func pick(letters []*PublicLetter, err error, i int) (*PublicLetter, error) {
	switch {
	case err != nil:
		return nil, err
	case letters[i] == nil:
		return nil, sql.ErrNoRows
	}
	return letters[i], nil
}

// publicBatchSize is how many codes the prepared query for a batch of n
// takes: the next power of two, the batch padded with its first code, so
// that six statements serve every size (the server counts each prepared
// statement of every connection against max_prepared_stmt_count).
func publicBatchSize(n int) int {
	if n <= 1 {
		return 1
	}
	return min(maxPublicBatch, 1<<bits.Len(uint(n-1)))
}

// publicLookupBatch is the batcher's query: the signed letters among
// codes, the letter of codes[i] at i.
//
// Each column is scanned as the driver gives it (rawColumn), and
// publicLetterFrom copies a row's texts out of the driver's read buffer
// into one string. Scanned into *any, database/sql copied every text on
// its own, and the row went through a map by code: a batch of 17 codes of
// 1,000,000 letters on MariaDB made 58 allocations a code, against 21 now,
// most of them the driver's own.
func (s *Store) publicLookupBatch(ctx context.Context, codes []string) ([]*PublicLetter, error) {
	n := publicBatchSize(len(codes))
	stmt, err := s.publicBatchStmt(ctx, n)
	if err != nil {
		return nil, err
	}
	args := make([]any, n)
	for i := range args {
		args[i] = codes[0]
		if i < len(codes) {
			args[i] = codes[i]
		}
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make([]*PublicLetter, len(codes))
	var cols [publicColumns]rawColumn
	var row [publicColumns]driver.Value
	ptrs := make([]any, publicColumns)
	for i := range ptrs {
		ptrs[i] = &cols[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, c := range cols {
			row[i] = c.v
		}
		var code []byte
		switch c := row[publicCodeColumn].(type) {
		case string:
			code = []byte(c)
		case []byte:
			code = c
		default:
			return nil, fmt.Errorf("verify_code column: unexpected %T", c)
		}
		// A code asked twice in one batch gets a letter for each.
		for i, c := range codes {
			if c == string(code) && found[i] == nil {
				if found[i], err = publicLetterFrom(row[:]); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return found, nil
}

// rawColumn scans a column as the driver gives it, without a copy: a text
// as []byte is the driver's, valid until the next row is read.
type rawColumn struct{ v driver.Value }

// Scan implements sql.Scanner.
func (c *rawColumn) Scan(v any) error {
	c.v = v
	return nil
}

// publicCodeColumn is the index of l.verify_code in publicColumnsSQL.
const publicCodeColumn = 6

// publicBatchStmt returns the prepared batch query for n codes (a
// publicBatchSize), preparing it at its first use. A failed prepare is not
// remembered.
func (s *Store) publicBatchStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	i := bits.Len(uint(n)) - 1
	s.publicMu.Lock()
	defer s.publicMu.Unlock()
	if st := s.publicStmts[i]; st != nil {
		return st, nil
	}
	st, err := s.sqlDB.PrepareContext(ctx, publicQuery(s.dialect, n))
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	s.publicStmts[i] = st
	return st, nil
}

// closePublicStmts closes the prepared batch queries.
func (s *Store) closePublicStmts() {
	s.publicMu.Lock()
	defer s.publicMu.Unlock()
	for i, st := range s.publicStmts {
		if st != nil {
			st.Close()
			s.publicStmts[i] = nil
		}
	}
}
