-- +goose Up
-- The household list's text search (the address, or the head's name
-- through resident_name_grams): every household of the village is
-- tested, in this index rather than in the rows, and only the page's rows
-- are read (store FindHouseholds).
CREATE INDEX households_village_search ON households (village_id, no_kk, address, head_id);

-- +goose Down
DROP INDEX households_village_search ON households;
