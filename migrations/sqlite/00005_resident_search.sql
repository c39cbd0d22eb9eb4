-- +goose Up
-- Indexes for the clerk's resident list: the status filter walks
-- (village_id, life_status, name) in list order, the dusun/RW/RT filter
-- finds households by area.
CREATE INDEX residents_village_status_name ON residents (village_id, life_status, name);
CREATE INDEX households_village_area ON households (village_id, dusun, rw, rt);

-- resident_events records why a resident left the living register: death
-- (kind 'mati') or moving away ('pindah'), with the date, the destination
-- and the clerk's reason. The resident row only carries the status; the
-- audit log names the event by id, never its content.
CREATE TABLE resident_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id  INTEGER NOT NULL REFERENCES villages(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    kind        TEXT    NOT NULL,
    event_date  DATE    NOT NULL,
    destination TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  DATETIME NOT NULL
);
CREATE INDEX resident_events_resident ON resident_events (village_id, resident_id, id);

-- form_stashes keeps what a clerk typed for a short while, under the
-- SHA-256 of a random key the browser holds in a cookie or a URL: a form
-- posted after the session expired (resumed after login, user_id NULL until
-- then) and searches by NIK or No. KK, which must not appear in URLs.
CREATE TABLE form_stashes (
    key_hash   TEXT     PRIMARY KEY,
    user_id    INTEGER,
    path       TEXT     NOT NULL,
    data       TEXT     NOT NULL,
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX form_stashes_expires ON form_stashes (expires_at);

-- import_jobs holds an uploaded resident file between its dry run and the
-- import the clerk confirms, and the state of that import while it runs in
-- the background (status siap -> berjalan -> selesai | gagal). The file is
-- cleared once the job ends.
CREATE TABLE import_jobs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id         INTEGER NOT NULL REFERENCES villages(id),
    user_id            INTEGER NOT NULL REFERENCES users(id),
    filename           TEXT    NOT NULL,
    content            BLOB,
    status             TEXT    NOT NULL,
    rows_total         INTEGER NOT NULL DEFAULT 0,
    created            INTEGER NOT NULL DEFAULT 0,
    updated            INTEGER NOT NULL DEFAULT 0,
    households_created INTEGER NOT NULL DEFAULT 0,
    households_updated INTEGER NOT NULL DEFAULT 0,
    warnings           TEXT    NOT NULL DEFAULT '',
    dry_run_ms         INTEGER NOT NULL DEFAULT 0,
    error              TEXT    NOT NULL DEFAULT '',
    started_at         DATETIME,
    finished_at        DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX import_jobs_village ON import_jobs (village_id, id);

-- +goose Down
DROP TABLE import_jobs;
DROP TABLE form_stashes;
DROP TABLE resident_events;
DROP INDEX households_village_area;
DROP INDEX residents_village_status_name;
