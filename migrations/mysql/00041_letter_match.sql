-- +goose Up
-- letter_match_keys lets the public check say whether a NIK or full name
-- typed from a paper letter is that of one of the letter's subjects, without
-- storing either: digest is HMAC-SHA256 under a key derived from APP_SECRET
-- (key_id names the key) of the kind, the letter id and the normalised value
-- (surat.MatchKey). Rows are written when the letter is signed, or by the
-- backfill for letters signed before (issuance.BackfillMatchKeys).
CREATE TABLE letter_match_keys (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id BIGINT      NOT NULL,
    letter_id  BIGINT      NOT NULL,
    kind       VARCHAR(10) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    key_id     CHAR(16)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    digest     CHAR(64)    CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    UNIQUE KEY letter_match_keys_letter (letter_id, key_id, kind, digest),
    KEY letter_match_keys_village (village_id),
    CONSTRAINT letter_match_keys_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT letter_match_keys_letter_fk FOREIGN KEY (letter_id) REFERENCES letters (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- verify_attempts counts public attempts per bucket (a letter's matches, a
-- client's matches on one letter, an API key's batches) in a fixed window
-- that starts with the first attempt: window_start in Unix seconds. Kept in
-- the database so that a limit holds across replicas and restarts; rows of
-- windows long over are purged.
CREATE TABLE verify_attempts (
    bucket       VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    window_start BIGINT       NOT NULL,
    hits         INT          NOT NULL,
    KEY verify_attempts_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE verify_attempts;
DROP TABLE letter_match_keys;
