-- +goose Up
CREATE TABLE villages (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code          VARCHAR(10)  NOT NULL,
    name          VARCHAR(100) NOT NULL,
    sebutan       VARCHAR(30)  NOT NULL DEFAULT 'Desa',
    kecamatan     VARCHAR(100) NOT NULL,
    kabupaten     VARCHAR(100) NOT NULL,
    sebutan_kab   VARCHAR(30)  NOT NULL DEFAULT 'Kabupaten',
    provinsi      VARCHAR(100) NOT NULL,
    address       VARCHAR(255) NOT NULL DEFAULT '',
    postal_code   VARCHAR(10)  NOT NULL DEFAULT '',
    phone         VARCHAR(30)  NOT NULL DEFAULT '',
    email         VARCHAR(100) NOT NULL DEFAULT '',
    website       VARCHAR(150) NOT NULL DEFAULT '',
    logo_path     VARCHAR(255) NOT NULL DEFAULT '',
    number_format VARCHAR(150) NOT NULL,
    number_scope  VARCHAR(10)  NOT NULL DEFAULT 'module',
    paper         VARCHAR(4)   NOT NULL DEFAULT 'F4',
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY villages_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE officials (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id   BIGINT       NOT NULL,
    name         VARCHAR(100) NOT NULL,
    nip          VARCHAR(30)  NOT NULL DEFAULT '',
    jabatan      VARCHAR(100) NOT NULL,
    is_head      BOOLEAN      NOT NULL DEFAULT FALSE,
    can_sign_an  BOOLEAN      NOT NULL DEFAULT FALSE,
    can_sign_ub  BOOLEAN      NOT NULL DEFAULT FALSE,
    active       BOOLEAN      NOT NULL DEFAULT TRUE,
    active_from  DATETIME(6)  NULL,
    active_until DATETIME(6)  NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    KEY officials_village (village_id),
    CONSTRAINT officials_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE users (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id    BIGINT       NULL,
    username      VARCHAR(50)  NOT NULL,
    full_name     VARCHAR(100) NOT NULL DEFAULT '',
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(20)  NOT NULL,
    official_id   BIGINT       NULL,
    disabled      BOOLEAN      NOT NULL DEFAULT FALSE,
    failed_logins INT          NOT NULL DEFAULT 0,
    locked_until  DATETIME(6)  NULL,
    last_login_at DATETIME(6)  NULL,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY users_username (username),
    KEY users_village (village_id),
    CONSTRAINT users_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT users_official_fk FOREIGN KEY (official_id) REFERENCES officials (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    token_hash CHAR(64)    NOT NULL PRIMARY KEY,
    kind       VARCHAR(10) NOT NULL,
    user_id    BIGINT      NOT NULL,
    csrf_token VARCHAR(64) NOT NULL DEFAULT '',
    expires_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY sessions_user (user_id),
    KEY sessions_expires (expires_at),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE households (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id BIGINT       NOT NULL,
    no_kk      CHAR(16)     NOT NULL,
    address    VARCHAR(200) NOT NULL DEFAULT '',
    rt         VARCHAR(10)  NOT NULL DEFAULT '',
    rw         VARCHAR(10)  NOT NULL DEFAULT '',
    dusun      VARCHAR(50)  NOT NULL DEFAULT '',
    head_id    BIGINT       NULL,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    UNIQUE KEY households_village_kk (village_id, no_kk),
    CONSTRAINT households_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE residents (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id     BIGINT       NOT NULL,
    nik            CHAR(16)     NOT NULL,
    household_id   BIGINT       NULL,
    relation       SMALLINT     NOT NULL,
    name           VARCHAR(100) NOT NULL,
    birth_place    VARCHAR(100) NOT NULL,
    birth_date     DATE         NOT NULL,
    sex            SMALLINT     NOT NULL,
    religion       SMALLINT     NOT NULL,
    marital_status SMALLINT     NOT NULL,
    education      SMALLINT     NOT NULL DEFAULT 0,
    occupation     SMALLINT     NOT NULL DEFAULT 0,
    citizenship    SMALLINT     NOT NULL DEFAULT 1,
    blood_type     SMALLINT     NOT NULL DEFAULT 0,
    life_status    SMALLINT     NOT NULL DEFAULT 1,
    father_name    VARCHAR(100) NOT NULL DEFAULT '',
    mother_name    VARCHAR(100) NOT NULL DEFAULT '',
    phone          VARCHAR(20)  NOT NULL DEFAULT '',
    version        INT          NOT NULL DEFAULT 1,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    UNIQUE KEY residents_village_nik (village_id, nik),
    KEY residents_village_name (village_id, name),
    KEY residents_household (household_id),
    CONSTRAINT residents_village_fk FOREIGN KEY (village_id) REFERENCES villages (id),
    CONSTRAINT residents_household_fk FOREIGN KEY (household_id) REFERENCES households (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_heads (
    chain_id  BIGINT   NOT NULL PRIMARY KEY,
    last_hash CHAR(64) NOT NULL DEFAULT '',
    entries   BIGINT   NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    village_id  BIGINT       NULL,
    actor_id    BIGINT       NULL,
    actor       VARCHAR(50)  NOT NULL,
    action      VARCHAR(50)  NOT NULL,
    entity      VARCHAR(30)  NOT NULL,
    entity_id   BIGINT       NOT NULL DEFAULT 0,
    before_hash CHAR(64)     NOT NULL DEFAULT '',
    after_hash  CHAR(64)     NOT NULL DEFAULT '',
    detail      VARCHAR(500) NOT NULL DEFAULT '',
    prev_hash   CHAR(64)     NOT NULL DEFAULT '',
    hash        CHAR(64)     NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    KEY audit_log_village (village_id, id),
    KEY audit_log_entity (entity, entity_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE audit_log;
DROP TABLE audit_heads;
DROP TABLE residents;
DROP TABLE households;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE officials;
DROP TABLE villages;
