-- +goose Up
-- blob_pending lists objects written to the blob store (APP_BLOB_URL) whose
-- database row is not committed yet. A key is recorded here before its
-- object is put and deleted in the transaction that commits the row that
-- names it (a letter's pdf_path, an attachment's path, a village's
-- logo_path). A key still listed long after (a crash, a rolled-back
-- signing) names an orphan the sweep deletes.
CREATE TABLE blob_pending (
    blob_key   VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    created_at DATETIME(6)  NOT NULL,
    KEY blob_pending_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE blob_pending;
