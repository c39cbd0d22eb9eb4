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
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id  BIGINT       NOT NULL,
    resident_id BIGINT       NOT NULL,
    kind        VARCHAR(10)  NOT NULL,
    event_date  DATE         NOT NULL,
    destination VARCHAR(200) NOT NULL DEFAULT '',
    reason      VARCHAR(500) NOT NULL DEFAULT '',
    created_by  BIGINT       NULL,
    created_at  DATETIME(6)  NOT NULL,
    KEY resident_events_resident (village_id, resident_id, id),
    CONSTRAINT resident_events_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT resident_events_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- form_stashes keeps what a clerk typed for a short while, under the
-- SHA-256 of a random key the browser holds in a cookie or a URL: a form
-- posted after the session expired (resumed after login, user_id NULL until
-- then) and searches by NIK or No. KK, which must not appear in URLs.
CREATE TABLE form_stashes (
    key_hash   CHAR(64)     CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    user_id    BIGINT       NULL,
    path       VARCHAR(255) NOT NULL,
    data       MEDIUMTEXT   NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    KEY form_stashes_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- import_jobs holds an uploaded resident file between its dry run and the
-- import the clerk confirms, and the state of that import while it runs in
-- the background (status siap -> berjalan -> selesai | gagal). The file is
-- cleared once the job ends.
CREATE TABLE import_jobs (
    id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id         BIGINT       NOT NULL,
    user_id            BIGINT       NOT NULL,
    filename           VARCHAR(255) NOT NULL,
    content            MEDIUMBLOB   NULL,
    status             VARCHAR(10)  NOT NULL,
    rows_total         INT          NOT NULL DEFAULT 0,
    created            INT          NOT NULL DEFAULT 0,
    updated            INT          NOT NULL DEFAULT 0,
    households_created INT          NOT NULL DEFAULT 0,
    households_updated INT          NOT NULL DEFAULT 0,
    warnings           MEDIUMTEXT   NOT NULL,
    dry_run_ms         INT          NOT NULL DEFAULT 0,
    error              VARCHAR(1000) NOT NULL DEFAULT '',
    started_at         DATETIME(6)  NULL,
    finished_at        DATETIME(6)  NULL,
    created_at         DATETIME(6)  NOT NULL,
    updated_at         DATETIME(6)  NOT NULL,
    KEY import_jobs_village (village_id, id),
    CONSTRAINT import_jobs_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT import_jobs_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE import_jobs;
DROP TABLE form_stashes;
DROP TABLE resident_events;
DROP INDEX households_village_area ON households;
DROP INDEX residents_village_status_name ON residents;
