-- +goose Up
-- The archive's text search (number or subject's name, LIKE '%term%'):
-- the letters that match are found in this index, a tenth of a letter's
-- row, instead of reading every letter of the village twice (store
-- searchLetters).
CREATE INDEX letters_village_search ON letters (village_id, number, subject_name);

-- +goose Down
DROP INDEX letters_village_search;
