-- +goose Up
-- letters_public holds every column the public check reads of a signed
-- letter (store.publicColumnsSQL), so that a scan of a QR code is one
-- search of this index and never reads the letter's row, which carries the
-- form data and is some 800 bytes. Drafts are left out: they have no code
-- and are edited often. The lookup names the index (INDEXED BY), so a
-- change to the public columns must change this index too.
CREATE INDEX letters_public ON letters (verify_code, village_id, module, status, subject_name, number,
    pdf_sha256, issued_at, signed_at, valid_until, signer_official_id, revoked_at, revoke_code,
    replaced_by_id, template_id, certificate_id)
    WHERE signed_at IS NOT NULL;

-- +goose Down
DROP INDEX letters_public;
