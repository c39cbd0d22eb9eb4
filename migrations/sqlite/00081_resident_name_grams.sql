-- +goose Up
-- resident_name_grams holds each resident's name once under every
-- trigram of it (lower case, single spaces), ordered by name, so that a
-- search for part of a name walks the names holding the term's rarest
-- trigram in name order instead of testing every name of a village with
-- LIKE '%...%'. The store writes the rows with the resident's
-- (migration 00082 fills them for residents stored before).
CREATE TABLE resident_name_grams (
    village_id  INTEGER NOT NULL REFERENCES villages(id),
    gram        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    PRIMARY KEY (village_id, gram, name, resident_id)
) WITHOUT ROWID;
CREATE INDEX resident_name_grams_resident ON resident_name_grams (resident_id);

-- +goose Down
DROP TABLE resident_name_grams;
