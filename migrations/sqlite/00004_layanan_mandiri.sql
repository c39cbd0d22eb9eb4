-- +goose Up
-- resident_accounts: a resident's Layanan Mandiri login. The PIN is stored
-- as an Argon2id hash only; must_change forces a new PIN at the next login
-- (set whenever a clerk issues or resets one); failures count consecutive
-- wrong PINs and locked_until holds a lock-out after too many.
CREATE TABLE resident_accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id    INTEGER NOT NULL REFERENCES villages(id),
    resident_id   INTEGER NOT NULL REFERENCES residents(id),
    pin_hash      TEXT    NOT NULL,
    must_change   INTEGER NOT NULL DEFAULT 1,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  DATETIME,
    last_login_at DATETIME,
    issued_by     INTEGER REFERENCES users(id),
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    UNIQUE (resident_id)
);
CREATE INDEX resident_accounts_village ON resident_accounts (village_id);

-- resident_sessions are the browser sessions (kind 'web') and API tokens
-- (kind 'api') of residents, kept apart from staff sessions so that a
-- resident's token can never open a staff route. Only the SHA-256 of the
-- token is stored.
CREATE TABLE resident_sessions (
    token_hash TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES resident_accounts(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX resident_sessions_account ON resident_sessions (account_id);
CREATE INDEX resident_sessions_expires ON resident_sessions (expires_at);

-- letter_requests: a resident's request for a letter (permohonan). status
-- is what the resident or a clerk last set (belum_lengkap,
-- sedang_diperiksa, sudah_diambil, dibatalkan); menunggu_tanda_tangan and
-- siap_diambil are derived at read time from the linked letter's status, so
-- signing needs no second write. form_data holds the subjects by role and
-- the field values as JSON.
CREATE TABLE letter_requests (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id          INTEGER NOT NULL REFERENCES villages(id),
    resident_id         INTEGER NOT NULL REFERENCES residents(id),
    subject_resident_id INTEGER NOT NULL REFERENCES residents(id),
    module              TEXT    NOT NULL,
    form_data           TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    letter_id           INTEGER REFERENCES letters(id),
    message             TEXT    NOT NULL DEFAULT '',
    version             INTEGER NOT NULL DEFAULT 1,
    submitted_at        DATETIME NOT NULL,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX letter_requests_village_status ON letter_requests (village_id, status, id);
CREATE INDEX letter_requests_resident ON letter_requests (village_id, resident_id, id);
CREATE INDEX letter_requests_letter ON letter_requests (letter_id);

-- request_events is a request's timeline: every status change and every
-- message between clerk and resident.
CREATE TABLE request_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id INTEGER NOT NULL REFERENCES villages(id),
    request_id INTEGER NOT NULL REFERENCES letter_requests(id),
    status     TEXT    NOT NULL DEFAULT '',
    by_clerk   INTEGER NOT NULL DEFAULT 0,
    user_id    INTEGER REFERENCES users(id),
    message    TEXT    NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- request_attachments are the supporting documents of a request, stored
-- under APP_STORAGE/attachments/<village id>/<random hex> (no name, no NIK
-- in the path); content_type is sniffed from the bytes, never trusted from
-- the upload.
CREATE TABLE request_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id   INTEGER NOT NULL REFERENCES villages(id),
    request_id   INTEGER NOT NULL REFERENCES letter_requests(id),
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX request_attachments_request ON request_attachments (request_id, id);

-- +goose Down
DROP TABLE request_attachments;
DROP TABLE request_events;
DROP TABLE letter_requests;
DROP TABLE resident_sessions;
DROP TABLE resident_accounts;
