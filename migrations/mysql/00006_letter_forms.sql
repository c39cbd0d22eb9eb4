-- +goose Up
-- letter_form_tokens makes the "new letter" form idempotent: every form shown
-- carries a random token, and the first submission claims it. A second
-- submission of the same form (a double click, a reload, a retry after a lost
-- response) finds the claim and is sent to the letter the first one created
-- instead of creating another. A claim whose letter_id is still NULL is a
-- submission in progress, or one that failed validation and was released.
CREATE TABLE letter_form_tokens (
    token      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    village_id BIGINT      NOT NULL,
    user_id    BIGINT      NOT NULL,
    letter_id  BIGINT      NULL,
    created_at DATETIME(6) NOT NULL,
    KEY letter_form_tokens_created (created_at),
    CONSTRAINT letter_form_tokens_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT letter_form_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT letter_form_tokens_letter_fk FOREIGN KEY (letter_id) REFERENCES letters (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE letter_form_tokens;
