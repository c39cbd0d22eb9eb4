package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"gorm.io/gorm"
)

// PublicGeneration returns the count of changes to what the public check
// shows of letters already signed (migration 00100): every transaction
// that revokes or replaces a letter, signs a replacement or revokes a
// signer certificate adds one to it, so a replica that cached public
// letters knows from one cheap read whether they may have changed. The
// value only ever means "changed or not": a restore may set it back.
func (s *Store) PublicGeneration(ctx context.Context) (int64, error) {
	var n int64
	if err := s.sqlDB.QueryRowContext(ctx, "SELECT n FROM public_generation WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: public generation: %w", err)
	}
	return n, nil
}

// bumpPublicGeneration adds one to the public generation inside tx, which
// changes what the public check shows of a signed letter. The row lock it
// takes is held to the commit, so concurrent bumps count one after another
// in commit order; the changes that need it are rare.
//
// The transaction's commit then tells this process's OnPublicChange
// listeners the generation it wrote, so that a replica shows its own
// change at once rather than at its next read of the generation, and that
// read, finding the value it was told, flushes nothing again.
func bumpPublicGeneration(tx *gorm.DB) error {
	res := tx.Exec("UPDATE public_generation SET n = n + 1 WHERE id = 1")
	if res.Error != nil {
		return fmt.Errorf("public generation: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return errors.New("public generation: the row is missing (migration 00100)")
	}
	change, ok := tx.Statement.Context.Value(publicChangeKey{}).(*publicChange)
	if !ok {
		return nil
	}
	// The row stays locked by tx, so this is the value tx commits.
	var n int64
	if err := tx.Raw("SELECT n FROM public_generation WHERE id = 1").Scan(&n).Error; err != nil {
		return fmt.Errorf("public generation: %w", err)
	}
	change.gen.Store(n)
	change.moved.Store(true)
	return nil
}

// publicChange is what bumpPublicGeneration records in a transaction's
// context (Store.transactionOnce) for the listeners told at its commit.
type publicChange struct {
	moved atomic.Bool
	gen   atomic.Int64
}

// publicChangeKey is the context key of a transaction's *publicChange.
type publicChangeKey struct{}

// OnPublicChange calls f with the generation written after every
// transaction of this Store that moved the public generation has
// committed, until the returned function is called. f runs in the
// committing goroutine and must be quick.
func (s *Store) OnPublicChange(f func(gen int64)) (stop func()) {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	if s.listeners == nil {
		s.listeners = map[int]func(int64){}
	}
	s.nextListener++
	id := s.nextListener
	s.listeners[id] = f
	return func() {
		s.listenMu.Lock()
		defer s.listenMu.Unlock()
		delete(s.listeners, id)
	}
}

// publicChanged calls the OnPublicChange listeners with gen.
func (s *Store) publicChanged(gen int64) {
	s.listenMu.Lock()
	fs := make([]func(int64), 0, len(s.listeners))
	for _, f := range s.listeners {
		fs = append(fs, f)
	}
	s.listenMu.Unlock()
	for _, f := range fs {
		f(gen)
	}
}
