-- +goose Up
-- auth_attempts counts sign-in attempts (staff passwords, resident PINs,
-- signing passphrases, setup codes) per bucket in a fixed window that
-- starts with the first attempt: window_start in Unix seconds. A bucket
-- names a scope and a keyed hash of what it counts (an account, a client
-- address), never a username, NIK or address in clear. An attempt is
-- counted before the password is checked, in one statement, so a limit
-- holds under parallel requests, across replicas and restarts. Apart from
-- verify_attempts because its windows are longer and purged on their own.
CREATE TABLE auth_attempts (
    bucket       TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
);
CREATE INDEX auth_attempts_window ON auth_attempts (window_start);

-- +goose Down
DROP TABLE auth_attempts;
