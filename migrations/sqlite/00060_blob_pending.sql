-- +goose Up
-- blob_pending lists objects written to the blob store (APP_BLOB_URL) whose
-- database row is not committed yet. A key is recorded here before its
-- object is put and deleted in the transaction that commits the row that
-- names it (a letter's pdf_path, an attachment's path, a village's
-- logo_path). A key still listed long after (a crash, a rolled-back
-- signing) names an orphan the sweep deletes.
CREATE TABLE blob_pending (
    blob_key   TEXT     NOT NULL PRIMARY KEY,
    created_at DATETIME NOT NULL
);
CREATE INDEX blob_pending_created ON blob_pending (created_at);

-- +goose Down
DROP TABLE blob_pending;
