-- +goose Up
-- verify_api_keys are the keys of institutions (a bank, a school) for the
-- bulk check POST /api/v1/verify/batch, issued and revoked by a kabupaten
-- admin. Only the SHA-256 of a key is stored; key_prefix, its first
-- characters, lets the admin tell keys apart. A revoked key opens nothing.
CREATE TABLE verify_api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    institution  TEXT     NOT NULL,
    key_prefix   TEXT     NOT NULL,
    key_hash     TEXT     NOT NULL,
    created_by   INTEGER  REFERENCES users(id),
    created_at   DATETIME NOT NULL,
    revoked_at   DATETIME,
    revoked_by   INTEGER  REFERENCES users(id),
    last_used_at DATETIME,
    uses         INTEGER  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX verify_api_keys_hash ON verify_api_keys (key_hash);

-- +goose Down
DROP TABLE verify_api_keys;
