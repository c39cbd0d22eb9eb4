-- +goose Up
-- letters.revoke_code is the public reason a letter stopped being valid,
-- one of the fixed codes of surat.RevocationReason; revoke_reason is from
-- now on the staff's internal note and never published. Letters revoked
-- before reasons were coded get 'other' (their free text may name a person
-- or an address), replaced ones 'replaced'.
ALTER TABLE letters ADD COLUMN revoke_code VARCHAR(30) NOT NULL DEFAULT '';
UPDATE letters SET revoke_code = 'replaced' WHERE status = 'diganti';
UPDATE letters SET revoke_code = 'other' WHERE status = 'dicabut';

-- letter_revocation_requests holds a clerk's request to revoke a signed
-- letter until a signer of the village confirms it (the letter is then
-- revoked and the row deleted) or rejects it (the row is deleted). At most
-- one request per letter; the audit log keeps the history.
CREATE TABLE letter_revocation_requests (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id     BIGINT       NOT NULL,
    letter_id      BIGINT       NOT NULL,
    reason_code    VARCHAR(30)  NOT NULL,
    note           VARCHAR(500) NOT NULL DEFAULT '',
    replaced_by_id BIGINT       NULL,
    requested_by   BIGINT       NULL,
    created_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY letter_revocation_requests_letter (letter_id),
    KEY letter_revocation_requests_village (village_id, created_at),
    CONSTRAINT letter_revocation_requests_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT letter_revocation_requests_letter_fk FOREIGN KEY (letter_id) REFERENCES letters (id),
    CONSTRAINT letter_revocation_requests_replaced_by_fk FOREIGN KEY (replaced_by_id) REFERENCES letters (id),
    CONSTRAINT letter_revocation_requests_user_fk FOREIGN KEY (requested_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE letter_revocation_requests;
ALTER TABLE letters DROP COLUMN revoke_code;
