-- +goose Up
-- A form kept while signed out belongs to the session that was signed in
-- (its token hash): anonymous visitors cannot write stashes, and one
-- session may keep only a few small ones (store.SaveFormStash).
ALTER TABLE form_stashes ADD COLUMN session_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD KEY form_stashes_session (session_hash);

-- +goose Down
ALTER TABLE form_stashes DROP KEY form_stashes_session, DROP COLUMN session_hash;
