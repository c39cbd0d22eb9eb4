-- +goose Up
-- public_generation counts the changes to what the public check shows of
-- letters already signed: a letter revoked or replaced, a replacement
-- signed, a signer certificate revoked. Every such transaction adds one to
-- n; each replica reads n a few times a second and forgets the letters it
-- has cached when n moved, so that a revocation shows on every replica
-- within a second while a scan of an unchanged letter reads nothing.
CREATE TABLE public_generation (
    id TINYINT NOT NULL PRIMARY KEY,
    n  BIGINT  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO public_generation (id, n) VALUES (1, 0);

-- +goose Down
DROP TABLE public_generation;
