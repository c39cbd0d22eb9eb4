-- +goose Up
-- letter_templates holds every version of the letter module files the
-- kabupaten (layer 0, village_id NULL) and each village (layer = village_id)
-- keep on top of the built-in modules. A version is never changed or
-- deleted; every save, restore, removal or import adds one, numbered from 1
-- per layer and module. state: 'aktif' (the layer's module from this version
-- on), 'draf' (kept for review, changes nothing) or 'dihapus' (the layer no
-- longer has the module; source keeps the removed file for a restore).
CREATE TABLE letter_templates (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    layer      BIGINT       NOT NULL,
    village_id BIGINT       NULL,
    module     VARCHAR(50)  NOT NULL,
    version    INT          NOT NULL,
    state      VARCHAR(10)  NOT NULL,
    title      VARCHAR(120) NOT NULL DEFAULT '',
    source     MEDIUMTEXT   NOT NULL,
    sha256     CHAR(64)     NOT NULL,
    note       VARCHAR(500) NOT NULL DEFAULT '',
    created_by BIGINT       NULL,
    author     VARCHAR(100) NOT NULL DEFAULT '',
    created_at DATETIME(6)  NOT NULL,
    UNIQUE KEY letter_templates_version (layer, module, version),
    KEY letter_templates_village (village_id),
    KEY letter_templates_created_by (created_by),
    CONSTRAINT letter_templates_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT letter_templates_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- letter_template_layers holds one revision number per layer that has ever
-- changed, raised in the transaction of every change. Each replica reads the
-- two numbers of a village (kabupaten and village) by primary key to know
-- whether its cached catalogue of that village is still current.
CREATE TABLE letter_template_layers (
    layer      BIGINT      NOT NULL PRIMARY KEY,
    revision   BIGINT      NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A letter records the version of its module file it was drafted with: the
-- stored version (template_id, NULL for a built-in file) and the SHA-256 of
-- the file ('' for letters drafted before this migration). Letters are
-- built with that version until a clerk renders the draft again.
ALTER TABLE letters
    ADD COLUMN template_id BIGINT NULL,
    ADD COLUMN template_sha256 CHAR(64) NOT NULL DEFAULT '',
    ADD KEY letters_template (template_id);

-- +goose Down
ALTER TABLE letters DROP KEY letters_template, DROP COLUMN template_sha256, DROP COLUMN template_id;
DROP TABLE letter_template_layers;
DROP TABLE letter_templates;
