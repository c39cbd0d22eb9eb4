-- +goose Up
-- letter_settings holds a village's choices for one letter module; a module
-- without a row uses the catalogue defaults and is enabled. Within a row, an
-- empty kode_surat uses the module's klasifikasi, an empty number_format the
-- village's format, and validity_days 0 the module's validity period.
CREATE TABLE letter_settings (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id    BIGINT       NOT NULL,
    module        VARCHAR(50)  NOT NULL,
    enabled       BOOLEAN      NOT NULL DEFAULT TRUE,
    kode_surat    VARCHAR(30)  NOT NULL DEFAULT '',
    number_format VARCHAR(150) NOT NULL DEFAULT '',
    validity_days INT          NOT NULL DEFAULT 0,
    online        BOOLEAN      NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY letter_settings_village_module (village_id, module),
    CONSTRAINT letter_settings_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- letters: the number columns and verify_code stay NULL until the letter is
-- signed; the unique keys then guarantee that no two letters of a village
-- share a number or a (scope, year, sequence), and that no verification code
-- is used twice. NULLs do not collide in a unique key (InnoDB, TiDB).
CREATE TABLE letters (
    id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id          BIGINT       NOT NULL,
    module              VARCHAR(50)  NOT NULL,
    status              VARCHAR(20)  NOT NULL DEFAULT 'draf',
    subject_resident_id BIGINT       NULL,
    subject_name        VARCHAR(100) NOT NULL DEFAULT '',
    form_data           MEDIUMTEXT   NOT NULL,
    created_by          BIGINT       NULL,
    approved_by         BIGINT       NULL,
    signer_official_id  BIGINT       NULL,
    number              VARCHAR(255) NULL,
    number_seq          INT          NULL,
    number_year         INT          NULL,
    number_scope        VARCHAR(191) NULL,
    verify_code         CHAR(26)     CHARACTER SET ascii COLLATE ascii_bin NULL,
    pdf_path            VARCHAR(255) NOT NULL DEFAULT '',
    pdf_sha256          CHAR(64)     NOT NULL DEFAULT '',
    certificate_id      BIGINT       NULL,
    issued_at           DATETIME(6)  NULL,
    signed_at           DATETIME(6)  NULL,
    valid_until         DATETIME(6)  NULL,
    revoked_at          DATETIME(6)  NULL,
    revoke_reason       VARCHAR(500) NOT NULL DEFAULT '',
    return_reason       VARCHAR(500) NOT NULL DEFAULT '',
    replaces_id         BIGINT       NULL,
    replaced_by_id      BIGINT       NULL,
    version             INT          NOT NULL DEFAULT 1,
    created_at          DATETIME(6)  NOT NULL,
    updated_at          DATETIME(6)  NOT NULL,
    UNIQUE KEY letters_village_number (village_id, number),
    UNIQUE KEY letters_village_sequence (village_id, number_scope, number_year, number_seq),
    UNIQUE KEY letters_verify_code (verify_code),
    KEY letters_village_status (village_id, status, id),
    KEY letters_village_module (village_id, module, id),
    KEY letters_village_created (village_id, created_at),
    KEY letters_subject (subject_resident_id),
    KEY letters_replaces (replaces_id),
    CONSTRAINT letters_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT letters_subject_fk FOREIGN KEY (subject_resident_id) REFERENCES residents (id),
    CONSTRAINT letters_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT letters_approved_by_fk FOREIGN KEY (approved_by) REFERENCES users (id),
    CONSTRAINT letters_signer_fk FOREIGN KEY (signer_official_id) REFERENCES officials (id),
    CONSTRAINT letters_replaces_fk FOREIGN KEY (replaces_id) REFERENCES letters (id),
    CONSTRAINT letters_replaced_by_fk FOREIGN KEY (replaced_by_id) REFERENCES letters (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- letter_counters holds the last sequence given out per village, scope and
-- year. Finalising a letter increments its row inside the signing
-- transaction, so the row lock serialises allocation and a failed signing
-- rolls the increment back.
CREATE TABLE letter_counters (
    village_id BIGINT       NOT NULL,
    scope      VARCHAR(191) NOT NULL,
    year       INT          NOT NULL,
    last_seq   INT          NOT NULL,
    PRIMARY KEY (village_id, scope, year),
    CONSTRAINT letter_counters_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE letter_counters;
DROP TABLE letters;
DROP TABLE letter_settings;
