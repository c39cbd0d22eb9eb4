-- +goose Up
-- letters_public holds every column the public check reads of a signed
-- letter (store.publicColumnsSQL), so that a scan of a QR code is one
-- search of this index (InnoDB adds the primary key) and never reads the
-- letter's row in the clustered index, which carries the form data. Unlike
-- SQLite's, it also lists drafts: MariaDB has no partial indexes. Sixteen
-- columns is InnoDB's limit for one index. The lookup names the index
-- (FORCE INDEX), so a change to the public columns must change this index
-- too.
CREATE INDEX letters_public ON letters (verify_code, village_id, module, status, subject_name, number,
    pdf_sha256, issued_at, signed_at, valid_until, signer_official_id, revoked_at, revoke_code,
    replaced_by_id, template_id, certificate_id);

-- +goose Down
DROP INDEX letters_public ON letters;
