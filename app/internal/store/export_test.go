package store

import "context"

// VerifyAuditChainBatch is VerifyAuditChain reading batch entries at a time,
// so tests cross batch boundaries with a short chain.
var VerifyAuditChainBatch = (*Store).verifyAuditChain

// MigrateUpTo applies the migrations up to and including version.
func MigrateUpTo(ctx context.Context, s *Store, version int64) error {
	p, err := s.gooseProvider()
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls the migrations back until version is the newest.
func MigrateDownTo(ctx context.Context, s *Store, version int64) error {
	p, err := s.gooseProvider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}
