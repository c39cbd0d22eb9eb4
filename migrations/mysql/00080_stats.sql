-- +goose Up
-- village_stats and letter_month_counts keep the kabupaten pages' figures
-- up to date in the transactions that change them, so that a page with 300
-- villages reads 300 rows instead of counting 300,000 residents and 200,000
-- letters. Months are months of letter time (WIB, UTC+7).
CREATE TABLE village_stats (
    village_id      BIGINT NOT NULL PRIMARY KEY,
    residents_alive BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT village_stats_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO village_stats (village_id, residents_alive)
SELECT v.id, (SELECT COUNT(*) FROM residents r WHERE r.village_id = v.id AND r.life_status = 1) FROM villages v;

CREATE TABLE letter_month_counts (
    village_id BIGINT      NOT NULL,
    year       INT         NOT NULL,
    month      INT         NOT NULL,
    module     VARCHAR(50) NOT NULL,
    signed     BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (village_id, year, month, module),
    CONSTRAINT letter_month_counts_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO letter_month_counts (village_id, year, month, module, signed)
SELECT village_id, YEAR(DATE_ADD(signed_at, INTERVAL 7 HOUR)), MONTH(DATE_ADD(signed_at, INTERVAL 7 HOUR)), module, COUNT(*)
FROM letters WHERE signed_at IS NOT NULL
GROUP BY village_id, YEAR(DATE_ADD(signed_at, INTERVAL 7 HOUR)), MONTH(DATE_ADD(signed_at, INTERVAL 7 HOUR)), module;

CREATE INDEX letter_month_counts_month ON letter_month_counts (year, month);

-- The letters signed in the parts of a range that are not whole months.
CREATE INDEX letters_signed ON letters (signed_at, village_id, module);

-- +goose Down
DROP INDEX letters_signed ON letters;
DROP TABLE letter_month_counts;
DROP TABLE village_stats;
