-- +goose Up
-- letters.revoke_code is the public reason a letter stopped being valid,
-- one of the fixed codes of surat.RevocationReason; revoke_reason is from
-- now on the staff's internal note and never published. Letters revoked
-- before reasons were coded get 'other' (their free text may name a person
-- or an address), replaced ones 'replaced'.
ALTER TABLE letters ADD COLUMN revoke_code TEXT NOT NULL DEFAULT '';
UPDATE letters SET revoke_code = 'replaced' WHERE status = 'diganti';
UPDATE letters SET revoke_code = 'other' WHERE status = 'dicabut';

-- letter_revocation_requests holds a clerk's request to revoke a signed
-- letter until a signer of the village confirms it (the letter is then
-- revoked and the row deleted) or rejects it (the row is deleted). At most
-- one request per letter; the audit log keeps the history.
CREATE TABLE letter_revocation_requests (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id     INTEGER  NOT NULL REFERENCES villages(id),
    letter_id      INTEGER  NOT NULL REFERENCES letters(id),
    reason_code    TEXT     NOT NULL,
    note           TEXT     NOT NULL DEFAULT '',
    replaced_by_id INTEGER  REFERENCES letters(id),
    requested_by   INTEGER  REFERENCES users(id),
    created_at     DATETIME NOT NULL
);
CREATE UNIQUE INDEX letter_revocation_requests_letter ON letter_revocation_requests (letter_id);
CREATE INDEX letter_revocation_requests_village ON letter_revocation_requests (village_id, created_at);

-- +goose Down
DROP TABLE letter_revocation_requests;
ALTER TABLE letters DROP COLUMN revoke_code;
