-- +goose Up
-- The sweep and a failed signing ask whether a committed row names a blob
-- key; with millions of letters that must be an index seek.
CREATE INDEX letters_pdf_path ON letters (pdf_path);
CREATE INDEX request_attachments_path ON request_attachments (path);

-- +goose Down
DROP INDEX request_attachments_path ON request_attachments;
DROP INDEX letters_pdf_path ON letters;
