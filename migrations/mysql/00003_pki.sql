-- +goose Up
-- pki_roots holds the deployment's root CA: its certificate, its private key
-- sealed under the root passphrase (a JSON blob made by package pki; the key
-- is never stored in clear), and the latest CRL it signed. The newest row is
-- the active root; older rows stay so that letters signed under them remain
-- verifiable.
CREATE TABLE pki_roots (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    common_name    VARCHAR(200) NOT NULL,
    fingerprint    CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    cert_pem       TEXT         NOT NULL,
    sealed_key     TEXT         NOT NULL,
    crl_number     BIGINT       NOT NULL DEFAULT 0,
    crl_der        LONGBLOB     NULL,
    crl_updated_at DATETIME(6)  NULL,
    created_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY pki_roots_fingerprint (fingerprint)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- signer_certificates holds one certificate per signing official (a new
-- row when a certificate is re-issued), its private key sealed under the
-- official's passphrase, its revocation, and the count of wrong passphrases
-- that locks signing for a while.
CREATE TABLE signer_certificates (
    id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id        BIGINT       NOT NULL,
    official_id       BIGINT       NOT NULL,
    root_id           BIGINT       NOT NULL,
    serial            VARCHAR(40)  CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    fingerprint       CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    cert_pem          TEXT         NOT NULL,
    sealed_key        TEXT         NOT NULL,
    not_before        DATETIME(6)  NOT NULL,
    not_after         DATETIME(6)  NOT NULL,
    revoked_at        DATETIME(6)  NULL,
    revoke_reason     VARCHAR(500) NOT NULL DEFAULT '',
    sign_failures     INT          NOT NULL DEFAULT 0,
    sign_locked_until DATETIME(6)  NULL,
    created_at        DATETIME(6)  NOT NULL,
    UNIQUE KEY signer_certificates_serial (serial),
    UNIQUE KEY signer_certificates_fingerprint (fingerprint),
    KEY signer_certificates_official (village_id, official_id),
    KEY signer_certificates_root (root_id, revoked_at),
    CONSTRAINT signer_certificates_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT signer_certificates_official_fk FOREIGN KEY (official_id) REFERENCES officials (id),
    CONSTRAINT signer_certificates_root_fk FOREIGN KEY (root_id) REFERENCES pki_roots (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- letters.certificate_id (from 00002) refers to signer_certificates.id.
CREATE INDEX letters_certificate ON letters (certificate_id);
ALTER TABLE letters ADD CONSTRAINT letters_certificate_fk
    FOREIGN KEY (certificate_id) REFERENCES signer_certificates (id);

-- +goose Down
ALTER TABLE letters DROP FOREIGN KEY letters_certificate_fk;
DROP INDEX letters_certificate ON letters;
DROP TABLE signer_certificates;
DROP TABLE pki_roots;
