-- +goose Up
-- resident_name_grams holds each resident's name once under every
-- trigram of it (lower case, single spaces), ordered by name, so that a
-- search for part of a name walks the names holding the term's rarest
-- trigram in name order instead of testing every name of a village with
-- LIKE '%...%'. The store writes the rows with the resident's
-- (migration 00082 fills them for residents stored before).
CREATE TABLE resident_name_grams (
    village_id  BIGINT      NOT NULL,
    gram        VARCHAR(3)   NOT NULL,
    name        VARCHAR(100) NOT NULL,
    resident_id BIGINT       NOT NULL,
    PRIMARY KEY (village_id, gram, name, resident_id),
    KEY resident_name_grams_resident (resident_id),
    CONSTRAINT resident_name_grams_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT resident_name_grams_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE resident_name_grams;
