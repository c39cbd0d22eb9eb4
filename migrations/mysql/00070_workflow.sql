-- +goose Up
-- Issue 18: a workflow that never stalls. See the SQLite twin for the
-- meaning of every column.
ALTER TABLE users ADD COLUMN email VARCHAR(255) NOT NULL DEFAULT '';

ALTER TABLE letter_settings
    ADD COLUMN verification VARCHAR(20) NOT NULL DEFAULT '',
    ADD COLUMN requirements VARCHAR(2000) NOT NULL DEFAULT '';

ALTER TABLE letters
    ADD COLUMN verified_by   BIGINT       NULL,
    ADD COLUMN verified_at   DATETIME(6)  NULL,
    ADD COLUMN manual_seq    INT          NULL,
    ADD COLUMN manual_scope  VARCHAR(191) NULL,
    ADD COLUMN manual_year   INT          NULL,
    ADD COLUMN manual_reason VARCHAR(500) NOT NULL DEFAULT '',
    ADD UNIQUE KEY letters_village_manual (village_id, manual_scope, manual_year, manual_seq),
    ADD KEY letters_verified_by (verified_by),
    ADD CONSTRAINT letters_verified_by_fk FOREIGN KEY (verified_by) REFERENCES users (id);

ALTER TABLE resident_accounts
    ADD COLUMN notify_phone      VARCHAR(20)  NOT NULL DEFAULT '',
    ADD COLUMN notify_email      VARCHAR(255) NOT NULL DEFAULT '',
    ADD COLUMN notify_consent_at DATETIME(6)  NULL;

ALTER TABLE request_attachments ADD COLUMN requirement VARCHAR(100) NOT NULL DEFAULT '';

CREATE TABLE workflow_settings (
    village_id     BIGINT        NOT NULL PRIMARY KEY,
    verify_sekdes  BOOLEAN       NOT NULL DEFAULT FALSE,
    webhook_url    VARCHAR(500)  NOT NULL DEFAULT '',
    webhook_auth   VARCHAR(500)  NOT NULL DEFAULT '',
    webhook_body   VARCHAR(4000) NOT NULL DEFAULT '',
    webhook_format VARCHAR(10)   NOT NULL DEFAULT 'json',
    webhook_staff  BOOLEAN       NOT NULL DEFAULT FALSE,
    updated_at     DATETIME(6)   NOT NULL,
    CONSTRAINT workflow_settings_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE outbox_events (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id  BIGINT       NOT NULL,
    kind        VARCHAR(50)  NOT NULL,
    entity_id   BIGINT       NOT NULL,
    actor_id    BIGINT       NULL,
    status      VARCHAR(10)  NOT NULL DEFAULT 'pending',
    attempts    INT          NOT NULL DEFAULT 0,
    lease_owner VARCHAR(64)  NOT NULL DEFAULT '',
    lease_until DATETIME(6)  NULL,
    last_error  VARCHAR(500) NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NOT NULL,
    done_at     DATETIME(6)  NULL,
    KEY outbox_events_status (status, id),
    KEY outbox_events_village (village_id, id),
    CONSTRAINT outbox_events_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notifications (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id      BIGINT       NOT NULL,
    event_id        BIGINT       NULL,
    kind            VARCHAR(50)  NOT NULL,
    channel         VARCHAR(10)  NOT NULL,
    recipient       VARCHAR(50)  NOT NULL,
    address         VARCHAR(255) NOT NULL DEFAULT '',
    subject         VARCHAR(255) NOT NULL,
    body            TEXT         NOT NULL,
    link            VARCHAR(500) NOT NULL DEFAULT '',
    status          VARCHAR(10)  NOT NULL DEFAULT 'pending',
    attempts        INT          NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6)  NOT NULL,
    lease_owner     VARCHAR(64)  NOT NULL DEFAULT '',
    lease_until     DATETIME(6)  NULL,
    last_error      VARCHAR(500) NOT NULL DEFAULT '',
    created_at      DATETIME(6)  NOT NULL,
    sent_at         DATETIME(6)  NULL,
    KEY notifications_due (status, next_attempt_at),
    KEY notifications_village (village_id, id),
    KEY notifications_event (event_id),
    KEY notifications_recipient (village_id, recipient, kind, channel, status),
    CONSTRAINT notifications_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT notifications_event_fk FOREIGN KEY (event_id) REFERENCES outbox_events (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE notifications;
DROP TABLE outbox_events;
DROP TABLE workflow_settings;
ALTER TABLE request_attachments DROP COLUMN requirement;
ALTER TABLE resident_accounts DROP COLUMN notify_consent_at, DROP COLUMN notify_email, DROP COLUMN notify_phone;
ALTER TABLE letters DROP FOREIGN KEY letters_verified_by_fk;
ALTER TABLE letters DROP INDEX letters_verified_by, DROP INDEX letters_village_manual,
    DROP COLUMN manual_reason, DROP COLUMN manual_year, DROP COLUMN manual_scope, DROP COLUMN manual_seq,
    DROP COLUMN verified_at, DROP COLUMN verified_by;
ALTER TABLE letter_settings DROP COLUMN requirements, DROP COLUMN verification;
ALTER TABLE users DROP COLUMN email;
