-- +goose Up
-- letter_templates holds every version of the letter module files the
-- kabupaten (layer 0, village_id NULL) and each village (layer = village_id)
-- keep on top of the built-in modules. A version is never changed or
-- deleted; every save, restore, removal or import adds one, numbered from 1
-- per layer and module. state: 'aktif' (the layer's module from this version
-- on), 'draf' (kept for review, changes nothing) or 'dihapus' (the layer no
-- longer has the module; source keeps the removed file for a restore).
CREATE TABLE letter_templates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    layer      INTEGER NOT NULL,
    village_id INTEGER REFERENCES villages(id),
    module     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    state      TEXT    NOT NULL,
    title      TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    author     TEXT    NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX letter_templates_version ON letter_templates (layer, module, version);
CREATE INDEX letter_templates_village ON letter_templates (village_id);
CREATE INDEX letter_templates_created_by ON letter_templates (created_by);

-- letter_template_layers holds one revision number per layer that has ever
-- changed, raised in the transaction of every change. Each replica reads the
-- two numbers of a village (kabupaten and village) by primary key to know
-- whether its cached catalogue of that village is still current.
CREATE TABLE letter_template_layers (
    layer      INTEGER NOT NULL PRIMARY KEY,
    revision   INTEGER NOT NULL,
    updated_at DATETIME NOT NULL
);

-- A letter records the version of its module file it was drafted with: the
-- stored version (template_id, NULL for a built-in file) and the SHA-256 of
-- the file ('' for letters drafted before this migration). Letters are
-- built with that version until a clerk renders the draft again.
ALTER TABLE letters ADD COLUMN template_id INTEGER;
ALTER TABLE letters ADD COLUMN template_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX letters_template ON letters (template_id);

-- +goose Down
DROP INDEX letters_template;
ALTER TABLE letters DROP COLUMN template_sha256;
ALTER TABLE letters DROP COLUMN template_id;
DROP TABLE letter_template_layers;
DROP TABLE letter_templates;
