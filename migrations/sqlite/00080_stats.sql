-- +goose Up
-- village_stats and letter_month_counts keep the kabupaten pages' figures
-- up to date in the transactions that change them, so that a page with 300
-- villages reads 300 rows instead of counting 300,000 residents and 200,000
-- letters. Months are months of letter time (WIB, UTC+7).
CREATE TABLE village_stats (
    village_id      INTEGER PRIMARY KEY REFERENCES villages(id),
    residents_alive INTEGER NOT NULL DEFAULT 0
);
INSERT INTO village_stats (village_id, residents_alive)
SELECT v.id, (SELECT COUNT(*) FROM residents r WHERE r.village_id = v.id AND r.life_status = 1) FROM villages v;

CREATE TABLE letter_month_counts (
    village_id INTEGER NOT NULL REFERENCES villages(id),
    year       INTEGER NOT NULL,
    month      INTEGER NOT NULL,
    module     TEXT    NOT NULL,
    signed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (village_id, year, month, module)
);
INSERT INTO letter_month_counts (village_id, year, month, module, signed)
SELECT village_id, CAST(strftime('%Y', signed_at, '+7 hours') AS INTEGER),
       CAST(strftime('%m', signed_at, '+7 hours') AS INTEGER), module, COUNT(*)
FROM letters WHERE signed_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

CREATE INDEX letter_month_counts_month ON letter_month_counts (year, month);

-- The letters signed in the parts of a range that are not whole months.
CREATE INDEX letters_signed ON letters (signed_at, village_id, module);

-- +goose Down
DROP INDEX letters_signed;
DROP TABLE letter_month_counts;
DROP TABLE village_stats;
