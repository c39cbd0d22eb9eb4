-- +goose Up
-- certificate_enrolments are requests for a signer certificate made by an
-- official, signed in with their own penandatangan login: the key pair was
-- generated then, its private key sealed under the official's passphrase
-- (never known to anyone else), and the public key waits here for the CA
-- holder (the kabupaten admin) to approve it (status 'disetujui', the
-- certificate in certificate_id) or reject it ('ditolak', with a reason).
-- 'dibatalkan' is a request the same login replaced with a newer one.
CREATE TABLE certificate_enrolments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id      INTEGER  NOT NULL REFERENCES villages(id),
    official_id     INTEGER  NOT NULL REFERENCES officials(id),
    user_id         INTEGER  NOT NULL REFERENCES users(id),
    public_key_der  BLOB     NOT NULL,
    key_fingerprint TEXT     NOT NULL,
    sealed_key      TEXT     NOT NULL,
    status          TEXT     NOT NULL DEFAULT 'menunggu',
    reject_reason   TEXT     NOT NULL DEFAULT '',
    certificate_id  INTEGER  REFERENCES signer_certificates(id),
    decided_by      TEXT     NOT NULL DEFAULT '',
    decided_at      DATETIME,
    created_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX certificate_enrolments_key ON certificate_enrolments (key_fingerprint);
CREATE INDEX certificate_enrolments_status ON certificate_enrolments (status, id);
CREATE INDEX certificate_enrolments_user ON certificate_enrolments (village_id, user_id);

-- approved_by is who, as CA holder, issued the certificate: the kabupaten
-- admin who approved the enrolment, or the operator of `app pki issue`.
ALTER TABLE signer_certificates ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE signer_certificates DROP COLUMN approved_by;
DROP TABLE certificate_enrolments;
