-- +goose Up
-- Two coarser counts of the letters signed, kept beside letter_month_counts
-- in the same transactions, for the kabupaten pages that sum over every
-- village: letter_month_counts has a row per village, month and letter type,
-- some 35,000 rows a year at 300 villages and ten types (up to 97,000 with
-- all 27), and summing them took 15-60 ms a page on MariaDB.
--
-- letter_month_totals: the letters signed per village and month, whatever
-- their type (the dashboard and the village list).
CREATE TABLE letter_month_totals (
    village_id BIGINT NOT NULL,
    year       INT    NOT NULL,
    month      INT    NOT NULL,
    signed     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (village_id, year, month),
    CONSTRAINT letter_month_totals_village_fk FOREIGN KEY (village_id) REFERENCES villages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO letter_month_totals (village_id, year, month, signed)
SELECT village_id, year, month, SUM(signed) FROM letter_month_counts GROUP BY village_id, year, month;

-- letter_module_months: the letters signed per month and letter type over
-- every village (the recap's totals per type). The villages are spread
-- over eight shards (village_id % 8), so that villages signing at the same
-- moment seldom wait for the same row.
CREATE TABLE letter_module_months (
    shard  INT         NOT NULL,
    year   INT         NOT NULL,
    month  INT         NOT NULL,
    module VARCHAR(50) NOT NULL,
    signed BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (year, month, module, shard)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO letter_module_months (shard, year, month, module, signed)
SELECT village_id % 8, year, month, module, SUM(signed) FROM letter_month_counts GROUP BY village_id % 8, year, month, module;

-- +goose Down
DROP TABLE letter_module_months;
DROP TABLE letter_month_totals;
