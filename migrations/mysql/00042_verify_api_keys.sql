-- +goose Up
-- verify_api_keys are the keys of institutions (a bank, a school) for the
-- bulk check POST /api/v1/verify/batch, issued and revoked by a kabupaten
-- admin. Only the SHA-256 of a key is stored; key_prefix, its first
-- characters, lets the admin tell keys apart. A revoked key opens nothing.
CREATE TABLE verify_api_keys (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    institution  VARCHAR(150) NOT NULL,
    key_prefix   VARCHAR(16)  NOT NULL,
    key_hash     CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    created_by   BIGINT       NULL,
    created_at   DATETIME(6)  NOT NULL,
    revoked_at   DATETIME(6)  NULL,
    revoked_by   BIGINT       NULL,
    last_used_at DATETIME(6)  NULL,
    uses         BIGINT       NOT NULL DEFAULT 0,
    UNIQUE KEY verify_api_keys_hash (key_hash),
    CONSTRAINT verify_api_keys_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT verify_api_keys_revoked_by_fk FOREIGN KEY (revoked_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE verify_api_keys;
