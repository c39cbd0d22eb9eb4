package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/suratdesa/suratdesa/app/internal/surat"
)

// EffectiveStatusSQL evaluates effectiveStatusSQL for a request stored with
// status whose linked letter has letter ("" for a request without one,
// which the LEFT JOIN leaves NULL).
func (s *Store) EffectiveStatusSQL(ctx context.Context, status surat.RequestStatus, letter surat.LetterStatus) (surat.RequestStatus, error) {
	var got string
	err := s.db.WithContext(ctx).Raw("SELECT "+effectiveStatusSQL+" FROM (SELECT ? AS status) AS r "+
		"LEFT JOIN (SELECT ? AS status) AS l ON ?", string(status), string(letter), letter != "").Row().Scan(&got)
	return surat.RequestStatus(got), err
}

// VerifyAuditChainBatch is VerifyAuditChain reading batch entries at a time,
// so tests cross batch boundaries with a short chain.
var VerifyAuditChainBatch = (*Store).verifyAuditChain

// MigrateDownTo rolls the migrations back until version is the newest.
func MigrateDownTo(ctx context.Context, s *Store, version int64) error {
	p, err := s.gooseProvider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// MigrateApply applies (up) or rolls back (down) exactly the migration
// numbered version, whatever else is applied.
func MigrateApply(ctx context.Context, s *Store, version int64, up bool) error {
	p, err := s.gooseProvider()
	if err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, up)
	return err
}

// CountFormStashes is the number of form_stashes rows, live or not.
func (s *Store) CountFormStashes(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("form_stashes").Count(&n).Error
	return n, err
}

// InTransaction runs fn in the store's retrying transaction with exec
// bound to it, so tests can provoke conflicts with their own statements.
func (s *Store) InTransaction(ctx context.Context, fn func(exec func(q string, args ...any) error) error) error {
	return s.transaction(ctx, func(tx *gorm.DB) error {
		return fn(func(q string, args ...any) error { return tx.Exec(q, args...).Error })
	})
}

// Retryable exposes retryable.
var Retryable = retryable

// BatchPublicLookups makes s run its public lookups through database/sql
// and the batcher with slots slots, as on MySQL, also on a SQLite file
// (whose lookups otherwise use their own connections).
func (s *Store) BatchPublicLookups(slots int) {
	s.publicReaders = nil
	s.publicBatches = newPublicBatcher(slots, s.publicLookupBatch)
}

// HoldPublicSlots takes every slot of the public lookups' batcher until
// release is called, so that lookups queue in batches.
func (s *Store) HoldPublicSlots() (release func()) {
	for range cap(s.publicBatches.slots) {
		s.publicBatches.slots <- struct{}{}
	}
	return func() {
		for range cap(s.publicBatches.slots) {
			<-s.publicBatches.slots
		}
	}
}

// PublicBatchCounts is how many queries the batcher has run and how many
// lookups have joined a batch.
func (s *Store) PublicBatchCounts() (queries, joined int64) {
	return s.publicBatches.queries.Load(), s.publicBatches.joined.Load()
}

// MaxDusuns is how many dusun Dusuns lists at most.
const MaxDusuns = maxDusuns

// RarestGram is the trigram a name search for term walks in the village.
var RarestGram = (*Store).rarestGram

// PublicLookupQueries are the public lookup's statements in dialect: the
// one a SQLite reader prepares (packed) and the pooled one for n codes.
func PublicLookupQueries(dialect string, n int) []string {
	qs := []string{publicQuery(dialect, n)}
	if dialect == "sqlite" {
		qs = append(qs, publicPackedQuery())
	}
	return qs
}

// SetSearchAtOnce sets how many matches of an archive search are read at
// once (searchAtOnce) in s.
func SetSearchAtOnce(s *Store, n int) { s.searchAtOnce = n }
