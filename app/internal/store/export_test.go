package store

// VerifyAuditChainBatch is VerifyAuditChain reading batch entries at a time,
// so tests cross batch boundaries with a short chain.
var VerifyAuditChainBatch = (*Store).verifyAuditChain
