-- +goose Up
-- pki_roots holds the deployment's root CA: its certificate, its private key
-- sealed under the root passphrase (a JSON blob made by package pki; the key
-- is never stored in clear), and the latest CRL it signed. The newest row is
-- the active root; older rows stay so that letters signed under them remain
-- verifiable.
CREATE TABLE pki_roots (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    common_name    TEXT    NOT NULL,
    fingerprint    TEXT    NOT NULL,
    cert_pem       TEXT    NOT NULL,
    sealed_key     TEXT    NOT NULL,
    crl_number     INTEGER NOT NULL DEFAULT 0,
    crl_der        BLOB,
    crl_updated_at DATETIME,
    created_at     DATETIME NOT NULL,
    UNIQUE (fingerprint)
);

-- signer_certificates holds one certificate per signing official (a new
-- row when a certificate is re-issued), its private key sealed under the
-- official's passphrase, its revocation, and the count of wrong passphrases
-- that locks signing for a while.
CREATE TABLE signer_certificates (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id        INTEGER NOT NULL REFERENCES villages(id),
    official_id       INTEGER NOT NULL REFERENCES officials(id),
    root_id           INTEGER NOT NULL REFERENCES pki_roots(id),
    serial            TEXT    NOT NULL,
    fingerprint       TEXT    NOT NULL,
    cert_pem          TEXT    NOT NULL,
    sealed_key        TEXT    NOT NULL,
    not_before        DATETIME NOT NULL,
    not_after         DATETIME NOT NULL,
    revoked_at        DATETIME,
    revoke_reason     TEXT    NOT NULL DEFAULT '',
    sign_failures     INTEGER NOT NULL DEFAULT 0,
    sign_locked_until DATETIME,
    created_at        DATETIME NOT NULL,
    UNIQUE (serial),
    UNIQUE (fingerprint)
);
CREATE INDEX signer_certificates_official ON signer_certificates (village_id, official_id);
CREATE INDEX signer_certificates_root ON signer_certificates (root_id, revoked_at);

-- letters.certificate_id (from 00002) refers to signer_certificates.id.
-- SQLite cannot add a foreign key to an existing table without rebuilding
-- it; the store only ever writes ids it has just read.
CREATE INDEX letters_certificate ON letters (certificate_id);

-- +goose Down
DROP INDEX letters_certificate;
DROP TABLE signer_certificates;
DROP TABLE pki_roots;
