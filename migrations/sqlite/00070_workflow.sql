-- +goose Up
-- Issue 18: a workflow that never stalls.
--
-- users.email is where a staff member gets notifications ('' for none).
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- letter_settings.verification overrides, for one module, whether the
-- sekretaris desa verifies a submitted letter before the signer approves
-- it: '' follows the village (workflow_settings.verify_sekdes), 'sekdes'
-- always, 'langsung' never. requirements is the module's required documents
-- (syarat) as a JSON array of short labels; '' means none.
ALTER TABLE letter_settings ADD COLUMN verification TEXT NOT NULL DEFAULT '';
ALTER TABLE letter_settings ADD COLUMN requirements TEXT NOT NULL DEFAULT '';

-- letters: verified_by/verified_at record the sekretaris desa's
-- verification (cleared whenever the letter goes back to draft). manual_*
-- is a sequence number the admin desa chose for the letter, with the scope
-- and year it belongs to and the reason; the unique index keeps two
-- letters from reserving the same one, and the counter skips it.
ALTER TABLE letters ADD COLUMN verified_by INTEGER REFERENCES users(id);
ALTER TABLE letters ADD COLUMN verified_at DATETIME;
ALTER TABLE letters ADD COLUMN manual_seq INTEGER;
ALTER TABLE letters ADD COLUMN manual_scope TEXT;
ALTER TABLE letters ADD COLUMN manual_year INTEGER;
ALTER TABLE letters ADD COLUMN manual_reason TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX letters_village_manual ON letters (village_id, manual_scope, manual_year, manual_seq);
CREATE INDEX letters_verified_by ON letters (verified_by);

-- resident_accounts: a resident's consent to notifications and where to
-- send them (a phone number for the village's WhatsApp/Telegram gateway,
-- an e-mail address); notify_consent_at is when they opted in, NULL when
-- they did not.
ALTER TABLE resident_accounts ADD COLUMN notify_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE resident_accounts ADD COLUMN notify_email TEXT NOT NULL DEFAULT '';
ALTER TABLE resident_accounts ADD COLUMN notify_consent_at DATETIME;

-- request_attachments.requirement is the required document (a label of
-- letter_settings.requirements) an upload meets; '' for other documents.
ALTER TABLE request_attachments ADD COLUMN requirement TEXT NOT NULL DEFAULT '';

-- workflow_settings holds a village's workflow choices: whether the
-- sekretaris desa verifies letters, and the HTTP webhook that carries
-- notifications to a WhatsApp gateway or a Telegram bot (URL, an optional
-- Authorization header value, the body template and its format, and
-- whether staff notifications go to it too). No row: no verification, no
-- webhook.
CREATE TABLE workflow_settings (
    village_id     INTEGER  NOT NULL PRIMARY KEY REFERENCES villages(id),
    verify_sekdes  INTEGER  NOT NULL DEFAULT 0,
    webhook_url    TEXT     NOT NULL DEFAULT '',
    webhook_auth   TEXT     NOT NULL DEFAULT '',
    webhook_body   TEXT     NOT NULL DEFAULT '',
    webhook_format TEXT     NOT NULL DEFAULT 'json',
    webhook_staff  INTEGER  NOT NULL DEFAULT 0,
    updated_at     DATETIME NOT NULL
);

-- outbox_events is the transactional outbox: a row written in the same
-- transaction as the state change it announces (a letter submitted, a
-- request returned...). A worker claims pending rows with a lease
-- (lease_owner, lease_until), turns each into notifications and marks it
-- done; a crashed worker's lease simply runs out.
CREATE TABLE outbox_events (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    village_id  INTEGER  NOT NULL REFERENCES villages(id),
    kind        TEXT     NOT NULL,
    entity_id   INTEGER  NOT NULL,
    actor_id    INTEGER,
    status      TEXT     NOT NULL DEFAULT 'pending',
    attempts    INTEGER  NOT NULL DEFAULT 0,
    lease_owner TEXT     NOT NULL DEFAULT '',
    lease_until DATETIME,
    last_error  TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    done_at     DATETIME
);
CREATE INDEX outbox_events_status ON outbox_events (status, id);
CREATE INDEX outbox_events_village ON outbox_events (village_id, id);

-- notifications are the deliveries: one message to one address over one
-- channel (email or webhook), with its delivery state (pending, sent,
-- failed), attempts, the next try (exponential backoff) and the last error.
-- recipient names who it is for ('user:7', 'resident:12', 'kantor'); a
-- message holds a short description and a link, never a NIK, KK or birth
-- date.
CREATE TABLE notifications (
    id              INTEGER  PRIMARY KEY AUTOINCREMENT,
    village_id      INTEGER  NOT NULL REFERENCES villages(id),
    event_id        INTEGER  REFERENCES outbox_events(id),
    kind            TEXT     NOT NULL,
    channel         TEXT     NOT NULL,
    recipient       TEXT     NOT NULL,
    address         TEXT     NOT NULL DEFAULT '',
    subject         TEXT     NOT NULL,
    body            TEXT     NOT NULL,
    link            TEXT     NOT NULL DEFAULT '',
    status          TEXT     NOT NULL DEFAULT 'pending',
    attempts        INTEGER  NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    lease_owner     TEXT     NOT NULL DEFAULT '',
    lease_until     DATETIME,
    last_error      TEXT     NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    sent_at         DATETIME
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_village ON notifications (village_id, id);
CREATE INDEX notifications_event ON notifications (event_id);
CREATE INDEX notifications_recipient ON notifications (village_id, recipient, kind, channel, status);

-- +goose Down
DROP TABLE notifications;
DROP TABLE outbox_events;
DROP TABLE workflow_settings;
ALTER TABLE request_attachments DROP COLUMN requirement;
ALTER TABLE resident_accounts DROP COLUMN notify_consent_at;
ALTER TABLE resident_accounts DROP COLUMN notify_email;
ALTER TABLE resident_accounts DROP COLUMN notify_phone;
DROP INDEX letters_verified_by;
DROP INDEX letters_village_manual;
ALTER TABLE letters DROP COLUMN manual_reason;
ALTER TABLE letters DROP COLUMN manual_year;
ALTER TABLE letters DROP COLUMN manual_scope;
ALTER TABLE letters DROP COLUMN manual_seq;
ALTER TABLE letters DROP COLUMN verified_at;
ALTER TABLE letters DROP COLUMN verified_by;
ALTER TABLE letter_settings DROP COLUMN requirements;
ALTER TABLE letter_settings DROP COLUMN verification;
ALTER TABLE users DROP COLUMN email;
