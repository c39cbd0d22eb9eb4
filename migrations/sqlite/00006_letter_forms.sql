-- +goose Up
-- letter_form_tokens makes the "new letter" form idempotent: every form shown
-- carries a random token, and the first submission claims it. A second
-- submission of the same form (a double click, a reload, a retry after a lost
-- response) finds the claim and is sent to the letter the first one created
-- instead of creating another. A claim whose letter_id is still NULL is a
-- submission in progress, or one that failed validation and was released.
CREATE TABLE letter_form_tokens (
    token      TEXT     NOT NULL PRIMARY KEY,
    village_id INTEGER  NOT NULL REFERENCES villages(id),
    user_id    INTEGER  NOT NULL REFERENCES users(id),
    letter_id  INTEGER  REFERENCES letters(id),
    created_at DATETIME NOT NULL
);
CREATE INDEX letter_form_tokens_created ON letter_form_tokens (created_at);

-- +goose Down
DROP TABLE letter_form_tokens;
