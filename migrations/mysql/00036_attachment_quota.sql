-- +goose Up
-- The per-village upload quota sums request_attachments.size by village
-- (store.addAttachments); this index answers it without reading the rows.
CREATE INDEX request_attachments_village_size ON request_attachments (village_id, size);

-- +goose Down
DROP INDEX request_attachments_village_size ON request_attachments;
