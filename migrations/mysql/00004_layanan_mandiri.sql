-- +goose Up
-- resident_accounts: a resident's Layanan Mandiri login. The PIN is stored
-- as an Argon2id hash only; must_change forces a new PIN at the next login
-- (set whenever a clerk issues or resets one); failures count consecutive
-- wrong PINs and locked_until holds a lock-out after too many.
CREATE TABLE resident_accounts (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id    BIGINT       NOT NULL,
    resident_id   BIGINT       NOT NULL,
    pin_hash      VARCHAR(255) NOT NULL,
    must_change   BOOLEAN      NOT NULL DEFAULT TRUE,
    failures      INT          NOT NULL DEFAULT 0,
    locked_until  DATETIME(6)  NULL,
    last_login_at DATETIME(6)  NULL,
    issued_by     BIGINT       NULL,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY resident_accounts_resident (resident_id),
    KEY resident_accounts_village (village_id),
    CONSTRAINT resident_accounts_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT resident_accounts_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id),
    CONSTRAINT resident_accounts_issued_by_fk FOREIGN KEY (issued_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- resident_sessions are the browser sessions (kind 'web') and API tokens
-- (kind 'api') of residents, kept apart from staff sessions so that a
-- resident's token can never open a staff route. Only the SHA-256 of the
-- token is stored.
CREATE TABLE resident_sessions (
    token_hash CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    kind       VARCHAR(10)  NOT NULL,
    account_id BIGINT       NOT NULL,
    csrf_token VARCHAR(64)  NOT NULL DEFAULT '',
    expires_at DATETIME(6)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    KEY resident_sessions_account (account_id),
    KEY resident_sessions_expires (expires_at),
    CONSTRAINT resident_sessions_account_fk FOREIGN KEY (account_id) REFERENCES resident_accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- letter_requests: a resident's request for a letter (permohonan). status
-- is what the resident or a clerk last set (belum_lengkap,
-- sedang_diperiksa, sudah_diambil, dibatalkan); menunggu_tanda_tangan and
-- siap_diambil are derived at read time from the linked letter's status, so
-- signing needs no second write. form_data holds the subjects by role and
-- the field values as JSON.
CREATE TABLE letter_requests (
    id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id          BIGINT       NOT NULL,
    resident_id         BIGINT       NOT NULL,
    subject_resident_id BIGINT       NOT NULL,
    module              VARCHAR(50)  NOT NULL,
    form_data           MEDIUMTEXT   NOT NULL,
    status              VARCHAR(30)  NOT NULL,
    letter_id           BIGINT       NULL,
    message             VARCHAR(500) NOT NULL DEFAULT '',
    version             INT          NOT NULL DEFAULT 1,
    submitted_at        DATETIME(6)  NOT NULL,
    created_at          DATETIME(6)  NOT NULL,
    updated_at          DATETIME(6)  NOT NULL,
    KEY letter_requests_village_status (village_id, status, id),
    KEY letter_requests_resident (village_id, resident_id, id),
    KEY letter_requests_letter (letter_id),
    CONSTRAINT letter_requests_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT letter_requests_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id),
    CONSTRAINT letter_requests_subject_fk FOREIGN KEY (subject_resident_id) REFERENCES residents (id),
    CONSTRAINT letter_requests_letter_fk FOREIGN KEY (letter_id) REFERENCES letters (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- request_events is a request's timeline: every status change and every
-- message between clerk and resident.
CREATE TABLE request_events (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id BIGINT       NOT NULL,
    request_id BIGINT       NOT NULL,
    status     VARCHAR(30)  NOT NULL DEFAULT '',
    by_clerk   BOOLEAN      NOT NULL DEFAULT FALSE,
    user_id    BIGINT       NULL,
    message    VARCHAR(500) NOT NULL DEFAULT '',
    created_at DATETIME(6)  NOT NULL,
    KEY request_events_request (request_id, id),
    CONSTRAINT request_events_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT request_events_request_fk FOREIGN KEY (request_id) REFERENCES letter_requests (id),
    CONSTRAINT request_events_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- request_attachments are the supporting documents of a request, stored
-- under APP_STORAGE/attachments/<village id>/<random hex> (no name, no NIK
-- in the path); content_type is sniffed from the bytes, never trusted from
-- the upload.
CREATE TABLE request_attachments (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id   BIGINT       NOT NULL,
    request_id   BIGINT       NOT NULL,
    content_type VARCHAR(50)  NOT NULL,
    size         BIGINT       NOT NULL,
    sha256       CHAR(64)     NOT NULL,
    path         VARCHAR(255) NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    KEY request_attachments_request (request_id, id),
    CONSTRAINT request_attachments_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT request_attachments_request_fk FOREIGN KEY (request_id) REFERENCES letter_requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE request_attachments;
DROP TABLE request_events;
DROP TABLE letter_requests;
DROP TABLE resident_sessions;
DROP TABLE resident_accounts;
