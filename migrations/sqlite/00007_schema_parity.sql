-- +goose Up
-- Brings the SQLite schema in line with MySQL's, as
-- app/internal/store/schema_test.go checks on every CI run:
--   * letters.certificate_id gets its foreign key to signer_certificates,
--     which MySQL has had since 00003;
--   * the text primary keys of sessions, resident_sessions and form_stashes
--     become NOT NULL: SQLite, unlike MySQL, lets a primary key that is not
--     an INTEGER hold NULL unless the column says NOT NULL.
-- SQLite cannot add a constraint to an existing table, so each table is
-- rebuilt inside this migration's transaction. Foreign keys stay enforced.
-- letters is copied aside, dropped, created again under its own name and
-- refilled with the same ids; defer_foreign_keys postpones, until commit,
-- the check of the rows that point at letters (replacements, requests,
-- form tokens), which by then find their letter again. The AUTOINCREMENT
-- high-water mark of letters is kept, so no id is ever handed out twice.
-- The session tables have no rows pointing at them and are rebuilt the
-- usual way (new table, copy, drop, rename).
--
-- First every reference a letter holds is checked while foreign keys are
-- still immediate, through a scratch table with the new table's keys: a
-- letter whose certificate_id names no certificate (SQLite never checked
-- it) fails this statement, and the migration rolls back, rather than
-- failing at COMMIT, which leaves an SQLite transaction open.
CREATE TABLE letters_reference_check (
    village_id          INTEGER REFERENCES villages(id),
    subject_resident_id INTEGER REFERENCES residents(id),
    created_by          INTEGER REFERENCES users(id),
    approved_by         INTEGER REFERENCES users(id),
    signer_official_id  INTEGER REFERENCES officials(id),
    certificate_id      INTEGER REFERENCES signer_certificates(id),
    replaces_id         INTEGER REFERENCES letters(id),
    replaced_by_id      INTEGER REFERENCES letters(id)
);
INSERT INTO letters_reference_check
    SELECT village_id, subject_resident_id, created_by, approved_by, signer_official_id, certificate_id,
           replaces_id, replaced_by_id
    FROM letters;
DROP TABLE letters_reference_check;

PRAGMA defer_foreign_keys = ON;

CREATE TABLE letters_copy AS SELECT * FROM letters;
CREATE TABLE letters_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'letters';
DROP TABLE letters;
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
    certificate_id      INTEGER REFERENCES signer_certificates(id),
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
INSERT INTO letters (
    id, village_id, module, status, subject_resident_id, subject_name, form_data, created_by,
    approved_by, signer_official_id, number, number_seq, number_year, number_scope, verify_code,
    pdf_path, pdf_sha256, certificate_id, issued_at, signed_at, valid_until, revoked_at,
    revoke_reason, return_reason, replaces_id, replaced_by_id, version, created_at, updated_at)
SELECT
    id, village_id, module, status, subject_resident_id, subject_name, form_data, created_by,
    approved_by, signer_official_id, number, number_seq, number_year, number_scope, verify_code,
    pdf_path, pdf_sha256, certificate_id, issued_at, signed_at, valid_until, revoked_at,
    revoke_reason, return_reason, replaces_id, replaced_by_id, version, created_at, updated_at
FROM letters_copy;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM letters_seq)
    WHERE name = 'letters' AND seq < (SELECT seq FROM letters_seq);
INSERT INTO sqlite_sequence (name, seq) SELECT 'letters', seq FROM letters_seq
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'letters');
DROP TABLE letters_seq;
DROP TABLE letters_copy;
CREATE UNIQUE INDEX letters_village_number ON letters (village_id, number);
CREATE UNIQUE INDEX letters_village_sequence ON letters (village_id, number_scope, number_year, number_seq);
CREATE UNIQUE INDEX letters_verify_code ON letters (verify_code);
CREATE INDEX letters_village_status ON letters (village_id, status, id);
CREATE INDEX letters_village_module ON letters (village_id, module, id);
CREATE INDEX letters_village_created ON letters (village_id, created_at);
CREATE INDEX letters_subject ON letters (subject_resident_id);
CREATE INDEX letters_replaces ON letters (replaces_id);
CREATE INDEX letters_certificate ON letters (certificate_id);

CREATE TABLE sessions_new (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO sessions_new (token_hash, kind, user_id, csrf_token, expires_at, created_at)
    SELECT token_hash, kind, user_id, csrf_token, expires_at, created_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE resident_sessions_new (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES resident_accounts(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO resident_sessions_new (token_hash, kind, account_id, csrf_token, expires_at, created_at)
    SELECT token_hash, kind, account_id, csrf_token, expires_at, created_at FROM resident_sessions;
DROP TABLE resident_sessions;
ALTER TABLE resident_sessions_new RENAME TO resident_sessions;
CREATE INDEX resident_sessions_account ON resident_sessions (account_id);
CREATE INDEX resident_sessions_expires ON resident_sessions (expires_at);

CREATE TABLE form_stashes_new (
    key_hash   TEXT     NOT NULL PRIMARY KEY,
    user_id    INTEGER,
    path       TEXT     NOT NULL,
    data       TEXT     NOT NULL,
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO form_stashes_new (key_hash, user_id, path, data, expires_at, created_at)
    SELECT key_hash, user_id, path, data, expires_at, created_at FROM form_stashes;
DROP TABLE form_stashes;
ALTER TABLE form_stashes_new RENAME TO form_stashes;
CREATE INDEX form_stashes_expires ON form_stashes (expires_at);

-- +goose Down
PRAGMA defer_foreign_keys = ON;

CREATE TABLE letters_copy AS SELECT * FROM letters;
CREATE TABLE letters_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'letters';
DROP TABLE letters;
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
INSERT INTO letters (
    id, village_id, module, status, subject_resident_id, subject_name, form_data, created_by,
    approved_by, signer_official_id, number, number_seq, number_year, number_scope, verify_code,
    pdf_path, pdf_sha256, certificate_id, issued_at, signed_at, valid_until, revoked_at,
    revoke_reason, return_reason, replaces_id, replaced_by_id, version, created_at, updated_at)
SELECT
    id, village_id, module, status, subject_resident_id, subject_name, form_data, created_by,
    approved_by, signer_official_id, number, number_seq, number_year, number_scope, verify_code,
    pdf_path, pdf_sha256, certificate_id, issued_at, signed_at, valid_until, revoked_at,
    revoke_reason, return_reason, replaces_id, replaced_by_id, version, created_at, updated_at
FROM letters_copy;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM letters_seq)
    WHERE name = 'letters' AND seq < (SELECT seq FROM letters_seq);
INSERT INTO sqlite_sequence (name, seq) SELECT 'letters', seq FROM letters_seq
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'letters');
DROP TABLE letters_seq;
DROP TABLE letters_copy;
CREATE UNIQUE INDEX letters_village_number ON letters (village_id, number);
CREATE UNIQUE INDEX letters_village_sequence ON letters (village_id, number_scope, number_year, number_seq);
CREATE UNIQUE INDEX letters_verify_code ON letters (verify_code);
CREATE INDEX letters_village_status ON letters (village_id, status, id);
CREATE INDEX letters_village_module ON letters (village_id, module, id);
CREATE INDEX letters_village_created ON letters (village_id, created_at);
CREATE INDEX letters_subject ON letters (subject_resident_id);
CREATE INDEX letters_replaces ON letters (replaces_id);
CREATE INDEX letters_certificate ON letters (certificate_id);

CREATE TABLE sessions_new (
    token_hash TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO sessions_new (token_hash, kind, user_id, csrf_token, expires_at, created_at)
    SELECT token_hash, kind, user_id, csrf_token, expires_at, created_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE resident_sessions_new (
    token_hash TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES resident_accounts(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO resident_sessions_new (token_hash, kind, account_id, csrf_token, expires_at, created_at)
    SELECT token_hash, kind, account_id, csrf_token, expires_at, created_at FROM resident_sessions;
DROP TABLE resident_sessions;
ALTER TABLE resident_sessions_new RENAME TO resident_sessions;
CREATE INDEX resident_sessions_account ON resident_sessions (account_id);
CREATE INDEX resident_sessions_expires ON resident_sessions (expires_at);

CREATE TABLE form_stashes_new (
    key_hash   TEXT     PRIMARY KEY,
    user_id    INTEGER,
    path       TEXT     NOT NULL,
    data       TEXT     NOT NULL,
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO form_stashes_new (key_hash, user_id, path, data, expires_at, created_at)
    SELECT key_hash, user_id, path, data, expires_at, created_at FROM form_stashes;
DROP TABLE form_stashes;
ALTER TABLE form_stashes_new RENAME TO form_stashes;
CREATE INDEX form_stashes_expires ON form_stashes (expires_at);
