-- +goose Up
-- The SQLite twin of this migration rebuilds tables to match this schema:
-- it adds letters.certificate_id's foreign key (here since 00003) and makes
-- the text primary keys of sessions, resident_sessions and form_stashes NOT
-- NULL (here always, as MySQL requires of a primary key). MySQL needs no
-- change; the file exists so that both dialects carry the same numbers.
SELECT 1;

-- +goose Down
SELECT 1;
