-- +goose Up
CREATE TABLE villages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    sebutan       TEXT    NOT NULL DEFAULT 'Desa',
    kecamatan     TEXT    NOT NULL,
    kabupaten     TEXT    NOT NULL,
    sebutan_kab   TEXT    NOT NULL DEFAULT 'Kabupaten',
    provinsi      TEXT    NOT NULL,
    address       TEXT    NOT NULL DEFAULT '',
    postal_code   TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NOT NULL DEFAULT '',
    email         TEXT    NOT NULL DEFAULT '',
    website       TEXT    NOT NULL DEFAULT '',
    logo_path     TEXT    NOT NULL DEFAULT '',
    number_format TEXT    NOT NULL,
    number_scope  TEXT    NOT NULL DEFAULT 'module',
    paper         TEXT    NOT NULL DEFAULT 'F4',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE officials (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id   INTEGER NOT NULL REFERENCES villages(id),
    name         TEXT    NOT NULL,
    nip          TEXT    NOT NULL DEFAULT '',
    jabatan      TEXT    NOT NULL,
    is_head      INTEGER NOT NULL DEFAULT 0,
    can_sign_an  INTEGER NOT NULL DEFAULT 0,
    can_sign_ub  INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,
    active_from  DATETIME,
    active_until DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX officials_village ON officials (village_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id    INTEGER REFERENCES villages(id),
    username      TEXT    NOT NULL UNIQUE,
    full_name     TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    official_id   INTEGER REFERENCES officials(id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  DATETIME,
    last_login_at DATETIME,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX users_village ON users (village_id);

-- sessions holds both browser sessions (kind 'web') and API bearer tokens
-- (kind 'api'). Only the SHA-256 of the token is stored.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL DEFAULT '',
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE households (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id INTEGER NOT NULL REFERENCES villages(id),
    no_kk      TEXT    NOT NULL,
    address    TEXT    NOT NULL DEFAULT '',
    rt         TEXT    NOT NULL DEFAULT '',
    rw         TEXT    NOT NULL DEFAULT '',
    dusun      TEXT    NOT NULL DEFAULT '',
    head_id    INTEGER,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (village_id, no_kk)
);

CREATE TABLE residents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id     INTEGER NOT NULL REFERENCES villages(id),
    nik            TEXT    NOT NULL,
    household_id   INTEGER REFERENCES households(id),
    relation       INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    birth_place    TEXT    NOT NULL,
    birth_date     DATE    NOT NULL,
    sex            INTEGER NOT NULL,
    religion       INTEGER NOT NULL,
    marital_status INTEGER NOT NULL,
    education      INTEGER NOT NULL DEFAULT 0,
    occupation     INTEGER NOT NULL DEFAULT 0,
    citizenship    INTEGER NOT NULL DEFAULT 1,
    blood_type     INTEGER NOT NULL DEFAULT 0,
    life_status    INTEGER NOT NULL DEFAULT 1,
    father_name    TEXT    NOT NULL DEFAULT '',
    mother_name    TEXT    NOT NULL DEFAULT '',
    phone          TEXT    NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    UNIQUE (village_id, nik)
);
CREATE INDEX residents_village_name ON residents (village_id, name);
CREATE INDEX residents_household ON residents (household_id);

-- audit_heads holds the last hash of each audit chain (one per village, 0 for
-- deployment-wide events); the row is locked while an entry is appended so the
-- chain never forks under concurrency.
CREATE TABLE audit_heads (
    chain_id  INTEGER PRIMARY KEY,
    last_hash TEXT    NOT NULL DEFAULT '',
    entries   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id  INTEGER,
    actor_id    INTEGER,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL DEFAULT 0,
    before_hash TEXT    NOT NULL DEFAULT '',
    after_hash  TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    prev_hash   TEXT    NOT NULL DEFAULT '',
    hash        TEXT    NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX audit_log_village ON audit_log (village_id, id);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE audit_heads;
DROP TABLE residents;
DROP TABLE households;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE officials;
DROP TABLE villages;
