-- +goose Up
-- certificate_enrolments are requests for a signer certificate made by an
-- official, signed in with their own penandatangan login: the key pair was
-- generated then, its private key sealed under the official's passphrase
-- (never known to anyone else), and the public key waits here for the CA
-- holder (the kabupaten admin) to approve it (status 'disetujui', the
-- certificate in certificate_id) or reject it ('ditolak', with a reason).
-- 'dibatalkan' is a request the same login replaced with a newer one.
CREATE TABLE certificate_enrolments (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id      BIGINT       NOT NULL,
    official_id     BIGINT       NOT NULL,
    user_id         BIGINT       NOT NULL,
    public_key_der  BLOB         NOT NULL,
    key_fingerprint CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    sealed_key      TEXT         NOT NULL,
    status          VARCHAR(20)  NOT NULL DEFAULT 'menunggu',
    reject_reason   VARCHAR(500) NOT NULL DEFAULT '',
    certificate_id  BIGINT       NULL,
    decided_by      VARCHAR(100) NOT NULL DEFAULT '',
    decided_at      DATETIME(6)  NULL,
    created_at      DATETIME(6)  NOT NULL,
    UNIQUE KEY certificate_enrolments_key (key_fingerprint),
    KEY certificate_enrolments_status (status, id),
    KEY certificate_enrolments_user (village_id, user_id),
    CONSTRAINT certificate_enrolments_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT certificate_enrolments_official_fk FOREIGN KEY (official_id) REFERENCES officials (id),
    CONSTRAINT certificate_enrolments_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT certificate_enrolments_certificate_fk FOREIGN KEY (certificate_id) REFERENCES signer_certificates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- approved_by is who, as CA holder, issued the certificate: the kabupaten
-- admin who approved the enrolment, or the operator of `app pki issue`.
ALTER TABLE signer_certificates ADD COLUMN approved_by VARCHAR(100) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE signer_certificates DROP COLUMN approved_by;
DROP TABLE certificate_enrolments;
