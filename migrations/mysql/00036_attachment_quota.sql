-- +goose Up
-- The per-village upload quota sums request_attachments.size by village
-- (store.addAttachments); this index answers it without reading the rows.
-- MySQL drops the index it made for request_attachments_village_fk, as this
-- one serves the foreign key too.
CREATE INDEX request_attachments_village_size ON request_attachments (village_id, size);

-- +goose Down
-- The foreign key holds on to this index: drop the key, the index, and add
-- the key again (MySQL makes its own index for it, as before Up).
ALTER TABLE request_attachments DROP FOREIGN KEY request_attachments_village_fk;
DROP INDEX request_attachments_village_size ON request_attachments;
ALTER TABLE request_attachments ADD CONSTRAINT request_attachments_village_fk
    FOREIGN KEY (village_id) REFERENCES villages (id);
