package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// maxTxAttempts bounds how often one transaction is run again after the
// database rolled it back as a deadlock victim or certification conflict.
const maxTxAttempts = 6

// transaction runs fn in one database transaction, and runs it again whole,
// in a new transaction, when the database rolled it back because of a
// concurrent one (see retryable): MySQL's deadlock victim, a lock wait that
// timed out, or a Galera cluster refusing the commit after a certification
// conflict with a write on another node. Such a rollback undid everything,
// so running fn again is the only correct answer and never shows the
// conflict to the user. fn must therefore be repeatable: it must set its
// results afresh on every run and not depend on what an earlier run
// changed outside the database.
func (s *Store) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.retry(ctx, func() error { return s.transactionOnce(ctx, fn) })
}

// transactionOnce runs fn in one transaction without retrying, for callers
// with their own retry loop (FinalizeLetters).
func (s *Store) transactionOnce(ctx context.Context, fn func(tx *gorm.DB) error) error {
	change := new(publicChange) // set by bumpPublicGeneration
	err := s.db.WithContext(context.WithValue(ctx, publicChangeKey{}, change)).Transaction(fn)
	if err == nil && change.moved.Load() {
		s.publicChanged(change.gen.Load())
	}
	return err
}

// retry calls run until it succeeds, fails with an error that is not
// retryable, maxTxAttempts runs have failed, or ctx ends. It waits a little
// longer, with jitter, before every run, so that the transaction that won
// goes first and two losers do not collide again in step.
func (s *Store) retry(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || attempt >= maxTxAttempts || !retryable(err) {
			return err
		}
		s.retries.Add(1)
		if err := sleepBackoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// sleepBackoff waits about attempt² × 10 ms, jittered by ±50%, or until ctx
// ends.
func sleepBackoff(ctx context.Context, attempt int) error {
	base := time.Duration(attempt*attempt) * 10 * time.Millisecond
	d := base/2 + time.Duration(rand.Int64N(int64(base)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryable reports whether the database rolled err's transaction back
// because of another transaction, so that running it again can succeed:
// MySQL/MariaDB error 1213 (deadlock victim, and the error a Galera node
// reports for a certification conflict at commit or a brute-force abort
// by a replicated write), 1205 (lock wait timeout; InnoDB then rolls back
// the statement, and we roll back the rest), or any error with SQLSTATE
// 40001 (serialization failure; TiDB's write conflict 9007 carries it too).
func retryable(err error) bool {
	var me *mysqldriver.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	return me.Number == 1213 || me.Number == 1205 || string(me.SQLState[:]) == "40001"
}

// TxRetries returns how many transactions this Store ran again after a
// retryable conflict since it was opened, for /metrics.
func (s *Store) TxRetries() int64 { return s.retries.Load() }
