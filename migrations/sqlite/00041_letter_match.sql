-- +goose Up
-- letter_match_keys lets the public check say whether a NIK or full name
-- typed from a paper letter is that of one of the letter's subjects, without
-- storing either: digest is HMAC-SHA256 under a key derived from APP_SECRET
-- (key_id names the key) of the kind, the letter id and the normalised value
-- (surat.MatchKey). Rows are written when the letter is signed, or by the
-- backfill for letters signed before (issuance.BackfillMatchKeys).
CREATE TABLE letter_match_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id INTEGER NOT NULL REFERENCES villages(id),
    letter_id  INTEGER NOT NULL REFERENCES letters(id),
    kind       TEXT    NOT NULL,
    key_id     TEXT    NOT NULL,
    digest     TEXT    NOT NULL
);
CREATE UNIQUE INDEX letter_match_keys_letter ON letter_match_keys (letter_id, key_id, kind, digest);
CREATE INDEX letter_match_keys_village ON letter_match_keys (village_id);

-- verify_attempts counts public attempts per bucket (a letter's matches, a
-- client's matches on one letter, an API key's batches) in a fixed window
-- that starts with the first attempt: window_start in Unix seconds. Kept in
-- the database so that a limit holds across replicas and restarts; rows of
-- windows long over are purged.
CREATE TABLE verify_attempts (
    bucket       TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
);
CREATE INDEX verify_attempts_window ON verify_attempts (window_start);

-- +goose Down
DROP TABLE verify_attempts;
DROP TABLE letter_match_keys;
