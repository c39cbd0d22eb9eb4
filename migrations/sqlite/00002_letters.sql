-- +goose Up
-- letter_settings holds a village's choices for one letter module; a module
-- without a row uses the catalogue defaults and is enabled. Within a row, an
-- empty kode_surat uses the module's klasifikasi, an empty number_format the
-- village's format, and validity_days 0 the module's validity period.
CREATE TABLE letter_settings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id    INTEGER NOT NULL REFERENCES villages(id),
    module        TEXT    NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    kode_surat    TEXT    NOT NULL DEFAULT '',
    number_format TEXT    NOT NULL DEFAULT '',
    validity_days INTEGER NOT NULL DEFAULT 0,
    online        INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (village_id, module)
);

-- letters: the number columns and verify_code stay NULL until the letter is
-- signed; the unique indexes then guarantee that no two letters of a village
-- share a number or a (scope, year, sequence), and that no verification code
-- is used twice. NULLs do not collide in a unique index.
CREATE TABLE letters (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id          INTEGER NOT NULL REFERENCES villages(id),
    module              TEXT    NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'draf',
    subject_resident_id INTEGER REFERENCES residents(id),
    subject_name        TEXT    NOT NULL DEFAULT '',
    form_data           TEXT    NOT NULL,
    created_by          INTEGER REFERENCES users(id),
    approved_by         INTEGER REFERENCES users(id),
    signer_official_id  INTEGER REFERENCES officials(id),
    number              TEXT,
    number_seq          INTEGER,
    number_year         INTEGER,
    number_scope        TEXT,
    verify_code         TEXT,
    pdf_path            TEXT    NOT NULL DEFAULT '',
    pdf_sha256          TEXT    NOT NULL DEFAULT '',
    certificate_id      INTEGER,
    issued_at           DATETIME,
    signed_at           DATETIME,
    valid_until         DATETIME,
    revoked_at          DATETIME,
    revoke_reason       TEXT    NOT NULL DEFAULT '',
    return_reason       TEXT    NOT NULL DEFAULT '',
    replaces_id         INTEGER REFERENCES letters(id),
    replaced_by_id      INTEGER REFERENCES letters(id),
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE UNIQUE INDEX letters_village_number ON letters (village_id, number);
CREATE UNIQUE INDEX letters_village_sequence ON letters (village_id, number_scope, number_year, number_seq);
CREATE UNIQUE INDEX letters_verify_code ON letters (verify_code);
CREATE INDEX letters_village_status ON letters (village_id, status, id);
CREATE INDEX letters_village_module ON letters (village_id, module, id);
CREATE INDEX letters_village_created ON letters (village_id, created_at);
CREATE INDEX letters_subject ON letters (subject_resident_id);
CREATE INDEX letters_replaces ON letters (replaces_id);

-- letter_counters holds the last sequence given out per village, scope and
-- year. Finalising a letter increments its row inside the signing
-- transaction, so the row lock serialises allocation and a failed signing
-- rolls the increment back.
CREATE TABLE letter_counters (
    village_id INTEGER NOT NULL REFERENCES villages(id),
    scope      TEXT    NOT NULL,
    year       INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    PRIMARY KEY (village_id, scope, year)
);

-- +goose Down
DROP TABLE letter_counters;
DROP TABLE letters;
DROP TABLE letter_settings;
