-- +goose Up
-- A form kept while signed out belongs to the session that was signed in
-- (its token hash): anonymous visitors cannot write stashes, and one
-- session may keep only a few small ones (store.SaveFormStash).
ALTER TABLE form_stashes ADD COLUMN session_hash TEXT;
CREATE INDEX form_stashes_session ON form_stashes (session_hash);

-- +goose Down
DROP INDEX form_stashes_session;
ALTER TABLE form_stashes DROP COLUMN session_hash;
